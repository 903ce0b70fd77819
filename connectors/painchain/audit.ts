/**
 * Pure mapping from a connection's previous and next KV values to an audit ChangeEvent, with a field diff in
 * which secret values never appear.
 */
import type { Connection, MappedChange } from "@painchain/shared";

export const REDACTED = "[redacted]";

export interface FieldChange {
  field: string;
  before: unknown;
  after: unknown;
}

const TOP_FIELDS = ["name", "enabled", "pollInterval", "tags"] as const;

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

export function diffConnections(prev: Connection | null, next: Connection | null): FieldChange[] {
  const out: FieldChange[] = [];
  for (const f of TOP_FIELDS) {
    const a = prev?.[f] ?? null;
    const b = next?.[f] ?? null;
    if (!same(a, b)) out.push({ field: f, before: a, after: b });
  }
  const configKeys = new Set([...Object.keys(prev?.config ?? {}), ...Object.keys(next?.config ?? {})]);
  for (const k of [...configKeys].sort()) {
    const a = prev?.config[k] ?? null;
    const b = next?.config[k] ?? null;
    if (!same(a, b)) out.push({ field: `config.${k}`, before: a, after: b });
  }
  const secretKeys = new Set([...Object.keys(prev?.secrets ?? {}), ...Object.keys(next?.secrets ?? {})]);
  for (const k of [...secretKeys].sort()) {
    const a = prev?.secrets[k];
    const b = next?.secrets[k];
    if (a === b) continue;
    out.push({
      field: `secrets.${k}`,
      before: a ? REDACTED : null,
      after: b ? (a ? `${REDACTED} (changed)` : REDACTED) : null,
    });
  }
  return out;
}

export interface KvChange {
  key: string;
  revision: number;
  time: Date;
  operation: "PUT" | "DEL" | "PURGE";
  prev: Connection | null;
  next: Connection | null;
}

/** The audit event of one KV change, or null when nothing a person would care about changed. */
export function auditEvent(ch: KvChange): MappedChange | null {
  const target = ch.next ?? ch.prev;
  const [connector = "unknown", connectionId = ch.key] = ch.key.split(".", 2);
  const name = target?.name ?? connectionId;
  const base = {
    upstreamId: `${ch.key}-${ch.revision}`,
    time: ch.time,
    subject: `${connector}/${connectionId}`,
    author: "painchain",
    tags: target?.tags ?? [],
  };
  const meta = { connector, connectionId, connectionName: name, revision: ch.revision };
  if (ch.operation !== "PUT" || !ch.next) {
    return {
      ...base,
      eventType: "ConnectorDeleted",
      title: `Connection "${name}" deleted (${connector})`,
      status: "deleted",
      metadata: { ...meta, diff: ch.prev ? diffConnections(ch.prev, null) : [] },
    };
  }
  if (!ch.prev) {
    return {
      ...base,
      eventType: "ConnectorCreated",
      title: `Connection "${name}" created (${connector})`,
      status: "created",
      metadata: { ...meta, diff: diffConnections(null, ch.next) },
    };
  }
  const diff = diffConnections(ch.prev, ch.next);
  if (diff.length === 0) return null;
  if (diff.length === 1 && diff[0]!.field === "enabled") {
    const enabled = ch.next.enabled;
    return {
      ...base,
      eventType: enabled ? "ConnectorEnabled" : "ConnectorDisabled",
      title: `Connection "${name}" ${enabled ? "enabled" : "disabled"} (${connector})`,
      status: enabled ? "enabled" : "disabled",
      metadata: { ...meta, diff },
    };
  }
  return {
    ...base,
    eventType: "ConnectorUpdated",
    title: `Connection "${name}" updated (${connector}): ${diff.map((d) => d.field).join(", ")}`.slice(
      0,
      500,
    ),
    status: "updated",
    description: diff.map((d) => `${d.field}: ${JSON.stringify(d.before)} → ${JSON.stringify(d.after)}`).join(
      "\n",
    ),
    metadata: { ...meta, diff },
  };
}
