/**
 * An upstream API's rate-limit budget, shared by connectors: it records what the headers say, reports it to the
 * connection status, and makes the next request wait for the reset once the budget (counting requests in flight)
 * is spent, instead of hammering the API.
 */
export interface BudgetInfo {
  remaining: number;
  limit?: number;
  resetAt?: Date;
}

export class RateBudget {
  private remaining: number | null = null;
  private resetAt = 0;
  private inFlight = 0;

  constructor(
    private readonly report: (info: BudgetInfo) => void,
    private readonly waitUntil: (until: Date) => Promise<void>,
    private readonly signal?: AbortSignal,
  ) {}

  /** Call before each request; resolves when a request may be sent. */
  async acquire(): Promise<void> {
    while (this.remaining !== null && this.remaining - this.inFlight <= 0 && this.resetAt > Date.now()) {
      await this.waitUntil(new Date(this.resetAt));
      if (this.signal?.aborted) break;
    }
    if (this.resetAt && this.resetAt <= Date.now()) this.remaining = null;
    this.inFlight++;
  }

  /** Call when a response (or error) arrives, with the parsed headers if the response had them. */
  release(info?: { remaining: number; limit?: number; resetAtMs?: number }): void {
    this.inFlight = Math.max(0, this.inFlight - 1);
    if (!info || Number.isNaN(info.remaining)) return;
    this.remaining = info.remaining;
    this.resetAt = info.resetAtMs ?? 0;
    this.report({
      remaining: info.remaining,
      ...(info.limit !== undefined && !Number.isNaN(info.limit) ? { limit: info.limit } : {}),
      ...(info.resetAtMs ? { resetAt: new Date(info.resetAtMs) } : {}),
    });
  }

  /** Waits as a `Retry-After` header asks (seconds, or an HTTP date). */
  async retryAfter(header: string | null, fallbackSeconds = 60): Promise<void> {
    let ms = fallbackSeconds * 1000;
    if (header) {
      const secs = Number(header);
      ms = Number.isFinite(secs) ? secs * 1000 : Math.max(0, Date.parse(header) - Date.now());
    }
    await this.waitUntil(new Date(Date.now() + ms));
  }
}
