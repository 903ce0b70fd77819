/**
 * Monthly partitions of change_events (UTC months of occurred_at): created ahead of need (the current month and
 * the next two, on start and hourly) and on demand for the months a batch writes to. Creating one briefly locks
 * the parent table, so it happens outside the write's transaction, once per month per process.
 */
import type { Sql } from "./db.ts";

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z$/;

/** First instant of the UTC month of `t`, as an ISO string (the cache key). */
export function monthOf(t: string | Date): string {
  // An event's time is already an ISO string in UTC (the common case: no date arithmetic).
  if (typeof t === "string" && ISO_UTC.test(t)) return `${t.slice(0, 7)}-01T00:00:00.000Z`;
  const d = new Date(t);
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1)).toISOString();
}

/** Months this process knows to have a partition, per database client. */
const known = new WeakMap<Sql, Set<string>>();

/** Makes sure a partition exists for the month of every time given. */
export async function ensurePartitions(sql: Sql, times: Iterable<string | Date>): Promise<void> {
  const have = known.get(sql) ?? new Set<string>();
  known.set(sql, have);
  const missing = [...new Set([...times].map(monthOf))].filter((m) => !have.has(m)).sort();
  if (missing.length === 0) return;
  await sql`SELECT change_events_ensure_partition(m::timestamptz)
    FROM jsonb_array_elements_text(${sql.json(missing)}::jsonb) m ORDER BY m`;
  for (const m of missing) have.add(m);
}

/** Forgets what this process knows (after a partition was dropped, or a write found one missing). */
export function forgetPartitions(sql: Sql): void {
  known.delete(sql);
}

/** The current month and the next `ahead` months. */
export function monthsAhead(now: Date, ahead = 2): string[] {
  return Array.from(
    { length: ahead + 1 },
    (_, k) => new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + k, 1)).toISOString(),
  );
}

/** Whether a write failed because the month it writes to has no partition (dropped meanwhile). */
export function isMissingPartition(err: unknown): boolean {
  const e = err as { code?: string; message?: string };
  return e?.code === "23514" && /no partition of relation/.test(e.message ?? "");
}
