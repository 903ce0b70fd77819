/**
 * Writes the connector's per-object state to KV in batches. The in-memory state is what the observer reads; KV
 * only has to hold enough for another replica (or a restart) to go on, so a write:
 *
 * - is coalesced per key within a short window (a pod updated five times in a second is written once);
 * - is skipped when it would store what KV already holds, resourceVersion aside (a pod's status moving on without
 *   a restart or a trouble reason changes nothing kept; an older stored resourceVersion only means that object is
 *   compared once more after a restart, with the same outcome);
 * - goes out with bounded parallelism (the state store's), and `stage` waits when too much is pending.
 *
 * `flush` writes everything staged so far: the poll calls it before it saves a resourceVersion, so KV never holds
 * a resourceVersion newer than the state it saved.
 */
import type { StateStore } from "@painchain/shared";
import type { StateWrite } from "./observe.ts";

export interface StateWriterOptions {
  /** How long a write may wait to be coalesced with later ones of the same key. */
  windowMs?: number;
  /** Staged keys beyond which `stage` flushes (and waits) first. */
  maxPending?: number;
}

export interface StateWriter {
  /** Takes writes for KV (null deletes); resolves at once unless too much is pending. */
  stage(writes: StateWrite[]): Promise<void>;
  /** Writes everything staged; rejects if KV refused (then KV holds an unknown part of it). */
  flush(): Promise<void>;
  /** Stops the timer (after a last flush, when asked). */
  close(flush?: boolean): Promise<void>;
  /** Keys written to KV (puts and deletes) so far. */
  readonly written: number;
  /** Writes not sent because KV held the same already. */
  readonly skipped: number;
}

/** A 53-bit hash of a string (cyrb53): what KV holds of a key is remembered as this, not as a copy. */
function hash53(s: string): number {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

/** What a stored value is compared by: all of it but its resourceVersion. */
export function fingerprint(value: unknown): number {
  return hash53(JSON.stringify(value, (k, v) => (k === "rv" ? undefined : v)));
}

/** The fingerprints of state as loaded from KV: what `held` starts from. */
export function fingerprints(state: Map<string, unknown>): Map<string, number> {
  return new Map([...state].map(([k, v]) => [k, fingerprint(v)]));
}

/**
 * A writer to `store`. `held` is the fingerprint of each key KV holds (empty after a clear, `fingerprints` of
 * what was just loaded); the writer keeps it up to date, and the caller may keep it for the next writer.
 */
export function stateWriter(
  store: StateStore,
  held: Map<string, number>,
  opts: StateWriterOptions = {},
): StateWriter {
  const windowMs = opts.windowMs ?? 1_000;
  const maxPending = opts.maxPending ?? 2_000;
  let pending = new Map<string, unknown | null>();
  let running: Promise<void> = Promise.resolve();
  let failure: unknown = null;
  let written = 0;
  let skipped = 0;

  const write = async (batch: Map<string, unknown | null>) => {
    const out: StateWrite[] = [];
    const prints = new Map<string, number | null>();
    for (const [k, v] of batch) {
      if (v === null) {
        if (!held.has(k)) continue; // never written, or deleted already
        out.push([k, null]);
        prints.set(k, null);
        continue;
      }
      const f = fingerprint(v);
      if (held.get(k) === f) {
        skipped++;
        continue;
      }
      out.push([k, v]);
      prints.set(k, f);
    }
    if (out.length === 0) return;
    await store.putMany(out);
    written += out.length;
    for (const [k, f] of prints) f === null ? held.delete(k) : held.set(k, f);
  };

  /** One flush at a time, in order; a failure is kept and reported by every later call. */
  const flush = (): Promise<void> => {
    const batch = pending;
    pending = new Map();
    running = running.then(async () => {
      if (failure) throw failure;
      if (batch.size) {
        try {
          await write(batch);
        } catch (err) {
          failure = err;
          throw err;
        }
      }
    });
    const done = running;
    running = running.catch(() => {});
    return done;
  };

  const timer = setInterval(() => {
    if (pending.size) flush().catch(() => {});
  }, windowMs);

  return {
    async stage(writes) {
      if (failure) throw failure;
      for (const [k, v] of writes) {
        // Re-inserted, so the batch keeps the order of the latest writes.
        pending.delete(k);
        pending.set(k, v);
      }
      if (pending.size >= maxPending) await flush();
    },
    flush,
    async close(last = false) {
      clearInterval(timer);
      if (last) await flush();
    },
    get written() {
      return written;
    },
    get skipped() {
      return skipped;
    },
  };
}
