/**
 * Change chains: every change linked to one through shared keys (the same commit, pull request, image, tag),
 * followed transitively within a bound — PR merged → push → workflow run → deployment → Kubernetes rollout → pod
 * trouble — in time order. An image whose tag is a 7+ hex prefix of a known commit links to that commit, with a
 * lower confidence. Links use the `links` column (GIN-indexed), which the store fills from each change's refs.
 */
import type postgres from "postgres";
import { STORED_EVENT_COLUMNS, type StoredEvent, storedEventFromRow } from "@painchain/shared/internal";
import { byId } from "./events_query.ts";

export interface ChainLink {
  /** The key shared with the change it was reached from. */
  key: string;
  confidence: "exact" | "prefix";
  /** The change it was reached from. */
  from: string;
}

export interface ChainMember {
  event: StoredEvent;
  depth: number;
  via: ChainLink | null;
}

export interface Chain {
  id: string;
  members: ChainMember[];
  /** True when the bound stopped the walk before it ran out of links. */
  truncated: boolean;
}

export interface ChainBounds {
  maxDepth: number;
  maxMembers: number;
  /** Only changes within this long before or after the start are followed. */
  spanMs: number;
}

export const DEFAULT_BOUNDS: ChainBounds = { maxDepth: 6, maxMembers: 100, spanMs: 14 * 86400_000 };

type Row = StoredEvent & { links: string[] };

/** Rows read per step of the walk: a key shared by more (a busy image tag) is cut off there. */
const LINKED_MAX = 5000;

/** Keys a change offers to others: its link keys, except the `sha7:` ones, which only join commits and images. */
function keysOf(e: Row): string[] {
  return e.links;
}

export async function chainOf(
  sql: postgres.Sql,
  id: string,
  bounds: ChainBounds = DEFAULT_BOUNDS,
): Promise<Chain | null> {
  const cols = sql.unsafe(`${STORED_EVENT_COLUMNS}, links`);
  const [start] = await sql`SELECT ${cols} FROM change_events WHERE ${byId(sql, id)} LIMIT 1`;
  if (!start) return null;
  const first = { ...storedEventFromRow(start), links: start.links as string[] } as Row;
  const t0 = Date.parse(first.time);
  const lo = new Date(t0 - bounds.spanMs);
  const hi = new Date(t0 + bounds.spanMs);
  const members = new Map<string, ChainMember>([[first.id, { event: strip(first), depth: 0, via: null }]]);
  const seenKeys = new Set<string>();
  let frontier: Row[] = [first];
  let truncated = false;
  for (let depth = 1; depth <= bounds.maxDepth && frontier.length > 0; depth++) {
    const keys = [...new Set(frontier.flatMap(keysOf))].filter((k) => !seenKeys.has(k));
    for (const k of keys) seenKeys.add(k);
    if (keys.length === 0) break;
    // The linked rows through the links index alone, then the span: a time-index condition would have the
    // planner read (or bitmap) every change of the whole span to intersect it with a handful.
    const rows = await sql`
      WITH linked AS MATERIALIZED (
        SELECT ${cols}, occurred_at AS at FROM change_events
        WHERE links && ${sql.array(keys)}::text[] LIMIT ${LINKED_MAX}
      )
      SELECT *, (SELECT count(*) FROM linked)::int AS linked_n FROM linked
      WHERE at >= ${lo} AND at <= ${hi} ORDER BY at LIMIT ${bounds.maxMembers + 1}`;
    if ((rows[0]?.linked_n ?? 0) >= LINKED_MAX) truncated = true;

    const next: Row[] = [];
    for (const r of rows) {
      if (members.has(r.id as string)) continue;
      if (members.size >= bounds.maxMembers) {
        truncated = true;
        break;
      }
      const e = { ...storedEventFromRow(r), links: r.links as string[] } as Row;
      // An exact key (the same commit, pull request or image) before a seven-digit prefix.
      const shared = e.links.filter((k) => keys.includes(k));
      const key = shared.find((k) => !k.startsWith("sha7:")) ?? shared[0]!;

      const parent = frontier.find((f) => f.links.includes(key)) ?? first;
      // Seven shared hex digits are a hint; the image tag must really be a prefix of the commit.
      if (key.startsWith("sha7:") && !prefixHolds(parent, e)) continue;
      members.set(e.id, {
        event: strip(e),
        depth,
        via: { key, confidence: key.startsWith("sha7:") ? "prefix" : "exact", from: parent.id },
      });
      next.push(e);
    }
    frontier = next;
    if (depth === bounds.maxDepth && next.length > 0) truncated = true;
  }
  const list = [...members.values()].sort((a, b) =>
    a.event.time.localeCompare(b.event.time) || a.event.id.localeCompare(b.event.id)
  );
  return { id, members: list, truncated };
}

const SHA = /^sha:([0-9a-f]{7,40})$/i;
const IMAGE_TAG = /^image:.*:([0-9a-f]{7,40})$/i;

/** True when an image tag of one change is a prefix of a commit of the other (or the two share a commit). */
export function prefixHolds(a: { refs: string[] }, b: { refs: string[] }): boolean {
  const shas = (e: { refs: string[] }) =>
    e.refs.map((r) => SHA.exec(r)?.[1]?.toLowerCase()).filter(Boolean) as string[];
  const tags = (e: { refs: string[] }) =>
    e.refs.map((r) => IMAGE_TAG.exec(r)?.[1]?.toLowerCase()).filter(Boolean) as string[];
  const joins = (xs: string[], ys: string[]) =>
    xs.some((x) => ys.some((y) => y.startsWith(x) || x.startsWith(y)));
  return joins(tags(a), shas(b)) || joins(tags(b), shas(a)) || joins(shas(a), shas(b));
}

function strip(e: Row): StoredEvent {
  const { links: _links, ...rest } = e;
  return rest;
}
