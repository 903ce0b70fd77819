/**
 * Batch upsert of ChangeEvents in one statement, change_events_write() (migration 006): it decides, on
 * change_event_keys and under its row locks, which versions win (a new id is inserted; a newer version — later
 * recordedtime, different content — replaces it; an identical or older one changes nothing), then writes the
 * winners' rows in change_events (partitioned by occurred_at: a row whose time changed moves to its month).
 */
import {
  type Catalog,
  contentHash,
  derive,
  type PainchainCloudEvent,
  type StoredEvent,
  storedEventFromRow,
} from "@painchain/shared/internal";
import type { Sql } from "./db.ts";
import { SEARCH_VERSION, searchVector } from "@painchain/shared/search";
import { linksOf } from "./search.ts";
import { ensurePartitions, forgetPartitions, isMissingPartition } from "./partitions.ts";

/** A change as stored, and whether this write inserted or updated it. */
export type StoredChange = StoredEvent & { op: "inserted" | "updated" };

interface Row {
  connector: string;
  id: string;
  event_type: string;
  connection_id: string;
  source: string;
  subject: string | null;
  title: string;
  description: string;
  author: string;
  url: string;
  status: string;
  tags: string[];
  refs: string[];
  declared_service: string;
  declared_environment: string;
  service: string;
  environment: string;
  team: string;
  catalog_version: number;
  metadata: Record<string, unknown>;
  occurred_at: string;
  recorded_at: string;
  content_hash: string;
  /** The tsvector's text (@painchain/shared/search), and the definition of a word it was made with. */
  search: string;
  search_version: number;
  /** The keys that chain it to other changes. */
  links: string[];
}

/** The catalog rows are derived with (none: declared values only). */
export interface CatalogState {
  catalog: Catalog;
  version: number;
}
const NO_CATALOG: CatalogState = { catalog: { rules: [] }, version: 0 };

export function toRow(e: PainchainCloudEvent, cat: CatalogState = NO_CATALOG): Row {
  const d = e.data;
  const derived = derive(cat.catalog, {
    connector: d.connector,
    subject: e.subject ?? null,
    tags: d.tags,
    refs: d.refs,
    metadata: d.metadata,
  }, { service: d.service, environment: d.environment });
  const row: Row = {
    connector: d.connector,
    id: e.id,
    event_type: d.eventType,
    connection_id: d.connectionId,
    source: e.source,
    subject: e.subject ?? null,
    title: d.title,
    description: d.description,
    author: d.author,
    url: d.url,
    status: d.status,
    tags: d.tags,
    refs: d.refs,
    declared_service: d.service,
    declared_environment: d.environment,
    service: derived.service,
    environment: derived.environment,
    team: derived.team,
    catalog_version: cat.version,
    metadata: d.metadata,
    occurred_at: e.time,
    recorded_at: e.recordedtime,
    content_hash: contentHash(e),
    search: "",
    search_version: SEARCH_VERSION,
    links: linksOf(d.refs),
  };
  row.search = searchVector(row);
  return row;
}

/** Orders versions of one change: later recordedtime wins; the hash breaks ties so every store agrees. */
function newer(a: Row, b: Row): boolean {
  if (a.recorded_at !== b.recorded_at) return a.recorded_at > b.recorded_at;
  return a.content_hash > b.content_hash;
}

/** Keeps the newest version of each (connector, id): one statement may not touch a row twice. */
export function newestPerId(rows: Row[]): Row[] {
  const byKey = new Map<string, Row>();
  for (const r of rows) {
    const key = `${r.connector}\u0000${r.id}`;
    const prev = byKey.get(key);
    if (!prev || newer(r, prev)) byKey.set(key, r);
  }
  return [...byKey.values()];
}

export async function upsertEvents(
  sql: Sql,
  events: PainchainCloudEvent[],
  catalog: CatalogState = NO_CATALOG,
): Promise<StoredChange[]> {
  if (events.length === 0) return [];
  const rows = newestPerId(events.map((e) => toRow(e, catalog)));
  for (let attempt = 0;; attempt++) {
    await ensurePartitions(sql, rows.map((r) => r.occurred_at));
    try {
      return await write(sql, rows);
    } catch (err) {
      // A partition dropped by retention since this process last saw it: make it again, once.
      if (attempt > 0 || !isMissingPartition(err)) throw err;
      forgetPartitions(sql);
    }
  }
}

/**
 * One statement: change_events_write() (migration 006) decides the winners under the keys' locks and writes
 * them. It returns only the keys and what it set (stored_at, updated_at, version); the rest is what was sent.
 */
async function write(sql: Sql, rows: Row[]): Promise<StoredChange[]> {
  const result = await sql<Written[]>`SELECT * FROM change_events_write(${sql.json(rows as never)}::jsonb)`;
  if (result.length === 0) return [];
  const sent = new Map(rows.map((r) => [`${r.connector}\u0000${r.id}`, r]));
  return result.flatMap((w) => {
    const r = sent.get(`${w.connector}\u0000${w.id}`);
    if (!r) return [];
    return [{
      ...storedEventFromRow({ ...r, stored_at: w.stored_at, updated_at: w.updated_at, version: w.version }),
      op: w.inserted ? "inserted" as const : "updated" as const,
    }];
  });
}

interface Written {
  inserted: boolean;
  connector: string;
  id: string;
  stored_at: Date;
  updated_at: Date;
  version: number;
}
