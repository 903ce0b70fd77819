/**
 * Compare two moments: every change between a known-good T0 and T1, grouped by service and then by resource (what
 * the change is about: a workload, a repository's branch, a pull request). Where a resource changed several
 * times, the net change: for each field diffed, its value before the first change and after the last one.
 */
import type postgres from "postgres";
import { STORED_EVENT_COLUMNS, type StoredEvent, storedEventFromRow } from "@painchain/shared/internal";

export interface NetField {
  field: string;
  before: unknown;
  after: unknown;
}

export interface ResourceChanges {
  resource: string;
  connector: string;
  count: number;
  first: string;
  last: string;
  /** Newest first. */
  changes: StoredEvent[];
  /** Fields whose value differs between before the first change and after the last one. */
  net: NetField[];
}

export interface ServiceChanges {
  service: string;
  count: number;
  resources: ResourceChanges[];
}

export interface Comparison {
  from: string;
  to: string;
  total: number;
  truncated: boolean;
  services: ServiceChanges[];
}

interface DiffEntry {
  field: string;
  before: unknown;
  after: unknown;
}

/** A resource: the change's subject without a trailing `#n`/`@ref`, else its connector and type. */
export function resourceOf(e: StoredEvent): string {
  const s = e.subject ?? "";
  if (!s) return `${e.connector}/${e.eventType}`;
  return s;
}

/** Before-the-first / after-the-last of every field the changes' diffs touched (oldest change first). */
export function netDiff(oldestFirst: StoredEvent[]): NetField[] {
  const first = new Map<string, unknown>();
  const last = new Map<string, unknown>();
  for (const e of oldestFirst) {
    const diff = (e.metadata as { diff?: DiffEntry[] }).diff;
    if (!Array.isArray(diff)) continue;
    for (const d of diff) {
      if (!d || typeof d.field !== "string") continue;
      if (!first.has(d.field)) first.set(d.field, d.before ?? null);
      last.set(d.field, d.after ?? null);
    }
  }
  const out: NetField[] = [];
  for (const [field, before] of first) {
    const after = last.get(field) ?? null;
    if (JSON.stringify(before) !== JSON.stringify(after)) out.push({ field, before, after });
  }
  return out.sort((a, b) => a.field.localeCompare(b.field));
}

export async function compare(
  sql: postgres.Sql,
  q: { from: Date; to: Date; service: string[]; environment: string[]; limit?: number },
): Promise<Comparison> {
  const limit = q.limit ?? 5000;
  const rows = await sql`
    SELECT ${sql.unsafe(STORED_EVENT_COLUMNS)} FROM change_events
    WHERE occurred_at > ${q.from} AND occurred_at <= ${q.to}
      ${q.service.length ? sql`AND service IN ${sql(q.service)}` : sql``}
      ${q.environment.length ? sql`AND environment IN ${sql(q.environment)}` : sql``}
    ORDER BY occurred_at, id LIMIT ${limit + 1}`;
  const events = rows.slice(0, limit).map(storedEventFromRow);
  const byService = new Map<string, Map<string, StoredEvent[]>>();
  for (const e of events) {
    const svc = e.service || "";
    const res = resourceOf(e);
    const m = byService.get(svc) ?? new Map<string, StoredEvent[]>();
    m.set(res, [...(m.get(res) ?? []), e]);
    byService.set(svc, m);
  }
  const services: ServiceChanges[] = [...byService].map(([service, resources]) => {
    const list: ResourceChanges[] = [...resources].map(([resource, changes]) => ({
      resource,
      connector: changes[0]!.connector,
      count: changes.length,
      first: changes[0]!.time,
      last: changes.at(-1)!.time,
      changes: [...changes].reverse(),
      net: netDiff(changes),
    })).sort((a, b) => b.last.localeCompare(a.last));
    return { service, count: list.reduce((n, r) => n + r.count, 0), resources: list };
  }).sort((
    a,
    b,
  ) => (a.service === ""
    ? 1
    : b.service === ""
    ? -1
    : b.count - a.count || a.service.localeCompare(b.service))
  );
  return {
    from: q.from.toISOString(),
    to: q.to.toISOString(),
    total: events.length,
    truncated: rows.length > limit,
    services,
  };
}
