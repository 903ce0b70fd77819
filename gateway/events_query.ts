/** SQL for the timeline reads: filters shared by /api/events and /api/timeline, and keyset pagination. */
import type postgres from "postgres";
import { z } from "zod";
import { STORED_EVENT_COLUMNS, type StoredEvent, storedEventFromRow } from "@painchain/shared/internal";
import { searchQuery } from "@painchain/shared/search";
import { BadRequestError } from "./errors.ts";
import { isoDate, repeated } from "./validation.ts";

type Sql = postgres.Sql;

export const filtersSchema = z.object({
  connector: repeated(z.string().regex(/^[a-z][a-z0-9_]{0,31}$/, "Unknown connector id")),
  eventType: repeated(z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,63}$/, "Invalid event type")),
  status: repeated(z.string().max(64)),
  tag: repeated(z.string().max(64)),
  author: repeated(z.string().max(200)),
  ref: repeated(z.string().max(200)),
  connectionId: repeated(z.string().max(128)),
  service: repeated(z.string().max(100)),
  environment: repeated(z.string().max(100)),
  team: repeated(z.string().max(100)),
  q: z.string().trim().max(200).optional(),
  from: isoDate.optional(),
  to: isoDate.optional(),
});
export type Filters = z.output<typeof filtersSchema>;

export const eventsQuerySchema = filtersSchema.extend({
  cursor: z.string().max(500).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
}).strict();

export const timelineQuerySchema = filtersSchema.extend({
  bins: z.coerce.number().int().min(10).max(500).default(120),
}).strict();

export type EventRow = StoredEvent;

const COLUMNS = (sql: Sql) => sql.unsafe(STORED_EVENT_COLUMNS);
const toEventRow = storedEventFromRow;

/** WHERE conditions for the filters: repeated values of one filter are OR-ed, different filters AND-ed. */
export function conditions(sql: Sql, f: Filters) {
  const w: postgres.PendingQuery<postgres.Row[]>[] = [];
  if (f.connector.length) w.push(sql`connector IN ${sql(f.connector)}`);
  if (f.eventType.length) w.push(sql`event_type IN ${sql(f.eventType)}`);
  if (f.status.length) w.push(sql`status IN ${sql(f.status)}`);
  if (f.author.length) w.push(sql`author IN ${sql(f.author)}`);
  if (f.connectionId.length) w.push(sql`connection_id IN ${sql(f.connectionId)}`);
  if (f.service.length) w.push(sql`service IN ${sql(f.service)}`);
  if (f.environment.length) w.push(sql`environment IN ${sql(f.environment)}`);
  if (f.team.length) w.push(sql`team IN ${sql(f.team)}`);
  if (f.tag.length) w.push(sql`tags && ${sql.array(f.tag)}::text[]`);
  if (f.ref.length) w.push(sql`refs && ${sql.array(f.ref)}::text[]`);
  if (f.q) {
    const q = searchQuery(f.q);
    w.push(q === null ? sql`false` : sql`search @@ ${q}::tsquery`);
  }
  if (f.from) w.push(sql`occurred_at >= ${f.from}`);
  if (f.to) w.push(sql`occurred_at < ${f.to}`);
  return w;
}

function whereClause(sql: Sql, w: postgres.PendingQuery<postgres.Row[]>[]) {
  if (w.length === 0) return sql``;
  return w.slice(1).reduce((acc, c) => sql`${acc} AND ${c}`, sql`WHERE ${w[0]!}`);
}

export function encodeCursor(time: string, id: string): string {
  return btoa(JSON.stringify([time, id])).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

export function decodeCursor(cursor: string): { time: Date; id: string } {
  try {
    const [time, id] = JSON.parse(atob(cursor.replaceAll("-", "+").replaceAll("_", "/")));
    const t = new Date(time);
    if (typeof id !== "string" || Number.isNaN(t.getTime())) throw new Error("bad");
    return { time: t, id };
  } catch {
    throw new BadRequestError("Invalid cursor");
  }
}

export async function listEvents(
  sql: Sql,
  q: z.output<typeof eventsQuerySchema>,
): Promise<{ events: EventRow[]; nextCursor: string | null }> {
  const w = conditions(sql, q);
  if (q.cursor) {
    const c = decodeCursor(q.cursor);
    w.push(sql`(occurred_at, id) < (${c.time}, ${c.id})`);
  }
  const rows = await sql`
    SELECT ${COLUMNS(sql)} FROM change_events ${whereClause(sql, w)}
    ORDER BY occurred_at DESC, id DESC LIMIT ${q.limit + 1}`;
  const events = rows.slice(0, q.limit).map(toEventRow);
  const last = events.at(-1);
  return { events, nextCursor: rows.length > q.limit && last ? encodeCursor(last.time, last.id) : null };
}

export async function getEvent(sql: Sql, id: string): Promise<EventRow | null> {
  const [row] = await sql`SELECT ${COLUMNS(sql)} FROM change_events WHERE ${byId(sql, id)} LIMIT 1`;
  return row ? toEventRow(row) : null;
}

/**
 * The condition for one change by its id. The key is (connector, id) in change_event_keys: the connectors are
 * found by skipping through that key's index (one probe each), then each is probed with the id; the key's
 * occurred_at then finds the row in its month's partition alone.
 */
export function byId(sql: Sql, id: string) {
  return sql`(connector, occurred_at, id) IN (
    SELECT k.connector, k.occurred_at, k.id FROM change_event_keys k WHERE k.id = ${id} AND k.connector IN (
      WITH RECURSIVE cs(c) AS (
        SELECT min(connector) FROM change_event_keys
        UNION ALL
        SELECT (SELECT min(connector) FROM change_event_keys WHERE connector > cs.c) FROM cs WHERE cs.c IS NOT NULL
      ) SELECT c FROM cs WHERE c IS NOT NULL))`;
}

/** The condition for some changes by their keys (connector, id), through change_event_keys. */
export function byKeys(sql: Sql, keys: { connector: string; id: string }[]) {
  return sql`(connector, occurred_at, id) IN (
    SELECT k.connector, k.occurred_at, k.id FROM change_event_keys k
    JOIN jsonb_to_recordset(${sql.json(keys.map((k) => ({ connector: k.connector, id: k.id })))}::jsonb)
      AS u(connector text, id text) ON k.connector = u.connector AND k.id = u.id)`;
}

/** Bin widths to choose from, in seconds. */
export const BIN_WIDTHS = [
  60,
  300,
  600,
  900,
  1800,
  3600,
  2 * 3600,
  3 * 3600,
  6 * 3600,
  12 * 3600,
  86400,
  7 * 86400,
];

/** The narrowest width that keeps the range within `maxBins`; beyond a week, whole weeks. */
export function chooseBinWidth(rangeMs: number, maxBins: number): number {
  const s = rangeMs / 1000;
  const fixed = BIN_WIDTHS.find((w) => s / w <= maxBins);
  if (fixed) return fixed;
  const week = 7 * 86400;
  return Math.ceil(s / maxBins / week) * week;
}

/** The longest range a timeline may span. */
export const MAX_TIMELINE_RANGE_MS = 20 * 366 * 86400_000;

export interface Timeline {
  from: string;
  to: string;
  binSeconds: number;
  total: number;
  totals: Record<string, number>;
  bins: { start: string; counts: Record<string, number> }[];
}

/** The counts kept by the store's trigger (migrations 002 and 009), coarsest first. */
const ROLLUPS = [
  { table: "change_event_hours", ms: 3600_000 },
  { table: "change_event_minutes", ms: 300_000 },
] as const;

export async function timeline(
  sql: Sql,
  q: z.output<typeof timelineQuerySchema>,
  now: Date,
): Promise<Timeline> {
  const to = q.to ?? now;
  const from = q.from ?? new Date(to.getTime() - 24 * 3600 * 1000);
  if (from >= to) throw new BadRequestError("from must be before to");
  if (to.getTime() - from.getTime() > MAX_TIMELINE_RANGE_MS) {
    throw new BadRequestError("The range may span at most 20 years");
  }
  const width = chooseBinWidth(to.getTime() - from.getTime(), q.bins);
  const widthMs = width * 1000;
  const start = new Date(Math.floor(from.getTime() / widthMs) * widthMs);
  const counted = (f: Date, t: Date) => {
    const w = conditions(sql, { ...q, from: f, to: t });
    return sql<{ bin: Date; connector: string; n: number }[]>`
      SELECT date_bin(${`${width} seconds`}::interval, occurred_at, ${new Date(
      0,
    )}::timestamptz) AS bin, connector,
        count(*)::int AS n
      FROM change_events ${whereClause(sql, w)}
      GROUP BY 1, 2`;
  };
  // Bins of whole hours (or of whole 5 minutes) with only connector/event-type filters read the hourly (5-minute)
  // counts; the partial hours (5 minutes) at the edges of the range are counted from the events themselves, so the
  // totals stay exact.
  const onlyTypeFilters = !q.status.length && !q.tag.length && !q.author.length && !q.ref.length &&
    !q.connectionId.length && !q.service.length && !q.environment.length && !q.team.length && !q.q;
  const rollup = ROLLUPS.find((r) => widthMs % r.ms === 0);
  let rows: { bin: Date; connector: string; n: number }[];
  const h0 = rollup && new Date(Math.ceil(from.getTime() / rollup.ms) * rollup.ms);
  const h1 = rollup && new Date(Math.floor(to.getTime() / rollup.ms) * rollup.ms);
  if (rollup && h0 && h1 && onlyTypeFilters && h0 < h1) {
    const w = [sql`bin >= ${h0}`, sql`bin < ${h1}`];
    if (q.connector.length) w.push(sql`connector IN ${sql(q.connector)}`);
    if (q.eventType.length) w.push(sql`event_type IN ${sql(q.eventType)}`);
    try {
      const [middle, before, after] = await Promise.all([
        sql<{ bin: Date; connector: string; n: number }[]>`
          SELECT date_bin(${`${width} seconds`}::interval, bin, ${new Date(
          0,
        )}::timestamptz) AS bin, connector,
            sum(n)::int AS n
          FROM ${sql(rollup.table)} ${whereClause(sql, w)}
          GROUP BY 1, 2`,
        from < h0 ? counted(from, h0) : Promise.resolve([]),
        h1 < to ? counted(h1, to) : Promise.resolve([]),
      ]);
      rows = [...middle, ...before, ...after];
    } catch (err) {
      // 42P01: the counts table is not there yet (a gateway upgraded before the store has migrated).
      if ((err as { code?: string }).code !== "42P01") throw err;
      rows = await counted(from, to);
    }
  } else {
    rows = await counted(from, to);
  }
  const bins: Timeline["bins"] = [];
  const index = new Map<number, Record<string, number>>();
  for (let t = start.getTime(); t < to.getTime(); t += widthMs) {
    const counts: Record<string, number> = {};
    bins.push({ start: new Date(t).toISOString(), counts });
    index.set(t, counts);
  }
  const totals: Record<string, number> = {};
  let total = 0;
  for (const r of rows) {
    if (!r.n) continue;
    const counts = index.get(new Date(r.bin).getTime());
    if (counts) counts[r.connector] = (counts[r.connector] ?? 0) + r.n;
    totals[r.connector] = (totals[r.connector] ?? 0) + r.n;
    total += r.n;
  }
  return { from: from.toISOString(), to: to.toISOString(), binSeconds: width, total, totals, bins };
}
