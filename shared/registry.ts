/**
 * The connector registry in NATS KV: `<connector>.meta` holds metadata; `<connector>.instance.<id>` holds each
 * running replica's heartbeat, logo address and per-connection status.
 */
import type { KV } from "nats";
import { z } from "zod";
import { type ConnectorMetadata, connectorMetadataSchema } from "./metadata.ts";
import { decoder, encoder, kvKeys } from "./nats.ts";

export const rateLimitSchema = z.object({
  remaining: z.number(),
  limit: z.number().optional(),
  resetAt: z.string().optional(),
});

export const connectionStatusSchema = z.object({
  connectionId: z.string(),
  state: z.enum(["starting", "polling", "idle", "error", "rate_limited", "standby"]),
  lastPollAt: z.string().nullable(),
  lastSuccessAt: z.string().nullable(),
  lastError: z.string().nullable(),
  lastErrorAt: z.string().nullable(),
  eventsPublished: z.number(),
  rateLimit: rateLimitSchema.nullable(),
});
export type ConnectionStatus = z.output<typeof connectionStatusSchema>;

/** A connection's status before its first poll. */
export function startingStatus(connectionId: string): ConnectionStatus {
  return {
    connectionId,
    state: "starting",
    lastPollAt: null,
    lastSuccessAt: null,
    lastError: null,
    lastErrorAt: null,
    eventsPublished: 0,
    rateLimit: null,
  };
}

export const instanceSchema = z.object({
  instanceId: z.string(),
  connector: z.string(),
  /** Base URL of the replica's small HTTP server (logo, healthz). */
  url: z.string(),
  startedAt: z.string(),
  heartbeatAt: z.string(),
  heartbeatIntervalMs: z.number(),
  connections: z.record(z.string(), connectionStatusSchema),
});
export type Instance = z.output<typeof instanceSchema>;

export const metaKey = (connector: string) => `${connector}.meta`;
export const instanceKey = (connector: string, instanceId: string) => `${connector}.instance.${instanceId}`;

export async function putMetadata(kv: KV, meta: ConnectorMetadata): Promise<void> {
  await kv.put(metaKey(meta.id), encoder.encode(JSON.stringify(meta)));
}

export async function putInstance(kv: KV, inst: Instance): Promise<void> {
  await kv.put(instanceKey(inst.connector, inst.instanceId), encoder.encode(JSON.stringify(inst)));
}

export async function removeInstance(kv: KV, connector: string, instanceId: string): Promise<void> {
  await kv.delete(instanceKey(connector, instanceId)).catch(() => {});
}

export interface RegisteredConnector {
  metadata: ConnectorMetadata;
  /** Replicas whose heartbeat is recent. */
  instances: Instance[];
  status: "up" | "down";
  lastHeartbeatAt: string | null;
}

/** Reads the whole registry; an instance is alive when its heartbeat is newer than three intervals. */
export async function readRegistry(kv: KV, now = Date.now()): Promise<RegisteredConnector[]> {
  const metas = new Map<string, ConnectorMetadata>();
  const instances = new Map<string, Instance[]>();
  const lastBeat = new Map<string, string>();
  const keys: string[] = [];
  keys.push(...await kvKeys(kv));
  const entries = await Promise.all(keys.map((k) => kv.get(k)));
  for (const e of entries) {
    if (!e || e.operation !== "PUT") continue;
    try {
      const value = JSON.parse(decoder.decode(e.value));
      if (e.key.endsWith(".meta")) {
        const m = connectorMetadataSchema.safeParse(value);
        if (m.success) metas.set(m.data.id, m.data);
        continue;
      }
      const inst = instanceSchema.safeParse(value);
      if (!inst.success) continue;
      const i = inst.data;
      const prev = lastBeat.get(i.connector);
      if (!prev || prev < i.heartbeatAt) lastBeat.set(i.connector, i.heartbeatAt);
      if (now - Date.parse(i.heartbeatAt) <= 3 * i.heartbeatIntervalMs) {
        instances.set(i.connector, [...(instances.get(i.connector) ?? []), i]);
      }
    } catch { /* a damaged entry is skipped */ }
  }
  return [...metas.values()].sort((a, b) => a.id.localeCompare(b.id)).map((metadata) => {
    const live = instances.get(metadata.id) ?? [];
    return {
      metadata,
      instances: live,
      status: live.length > 0 ? "up" : "down",
      lastHeartbeatAt: lastBeat.get(metadata.id) ?? null,
    };
  });
}

/** A connector's logo in the logos bucket (key: the connector id), so it is served while no replica runs. */
export const LOGO_MAX_BYTES = 512 * 1024;
export const LOGO_TYPES = ["image/png", "image/svg+xml", "image/jpeg"] as const;

export async function putLogo(
  kv: KV,
  connector: string,
  logo: { type: string; body: Uint8Array },
): Promise<void> {
  if (logo.body.length > LOGO_MAX_BYTES) throw new Error(`The logo of ${connector} is larger than 512 KiB`);
  const e = await kv.get(connector).catch(() => null);
  const value = encoder.encode(JSON.stringify({ type: logo.type, data: toBase64(logo.body) }));
  // Unchanged logos are not written again by every replica start.
  if (
    e && e.operation === "PUT" && e.value.length === value.length &&
    decoder.decode(e.value) === decoder.decode(value)
  ) {
    return;
  }
  await kv.put(connector, value);
}

export async function getLogo(
  kv: KV,
  connector: string,
): Promise<{ type: string; body: Uint8Array; revision: number } | null> {
  const e = await kv.get(connector);
  if (!e || e.operation !== "PUT") return null;
  const raw = JSON.parse(decoder.decode(e.value)) as { type: string; data: string };
  return { type: raw.type, body: fromBase64(raw.data), revision: e.revision };
}

function toBase64(b: Uint8Array): string {
  let s = "";
  for (let i = 0; i < b.length; i += 0x8000) s += String.fromCharCode(...b.subarray(i, i + 0x8000));
  return btoa(s);
}
function fromBase64(s: string): Uint8Array<ArrayBuffer> {
  const bin = atob(s);
  const out = new Uint8Array(new ArrayBuffer(bin.length));
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}
