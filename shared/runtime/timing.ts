/** Waiting helpers shared by every loop: abortable sleep, jitter and exponential backoff. */

/** Resolves after `ms`, or early (without throwing) when the signal aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted || ms <= 0) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });
}

/** `ms` spread by ±fraction, so replicas and connections do not poll in lockstep. */
export function jitter(ms: number, fraction = 0.1, random = Math.random): number {
  return Math.max(0, Math.round(ms * (1 + (random() * 2 - 1) * fraction)));
}

/** Exponential backoff with full jitter: attempt 1 waits up to base, doubling up to max. */
export function backoff(attempt: number, baseMs = 1_000, maxMs = 300_000, random = Math.random): number {
  const cap = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(cap / 2 + random() * (cap / 2));
}
