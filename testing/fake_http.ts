/** What the fake upstreams (GitHub, GitLab) share: their HTTP server and injected faults. */

/** An injected failure: the next `times` requests whose path (without prefix) matches get `status`. */
export interface Fault {
  path: RegExp;
  status: number;
  /** How many times it fires; Infinity for always. */
  times: number;
  retryAfter?: number;
  message?: string;
}

/** Uses up one firing of the first armed fault matching `path`; with the Retry-After header it asks for. */
export function takeFault(
  faults: Fault[],
  path: string,
): { fault: Fault; headers: Record<string, string> } | null {
  const fault = faults.find((f) => f.times > 0 && f.path.test(path));
  if (!fault) return null;
  fault.times--;
  return {
    fault,
    headers: fault.retryAfter !== undefined ? { "retry-after": String(fault.retryAfter) } : {},
  };
}

/** A fake upstream's rate limit: `remaining` of `limit` requests until `resetAt` (epoch ms; 0 for not set). */
export interface FakeRate {
  limit: number;
  remaining: number;
  resetAt: number;
}

/**
 * A fake upstream served on a free loopback port; `url` ends with its path prefix. It keeps a log of the
 * requests it served (as `Logged`), the faults armed for it and its rate limit.
 */
export abstract class FakeHttpServer<Logged = unknown> {
  url = "";
  readonly log: Logged[] = [];
  readonly faults: Fault[] = [];
  rate: FakeRate;
  private server: Deno.HttpServer<Deno.NetAddr> | null = null;

  constructor(private readonly urlPrefix = "", rateLimit: number) {
    this.rate = { limit: rateLimit, remaining: rateLimit, resetAt: 0 };
  }

  protected abstract handle(req: Request): Response;

  start(): Promise<this> {
    this.server = Deno.serve(
      { port: 0, hostname: "127.0.0.1", onListen: () => {} },
      (req) => this.handle(req),
    );
    this.url = `http://127.0.0.1:${this.server.addr.port}${this.urlPrefix}`;
    return Promise.resolve(this);
  }

  async stop() {
    await this.server?.shutdown();
  }
}

/** A test with a fake upstream of its own, started before and stopped after. */
export function fakeTest<F extends FakeHttpServer<unknown>>(
  name: string,
  makeFake: () => F,
  fn: (fake: F, t: Deno.TestContext) => Promise<void>,
): void {
  Deno.test(name, async (t) => {
    const fake = await makeFake().start();
    try {
      await fn(fake, t);
    } finally {
      await fake.stop();
    }
  });
}
