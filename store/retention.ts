/**
 * Partition upkeep, on start and hourly: the coming months' partitions are made ahead of need, and with
 * PAINCHAIN_RETENTION_DAYS > 0 every monthly partition wholly older than the cutoff is dropped — detached and
 * dropped in one short transaction whose lock waits at most `lockTimeoutMs` (ingest never queues behind it for
 * longer; a busy moment is retried) — with its hourly counts, then its keys in small batches.
 */
import { errorFields, type Logger } from "@painchain/shared/internal";
import type { Sql } from "./db.ts";
import { ensurePartitions, forgetPartitions, monthsAhead } from "./partitions.ts";

export interface PurgeOptions {
  retentionDays: number;
  now?: Date;
  lockTimeoutMs?: number;
  /** Attempts per partition when its lock is busy. */
  attempts?: number;
  keyBatch?: number;
}

/** The monthly partitions and their ranges, oldest first (from their names: change_events_pYYYYMM). */
export async function listPartitions(sql: Sql): Promise<{ name: string; from: Date; to: Date }[]> {
  const rows = await sql<{ name: string }[]>`
    SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
    WHERE i.inhparent = 'change_events'::regclass ORDER BY 1`;
  return rows.flatMap(({ name }) => {
    const m = /^change_events_p(\d{4})(\d{2})$/.exec(name);
    if (!m) return [];
    const y = Number(m[1]), mo = Number(m[2]) - 1;
    return [{ name, from: new Date(Date.UTC(y, mo, 1)), to: new Date(Date.UTC(y, mo + 1, 1)) }];
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Drops the partitions older than the retention; returns their names. */
export async function purgeExpired(sql: Sql, o: PurgeOptions): Promise<string[]> {
  if (o.retentionDays <= 0) return [];
  const now = o.now ?? new Date();
  const cutoff = new Date(now.getTime() - o.retentionDays * 86400_000);
  const lockTimeout = o.lockTimeoutMs ?? 500;
  const dropped: string[] = [];
  for (const p of await listPartitions(sql)) {
    if (p.to > cutoff) break;
    for (let attempt = 1;; attempt++) {
      try {
        await sql.begin(async (tx) => {
          await tx.unsafe(`SET LOCAL lock_timeout = ${Math.max(1, Math.round(lockTimeout))}`);
          await tx.unsafe(`ALTER TABLE change_events DETACH PARTITION "${p.name}"`);
          await tx.unsafe(`DROP TABLE "${p.name}"`);
          await tx`DELETE FROM change_event_hours WHERE bin >= ${p.from} AND bin < ${p.to}`;
          await tx`DELETE FROM change_event_minutes WHERE bin >= ${p.from} AND bin < ${p.to}`;
        });
        break;
      } catch (err) {
        // 55P03: lock_not_available. Ingest held the table: let it go on, and try again in a moment.
        if ((err as { code?: string }).code !== "55P03" || attempt >= (o.attempts ?? 20)) throw err;
        await sleep(Math.min(5_000, 100 * attempt));
      }
    }
    dropped.push(p.name);
    // The keys of the dropped month, in short statements (a key moved meanwhile to a later month is kept).
    for (;;) {
      const res = await sql`DELETE FROM change_event_keys WHERE ctid = ANY(ARRAY(
        SELECT ctid FROM change_event_keys WHERE occurred_at >= ${p.from} AND occurred_at < ${p.to}
        LIMIT ${o.keyBatch ?? 5_000}))`;
      if (res.count === 0) break;
    }
  }
  if (dropped.length) forgetPartitions(sql);
  return dropped;
}

/** Runs the upkeep now and every `everyMs` until stopped. */
export function startUpkeep(
  o: { sql: Sql; log: Logger; retentionDays: number; everyMs?: number },
): { ready: Promise<void>; stop(): Promise<void> } {
  let running: Promise<void> = Promise.resolve();
  const run = () =>
    running = running.then(async () => {
      try {
        await ensurePartitions(o.sql, monthsAhead(new Date()));
        const dropped = await purgeExpired(o.sql, { retentionDays: o.retentionDays });
        if (dropped.length) {
          o.log.info("Dropped partitions past the retention", { dropped, days: o.retentionDays });
        }
      } catch (err) {
        o.log.warn("Partition upkeep failed; it runs again later", errorFields(err));
      }
    });
  const ready = run();
  const timer = setInterval(run, o.everyMs ?? 3600_000);
  return {
    ready,
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
