/** Connections: a connector's configured upstream (e.g. a GitHub org with a token). Stored in NATS KV. */
import { z } from "zod";
import { connectorIdSchema } from "./event.ts";

export const CONNECTION_ID = /^[a-z0-9][a-z0-9_-]{0,62}$/;

export const connectionSchema = z.object({
  id: z.string().regex(CONNECTION_ID),
  connector: connectorIdSchema,
  name: z.string().min(1).max(100),
  enabled: z.boolean(),
  /** Seconds between polls. */
  pollInterval: z.number().int().min(1).max(86_400),
  tags: z.array(z.string().min(1).max(64)).max(50),
  config: z.record(z.string(), z.unknown()),
  /** Secret values by field key. Never leave the gateway; redacted in audit events. */
  secrets: z.record(z.string(), z.string()),
  createdAt: z.string(),
  updatedAt: z.string(),
  /** Who last wrote it through the API: "admin" or "key <name> (<id>)"; shown in audit events. */
  updatedBy: z.string().max(200).optional(),
});
export type Connection = z.output<typeof connectionSchema>;

/** What any API returns: secrets shown only as set. */
export type PublicConnection = Omit<Connection, "secrets"> & { secrets: Record<string, "set"> };

export function publicConnection(c: Connection): PublicConnection {
  const secrets: Record<string, "set"> = {};
  for (const [k, v] of Object.entries(c.secrets)) if (v) secrets[k] = "set";
  return { ...c, secrets };
}

/** KV key of a connection: `<connector>.<id>`. */
export function connectionKey(connector: string, id: string): string {
  return `${connector}.${id}`;
}

const tagsInput = z.union([
  z.array(z.string().trim().min(1).max(64)).max(50),
  z.string().max(2000).transform((s) => s.split(",").map((t) => t.trim()).filter(Boolean)),
]);

/** Writable fields of a connection, checked before the connector's own configSchema. */
export const connectionBodySchema = z.object({
  id: z.string().regex(CONNECTION_ID, "Id must be lowercase letters, digits, - or _").optional(),
  connector: connectorIdSchema,
  name: z.string().trim().min(1, "Name is required").max(100),
  enabled: z.boolean().default(true),
  pollInterval: z.coerce.number().int().min(1).max(86_400).optional(),
  tags: tagsInput.default([]),
  config: z.record(z.string(), z.unknown()).default({}),
}).strict();

/** A partial update: absent fields keep their value (no defaults here). */
export const connectionPatchSchema = z.object({
  name: z.string().trim().min(1, "Name is required").max(100).optional(),
  enabled: z.boolean().optional(),
  pollInterval: z.coerce.number().int().min(1).max(86_400).optional(),
  tags: tagsInput.optional(),
  config: z.record(z.string(), z.unknown()).optional(),
}).strict();
