/**
 * Leases in NATS KV: one holder per key at a time. Taken with create-if-absent, or with a compare-and-set on
 * the revision once the holder's lease has expired; the holder renews well within the TTL.
 */
import type { KV } from "nats";
import { decoder, encoder } from "../nats.ts";

interface LeaseValue {
  holder: string;
  expiresAt: number;
}

export interface Leases {
  /** True when this holder now owns the key (newly taken or renewed). */
  acquire(key: string): Promise<boolean>;
  release(key: string): Promise<void>;
  ttlMs: number;
}

export function createLeases(kv: KV, holder: string, ttlMs = 15_000, now = Date.now): Leases {
  const revisions = new Map<string, number>();
  /** One acquire per key at a time: a renewal racing the loop's own acquire would lose to it and drop the lease. */
  const pending = new Map<string, Promise<boolean>>();
  const value = () =>
    encoder.encode(JSON.stringify({ holder, expiresAt: now() + ttlMs } satisfies LeaseValue));
  const take = async (key: string): Promise<boolean> => {
    try {
      const entry = await kv.get(key);
      if (!entry || entry.operation !== "PUT") {
        revisions.set(key, await kv.create(key, value()));
        return true;
      }
      const current = JSON.parse(decoder.decode(entry.value)) as LeaseValue;
      if (current.holder !== holder && current.expiresAt > now()) return false;
      revisions.set(key, await kv.update(key, value(), entry.revision));
      return true;
    } catch {
      // Lost a race (wrong last sequence) or NATS is away: not ours this round.
      revisions.delete(key);
      return false;
    }
  };

  return {
    ttlMs,
    acquire(key) {
      let p = pending.get(key);
      if (!p) {
        p = take(key).finally(() => pending.delete(key));
        pending.set(key, p);
      }
      return p;
    },
    async release(key) {
      await pending.get(key); // a renewal in flight would take the lease again after the release
      const rev = revisions.get(key);
      revisions.delete(key);
      if (rev === undefined) return;
      const entry = await kv.get(key).catch(() => null);
      if (entry && entry.revision === rev) await kv.delete(key, { previousSeq: rev }).catch(() => {});
    },
  };
}
