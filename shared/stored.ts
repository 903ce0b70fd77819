/** A stored change as the API, the live stream and the UI see it: one shape from one row mapper. */
import type { ChangeEvent } from "./event.ts";

/** The text of a change, as validated on the way in (event.ts) and stored as it came. */
type ChangeText = Pick<ChangeEvent, "title" | "description" | "author" | "url" | "status" | "tags" | "refs">;

export interface StoredEvent extends ChangeText {
  id: string;
  connector: string;
  eventType: string;
  connectionId: string;
  subject: string | null;
  /** The service: declared by the change, else from the service catalog ("" when unknown). */
  service: string;
  /** The environment: declared by the change, else from the service catalog ("" when unknown). */
  environment: string;
  /** The owning team, from the service catalog ("" when unknown). */
  team: string;
  metadata: Record<string, unknown>;
  /** When the change happened. */
  time: string;
  /** When PainChain saw this version. */
  recordedAt: string;
  storedAt: string;
  updatedAt: string;
  version: number;
}

/** The columns that make a StoredEvent, for SELECT and RETURNING lists. */
export const STORED_EVENT_COLUMNS =
  "id, connector, event_type, connection_id, subject, title, description, author, url, status, tags, refs, service, environment, team, metadata, occurred_at, recorded_at, stored_at, updated_at, version";

/** A change_events row as postgres.js returns it (the columns of STORED_EVENT_COLUMNS). */
export interface StoredEventRow extends ChangeText {
  id: string;
  connector: string;
  event_type: string;
  connection_id: string;
  subject: string | null;
  service?: string;
  environment?: string;
  team?: string;
  metadata: Record<string, unknown>;
  occurred_at: Date | string;
  recorded_at: Date | string;
  stored_at: Date | string;
  updated_at: Date | string;
  version: number;
}

/** Already what toISOString() writes (the store hands over the event's own times): kept as it is. */
const CANONICAL_ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const iso = (t: Date | string) =>
  typeof t === "string" && CANONICAL_ISO.test(t) ? t : new Date(t).toISOString();

export function storedEventFromRow(row: unknown): StoredEvent {
  const r = row as StoredEventRow;

  return {
    id: r.id,
    connector: r.connector,
    eventType: r.event_type,
    connectionId: r.connection_id,
    subject: r.subject,
    title: r.title,
    description: r.description,
    author: r.author,
    url: r.url,
    status: r.status,
    tags: r.tags,
    refs: r.refs,
    service: r.service ?? "",
    environment: r.environment ?? "",
    team: r.team ?? "",
    metadata: r.metadata,
    time: iso(r.occurred_at),
    recordedAt: iso(r.recorded_at),
    storedAt: iso(r.stored_at),
    updatedAt: iso(r.updated_at),
    version: r.version,
  };
}
