/**
 * Limits shared by every gateway through NATS KV, so a caller gets the same answer whichever gateway it reaches:
 * token buckets for the intake routes and sign-in, and a count of failed credentials per caller (after too many,
 * every credential from that caller is refused for a while, right or wrong, so guessing gains nothing).
 * Keys hold a hash of the caller, never the address or key itself.
 */
import { createHash } from "node:crypto";
import type { KV, KvEntry } from "nats";
import { decoder, encoder, type Logger } from "@painchain/shared/internal";

export interface RateLimit {
  /** Requests allowed per minute, steadily refilled. */
  perMinute: number;
  /** Requests allowed at once. */
  burst: number;
}

export interface FailureLimit {
  /** Failed credentials allowed per caller within the window… */
  max: number;
  /** …of this many milliseconds; the caller is refused until the window ends. */
  windowMs: number;
}

export interface Limits {
  /**
   * Waits for a turn to check a caller's credentials: a few at a time per caller, so a burst of guesses is counted
   * (and cut off) as it goes, not all at once after the fact.
   */
  turn(caller: string): Promise<() => void>;
  /** Takes a token from a caller's bucket; when none is left, the seconds to wait. */
  take(
    bucket: string,
    caller: string,
    limit: RateLimit,
  ): Promise<{ ok: true } | { ok: false; retryAfter: number }>;
  /** Seconds a caller must wait before any credential is checked again (0: none). */
  blocked(caller: string): number;
  /** Records a failed credential; resolves to the seconds the caller is now blocked (0: not yet). */
  failed(caller: string): Promise<number>;
  close(): void;
}

interface Bucket {
  tokens: number;
  at: number;
}
interface Failures {
  count: number;
  since: number;
}

const hash = (s: string) => createHash("sha256").update(s).digest("hex").slice(0, 32);

export function createLimits(
  o: { kv: KV; log: Logger; failures?: FailureLimit; now?: () => number },
): Limits {
  const now = o.now ?? Date.now;
  const fl = o.failures ?? { max: 20, windowMs: 5 * 60_000 };
  // Failures seen by any gateway, kept current by a watch: checking a caller costs no round trip.
  const failures = new Map<string, Failures>();
  // This gateway's own count, updated at once (the shared one follows through KV).
  const local = new Map<string, Failures>();
  // When KV cannot be written (contention, NATS away), buckets are kept here instead: never no limit at all.
  const fallback = new Map<string, Bucket>();
  const turns = new Map<string, { active: number; waiting: (() => void)[] }>();
  const TURNS = 4;
  let stopped = false;
  let stopWatch = () => {
    stopped = true;
  };
  (async () => {
    const watcher = await o.kv.watch({ key: "fail.>" });
    if (stopped) return watcher.stop();
    stopWatch = () => watcher.stop();
    for await (const e of watcher) {
      if (e.operation !== "PUT") failures.delete(e.key);
      else {
        try {
          failures.set(e.key, JSON.parse(decoder.decode(e.value)));
        } catch { /* damaged entry */ }
      }
    }
  })().catch((err) => o.log.warn("Failed-credential watch ended", { error: String(err) }));

  // One update at a time per key on this gateway: compare-and-set then only contends with other gateways.
  const chains = new Map<string, Promise<unknown>>();
  const serialized = <T>(key: string, run: () => Promise<T>): Promise<T> => {
    const next = (chains.get(key) ?? Promise.resolve()).then(run, run);
    const tail = next.catch(() => {});
    chains.set(key, tail);
    tail.then(() => chains.get(key) === tail && chains.delete(key));
    return next;
  };
  /** Read-modify-write with compare-and-set, a few tries; `change` returns null to write nothing. */
  const update = <T>(key: string, change: (cur: T | null) => T | null): Promise<T | null> =>
    serialized(key, () => casUpdate(key, change));
  const casUpdate = async <T>(key: string, change: (cur: T | null) => T | null): Promise<T | null> => {
    for (let attempt = 0; attempt < 10; attempt++) {
      if (attempt > 0) await new Promise((r) => setTimeout(r, Math.random() * 5 * attempt));
      let e: KvEntry | null = null;
      try {
        e = await o.kv.get(key);
      } catch {
        return null;
      }
      const cur = e && e.operation === "PUT" ? JSON.parse(decoder.decode(e.value)) as T : null;
      const next = change(cur);
      if (next === null) return cur;
      try {
        const bytes = encoder.encode(JSON.stringify(next));
        if (e) await o.kv.update(key, bytes, e.revision);
        else await o.kv.create(key, bytes);
        return next;
      } catch { /* another gateway wrote first: read again */ }
    }
    return null;
  };

  const blockedFor = (f: Failures | undefined, t: number) =>
    f && f.count >= fl.max && t - f.since < fl.windowMs ? Math.ceil((f.since + fl.windowMs - t) / 1000) : 0;

  /** A token from a bucket; returns the seconds to wait when none is left. */
  const spend = (cur: Bucket | null, limit: RateLimit, t: number): { next: Bucket | null; wait: number } => {
    const perMs = limit.perMinute / 60_000;
    const b = cur ?? { tokens: limit.burst, at: t };
    const tokens = Math.min(limit.burst, b.tokens + Math.max(0, t - b.at) * perMs);
    if (tokens < 1) return { next: null, wait: Math.max(1, Math.ceil((1 - tokens) / perMs / 1000)) };
    return { next: { tokens: tokens - 1, at: t }, wait: 0 };
  };
  const worst = (a: Failures | undefined, b: Failures | undefined, t: number) =>
    Math.max(blockedFor(a, t), blockedFor(b, t));

  return {
    async turn(caller) {
      const k = hash(caller);
      const q = turns.get(k) ?? { active: 0, waiting: [] };
      turns.set(k, q);
      if (q.active >= TURNS) await new Promise<void>((r) => q.waiting.push(r));
      q.active++;
      return () => {
        q.active--;
        const next = q.waiting.shift();
        if (next) next();
        else if (q.active === 0) turns.delete(k);
      };
    },
    async take(bucket, caller, limit) {
      const t = now();
      const key = `rl.${bucket}.${hash(caller)}`;
      let wait = 0;
      const wrote = await update<Bucket>(key, (cur) => {
        const r = spend(cur, limit, t);
        wait = r.wait;
        return r.next;
      });
      if (wait) return { ok: false, retryAfter: wait };
      if (!wrote) {
        // KV could not be written: this gateway's own bucket decides (never no limit at all).
        o.log.debug("Rate limit kept locally (KV unavailable or contended)", { bucket });
        const r = spend(fallback.get(key) ?? null, limit, t);
        if (r.wait) return { ok: false, retryAfter: r.wait };
        fallback.set(key, r.next!);
        if (fallback.size > 10_000) fallback.clear();
      }
      return { ok: true };
    },
    blocked(caller) {
      const key = `fail.${hash(caller)}`;
      return worst(failures.get(key), local.get(key), now());
    },
    async failed(caller) {
      const t = now();
      const key = `fail.${hash(caller)}`;
      const cur = local.get(key);
      local.set(
        key,
        !cur || t - cur.since >= fl.windowMs
          ? { count: 1, since: t }
          : { count: cur.count + 1, since: cur.since },
      );
      if (local.size > 10_000) {
        for (const [k, v] of local) {
          if (t - v.since >= fl.windowMs) local.delete(k);
        }
      }
      const next = await update<Failures>(
        key,
        (shared) =>
          !shared || t - shared.since >= fl.windowMs
            ? { count: 1, since: t }
            : { count: shared.count + 1, since: shared.since },
      );
      if (next) failures.set(key, next);
      return worst(next ?? undefined, local.get(key), t);
    },
    close: () => stopWatch(),
  };
}
