/** The long-running worker of a watch-style connector (`run`): one replica at a time holds it, through a lease. */
import { errorFields, type Logger } from "../log.ts";
import type { Leases } from "./lease.ts";
import { backoff, jitter, sleep } from "./timing.ts";

export async function runSingleton(o: {
  key: string;
  leases: Leases;
  log: Logger;
  signal: AbortSignal;
  /** Runs while the lease is held; `signal` aborts when it is lost or the connector stops. */
  work(signal: AbortSignal): Promise<void>;
}): Promise<void> {
  const { leases, signal } = o;
  let attempt = 0;
  while (!signal.aborted) {
    if (!(await leases.acquire(o.key))) {
      await sleep(jitter(leases.ttlMs / 3), signal);
      continue;
    }
    const ac = new AbortController();
    const stop = () => ac.abort();
    signal.addEventListener("abort", stop, { once: true });
    const renew = setInterval(async () => {
      if (!(await leases.acquire(o.key))) {
        o.log.warn("Lost the lease of the worker; stopping it", { key: o.key });
        ac.abort();
      }
    }, leases.ttlMs / 3);
    try {
      await o.work(ac.signal);
      attempt = 0;
    } catch (err) {
      attempt++;
      o.log.error("Worker failed", { attempt, ...errorFields(err) });
    } finally {
      clearInterval(renew);
      signal.removeEventListener("abort", stop);
    }
    await sleep(attempt ? backoff(attempt, 1_000, 60_000) : 1_000, signal);
  }
  await leases.release(o.key);
}
