/**
 * Batch upsert of ChangeEvents in one statement. A new id is inserted; a newer version (later recordedtime,
 * different content) updates the row; an identical or older one changes nothing.
 */
import {
  type Catalog,
  contentHash,
  derive,
  type PainchainCloudEvent,
  STORED_EVENT_COLUMNS,
  type StoredEvent,
  storedEventFromRow,
} from "@painchain/shared/internal";
import type { Sql } from "./db.ts";

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
  return {
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
  };
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
  // Sorted by key: concurrent statements then take row locks in the same order and cannot deadlock.
  const rows = newestPerId(events.map((e) => toRow(e, catalog))).sort((a, b) =>
    a.connector < b.connector ? -1 : a.connector > b.connector ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0
  );
  const result = await sql`
    INSERT INTO change_events AS c (
      connector, id, event_type, connection_id, source, subject, title, description, author, url, status,
      tags, refs, declared_service, declared_environment, service, environment, team, catalog_version, metadata,
      occurred_at, recorded_at, content_hash, search, links
    )
    SELECT connector, id, event_type, connection_id, source, subject, title, description, author, url, status,
      tags, refs, declared_service, declared_environment, service, environment, team, catalog_version, metadata,
      occurred_at, recorded_at, content_hash,
      change_event_search(title, author, subject, description, tags, refs, service, environment),
      change_event_links(refs)
    FROM jsonb_to_recordset(${sql.json(rows as never)}::jsonb) AS x(
      connector text, id text, event_type text, connection_id text, source text, subject text, title text,
      description text, author text, url text, status text, tags text[], refs text[], declared_service text,
      declared_environment text, service text, environment text, team text, catalog_version integer,
      metadata jsonb, occurred_at timestamptz, recorded_at timestamptz, content_hash text
    )
    ON CONFLICT (connector, id) DO UPDATE SET
      event_type = excluded.event_type, connection_id = excluded.connection_id, source = excluded.source,
      subject = excluded.subject, title = excluded.title, description = excluded.description,
      author = excluded.author, url = excluded.url, status = excluded.status, tags = excluded.tags,
      refs = excluded.refs, declared_service = excluded.declared_service,
      declared_environment = excluded.declared_environment, service = excluded.service,
      environment = excluded.environment, team = excluded.team, catalog_version = excluded.catalog_version,
      metadata = excluded.metadata, occurred_at = excluded.occurred_at,
      recorded_at = excluded.recorded_at, content_hash = excluded.content_hash, search = excluded.search, links = excluded.links,
      updated_at = now(), version = c.version + 1
    WHERE c.content_hash <> excluded.content_hash
      AND (c.recorded_at, c.content_hash) < (excluded.recorded_at, excluded.content_hash)
      -- A change belongs to the connection that recorded it: another connection may update it only once the
      -- owner has stopped polling (a day without a poll), so no connection can rewrite another's changes.
      AND (c.connection_id = excluded.connection_id OR NOT EXISTS (
        SELECT 1 FROM poll_log p WHERE p.connector = c.connector AND p.connection_id = c.connection_id
          AND p.at > now() - interval '1 day'))
    RETURNING ${sql.unsafe(STORED_EVENT_COLUMNS)}, (xmax = 0) AS inserted
  `;
  return result.map((r) => ({ ...storedEventFromRow(r), op: r.inserted ? "inserted" : "updated" }));
}
