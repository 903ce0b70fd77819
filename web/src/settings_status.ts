/** What Settings says about connectors, connections and webhooks, from metadata only (no per-connector code). */
import type { Connection, ConnectionStatus, ConnectorMeta } from "./api.ts";
import { plural, relative } from "./format.ts";

export interface ConnectorSummary {
  /** The pill beside the name. */
  pill: { text: string; ok: boolean; title: string };
  /** The line under the description. */
  line: string;
}

/** A hosted connector (built into the gateway) has no replicas or heartbeat to report: it says "built in". */
export function connectorSummary(m: ConnectorMeta, now = Date.now()): ConnectorSummary {
  if (m.builtIn) {
    return {
      pill: { text: "built in", ok: true, title: "Runs inside the gateway: always available while it is" },
      line: "Built into the gateway: no replicas to run.",
    };
  }
  const n = m.instances.length;
  const ids = n > 0 ? ` (${m.instances.map((i) => i.instanceId).join(", ")})` : "";
  const beat = m.lastHeartbeatAt ? relative(m.lastHeartbeatAt, now) : "never";
  return {
    pill: {
      text: m.status,
      ok: m.status === "up",
      title: m.status === "up"
        ? "At least one replica sends heartbeats"
        : "No replica has sent a recent heartbeat",
    },
    line: `${plural(n, "replica")}${ids} · last heartbeat ${beat}`,
  };
}

/** The replica that holds a connection (not a standby), and its status of it. */
export function holderOf(
  m: ConnectorMeta,
  connectionId: string,
): { instanceId: string; status: ConnectionStatus } | null {
  for (const i of m.instances) {
    const s = i.connections.find((x) => x.connectionId === connectionId && x.state !== "standby");
    if (s) return { instanceId: i.instanceId, status: s };
  }
  return null;
}

export function connectionState(c: Pick<Connection, "id" | "enabled">, m: ConnectorMeta): string {
  const held = holderOf(m, c.id);
  if (held) return `${held.status.state} on ${held.instanceId}`;
  return c.enabled ? "waiting for a replica" : "disabled";
}

export interface WebhookInfo {
  /** The connection has the secret the connector checks deliveries with. */
  ready: boolean;
  url: string;
  /** The label of the config field holding the secret. */
  secretLabel: string;
  /** What the upstream must send. */
  expects: string;
}

/** The webhook of a connection, from its connector's `webhook` block; null when the connector takes none. */
export function webhookInfo(
  m: Pick<ConnectorMeta, "id" | "webhook" | "configSchema">,
  c: Pick<Connection, "id" | "secrets">,
  origin: string,
): WebhookInfo | null {
  const w = m.webhook;
  if (!w) return null;
  const secretLabel = m.configSchema.find((f) => f.key === w.secretField)?.label ?? w.secretField;
  const how = w.verify === "hmac-sha256"
    ? `a signature of each body with the same secret in ${w.signatureHeader} (sha256=<HMAC-SHA256 hex>)`
    : `the same secret in ${w.signatureHeader}`;
  return {
    ready: Boolean(c.secrets[w.secretField]),
    url: `${origin}/api/webhooks/${encodeURIComponent(m.id)}/${encodeURIComponent(c.id)}`,
    secretLabel,
    expects: `POST JSON to this URL with ${how}; the kind of delivery in ${w.eventHeader}.`,
  };
}
