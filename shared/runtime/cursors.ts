/**
 * Cursors in KV, one per connection (`<connector>.<connection>`): where the last successful poll got to, and when
 * the connection was last polled by any replica. A poll starts with a claim on this record (a compare-and-set), so
 * one poll per connection per interval holds across replicas: a replica that takes a connection over (after a
 * join, a kill or a rebalance) finds the last poll in the record and waits for the interval to run out.
 */
import type { KV, KvEntry } from "nats";
import { decoder, encoder } from "../nats.ts";

export interface CursorRecord {
  cursor: unknown;
  /** When the cursor was last saved (a successful poll, or progress within one). */
  savedAt: string | null;
  /** When the last poll (successful or not) started: written by its claim, before the upstream is asked. */
  polledAt: string | null;
  /** When the next poll may start (the interval after a poll, a shorter backoff after a failure). */
  nextPollAt: string | null;
  /** Failed polls in a row; the next holder keeps backing off. */
  failures: number;
  by: string;
}

/** The outcome of a claim: the record to poll from, or when the next poll is due (another poll was recent). */
export type Claim = { record: CursorRecord } | { dueAt: number };

export interface Cursors {
  load(connectionId: string): Promise<CursorRecord | null>;
  save(connectionId: string, cursor: unknown): Promise<void>;
  /**
   * Claims a poll starting now, unless the record says the next poll is not due yet (`force` claims anyway: a
   * "sync now"); the poll after it is due `nextInMs` later. A compare-and-set: of replicas claiming at once, one
   * gets the poll.
   */
  claim(connectionId: string, o: { intervalMs: number; nextInMs: number; force?: boolean }): Promise<Claim>;
  /** Records how the claimed poll ended: failures in a row, and when the next poll may start if not as claimed. */
  settle(connectionId: string, failures: number, nextPollAt?: Date): Promise<void>;
}

const empty = (by: string): CursorRecord => ({
  cursor: null,
  savedAt: null,
  polledAt: null,
  nextPollAt: null,
  failures: 0,
  by,
});

/** When the next poll may start by this record: as recorded, and never later than the interval after the last. */
export function dueAt(rec: CursorRecord | null, intervalMs: number): number {
  if (!rec?.polledAt) return 0;
  const byInterval = Date.parse(rec.polledAt) + intervalMs;
  return rec.nextPollAt ? Math.min(Date.parse(rec.nextPollAt), byInterval) : byInterval;
}

export function createCursors(kv: KV, connector: string, instanceId: string, now: () => Date): Cursors {
  const key = (id: string) => `${connector}.${id}`;
  const parse = (e: KvEntry | null): CursorRecord | null => {
    if (!e || e.operation !== "PUT") return null;
    const raw = JSON.parse(decoder.decode(e.value)) as Partial<CursorRecord>;
    return {
      cursor: raw.cursor ?? null,
      savedAt: raw.savedAt ?? null,
      polledAt: raw.polledAt ?? raw.savedAt ?? null,
      nextPollAt: raw.nextPollAt ?? null,
      failures: raw.failures ?? 0,
      by: raw.by ?? "",
    };
  };
  /** The writes of this replica, one at a time per record: its own concurrent saves never race each other. */
  const queues = new Map<string, Promise<unknown>>();
  /**
   * Read, change, write with a compare-and-set on the revision, read again when another writer came first (a
   * replica that took the connection over). `change` returns null to leave the record as it is.
   */
  const update = <T>(
    id: string,
    change: (rec: CursorRecord | null) => { next: CursorRecord | null; result: T },
  ): Promise<T> => {
    const run = (queues.get(id) ?? Promise.resolve()).then(() => write(id, change));
    const tail = run.catch(() => {});
    queues.set(id, tail);
    tail.then(() => queues.get(id) === tail && queues.delete(id));
    return run;
  };
  const write = async <T>(
    id: string,
    change: (rec: CursorRecord | null) => { next: CursorRecord | null; result: T },
  ): Promise<T> => {
    for (let attempt = 1;; attempt++) {
      const e = await kv.get(key(id));
      const { next, result } = change(parse(e));
      if (!next) return result;
      try {
        const value = encoder.encode(JSON.stringify(next));
        if (e) await kv.update(key(id), value, e.revision);
        else await kv.create(key(id), value);
        return result;
      } catch (err) {
        if (attempt >= 5) throw err;
      }
    }
  };
  return {
    // Read fresh every time: another replica may have moved the cursor on since this one last held the connection.
    load: async (id) => parse(await kv.get(key(id))),
    async save(id, cursor) {
      await update(id, (rec) => ({
        next: { ...rec ?? empty(instanceId), cursor, savedAt: now().toISOString(), by: instanceId },
        result: undefined,
      }));
    },
    async claim(id, o) {
      return await update<Claim>(id, (rec) => {
        const due = dueAt(rec, o.intervalMs);
        if (!o.force && due > now().getTime()) return { next: null, result: { dueAt: due } };
        const at = now().getTime();
        const record: CursorRecord = {
          ...rec ?? empty(instanceId),
          polledAt: new Date(at).toISOString(),
          nextPollAt: new Date(at + o.nextInMs).toISOString(),
          by: instanceId,
        };
        return { next: record, result: { record } };
      });
    },
    async settle(id, failures, nextPollAt) {
      await update(id, (rec) => ({
        next: rec && (rec.failures !== failures || nextPollAt)
          ? {
            ...rec,
            failures,
            ...(nextPollAt ? { nextPollAt: nextPollAt.toISOString() } : {}),
            by: instanceId,
          }
          : null,
        result: undefined,
      }));
    },
  };
}
