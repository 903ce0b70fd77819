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

  /** Read-modify-write with compare-and-set, a few tries; `change` returns null to write nothing. */
  const update = async <T>(key: string, change: (cur: T | null) => T | null): Promise<T | null> => {
    for (let attempt = 0; attempt < 6; attempt++) {
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

  return {
    async take(bucket, caller, limit) {
      const t = now();
      const perMs = limit.perMinute / 60_000;
      let refused = 0;
      const wrote = await update<Bucket>(`rl.${bucket}.${hash(caller)}`, (cur) => {
        const b = cur ?? { tokens: limit.burst, at: t };
        const tokens = Math.min(limit.burst, b.tokens + Math.max(0, t - b.at) * perMs);
        if (tokens < 1) {
          refused = Math.max(1, Math.ceil((1 - tokens) / perMs / 1000));
          return null;
        }
        refused = 0;
        return { tokens: tokens - 1, at: t };
      });
      if (refused) return { ok: false, retryAfter: refused };
      // NATS away: let the request through rather than lock everyone out.
      if (!wrote) o.log.debug("Rate limit not recorded (KV unavailable)", { bucket });
      return { ok: true };
    },
    blocked(caller) {
      return blockedFor(failures.get(`fail.${hash(caller)}`), now());
    },
    async failed(caller) {
      const t = now();
      const key = `fail.${hash(caller)}`;
      const next = await update<Failures>(
        key,
        (cur) =>
          !cur || t - cur.since >= fl.windowMs
            ? { count: 1, since: t }
            : { count: cur.count + 1, since: cur.since },
      );
      if (next) failures.set(key, next);
      return blockedFor(next ?? undefined, t);
    },
    close: () => stopWatch(),
  };
}
