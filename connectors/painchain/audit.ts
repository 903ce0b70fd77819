/**
 * Pure mapping from a connection's previous and next KV values to an audit ChangeEvent, with a field diff in
 * which secret values never appear.
 */
import type { Connection, MappedChange } from "@painchain/shared";
import type { AuditRecord } from "@painchain/shared/internal";

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
  // Whoever wrote this revision through the API (a deletion is preceded by a write naming the deleter).
  const actor = ch.next?.updatedBy ?? ch.prev?.updatedBy ?? "unknown";
  const base = {
    upstreamId: `${ch.key}-${ch.revision}`,
    time: ch.time,
    subject: `${connector}/${connectionId}`,
    author: actor,
    tags: target?.tags ?? [],
  };
  const meta = { connector, connectionId, connectionName: name, revision: ch.revision, actor };
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

/** The audit event of a record on the audit stream (what the connections bucket does not show). */
export function auditRecordEvent(r: AuditRecord, seq: number): MappedChange {
  const t = r.target as Record<string, unknown>;
  const base = { upstreamId: `audit-${seq}`, time: r.at, author: r.actor, tags: [] as string[] };
  switch (r.action) {
    case "connection.tested": {
      const name = String(t.name ?? t.connectionId ?? "new connection");
      const { connector, connectionId, name: _n, secretsGiven, ...origin } = t;
      return {
        ...base,
        eventType: "ConnectionTested",
        subject: `${connector}/${connectionId ?? "new"}`,
        title: `Connection "${name}" tested (${connector}) by ${r.actor}`.slice(0, 500),
        status: "tested",
        metadata: {
          connector,
          connectionId: connectionId ?? null,
          connectionName: name,
          actor: r.actor,
          // Where the test went (the origin settings), and which secrets the caller gave (names only).
          settings: origin,
          secretsGiven: secretsGiven ?? [],
        },
      };
    }
    case "team.created":
    case "team.updated":
    case "team.deleted": {
      const op = r.action.slice("team.".length);
      return {
        ...base,
        eventType: "TeamChanged",
        subject: `teams/${String(t.id ?? t.name)}`,
        title: `Team "${String(t.name ?? t.id)}" ${op} by ${r.actor}`.slice(0, 500),
        status: op,
        metadata: { teamId: t.id ?? null, teamName: t.name ?? null, teamTags: t.tags ?? [], actor: r.actor },
      };
    }
    case "catalog.updated":
      return {
        ...base,
        eventType: "CatalogUpdated",
        subject: "catalog",
        title: `Service catalog updated by ${r.actor} (${String(t.rules ?? 0)} rules)`,
        status: "updated",
        metadata: { rules: t.rules ?? 0, actor: r.actor },
      };
    case "key.created":
    case "key.revoked": {
      const created = r.action === "key.created";
      return {
        ...base,
        eventType: created ? "ApiKeyCreated" : "ApiKeyRevoked",
        subject: `keys/${String(t.id ?? t.name)}`,
        title: `API key "${String(t.name)}" ${created ? "created" : "revoked"} by ${r.actor}`.slice(0, 500),
        status: created ? "created" : "revoked",
        metadata: { keyName: t.name ?? null, keyId: t.id ?? null, scopes: t.scopes ?? [], actor: r.actor },
      };
    }
  }
}
