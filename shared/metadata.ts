/**
 * Connector metadata: the seed's metadata.json (id, displayName, color, logo, description) plus the
 * connection form (`configSchema`) and the event-type detail panels (`eventTypes`), so the UI needs no
 * per-connector code.
 */
import { z } from "zod";
import { connectorIdSchema, EVENT_TYPE } from "./event.ts";

export const fieldTypes = [
  "text",
  "password",
  "url",
  "number",
  "boolean",
  "select",
  "textarea",
  "list",
] as const;

export const configFieldSchema = z.object({
  key: z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,63}$/),
  label: z.string().min(1).max(100),
  type: z.enum(fieldTypes),
  placeholder: z.string().max(200).optional(),
  required: z.boolean().default(false),
  default: z.union([z.string(), z.number(), z.boolean(), z.array(z.string())]).optional(),
  help: z.string().max(500).optional(),
  /** Write-only: stored apart from the config, never returned, redacted in audit events. */
  secret: z.boolean().default(false),
  /**
   * A setting that decides where the connection's secrets are sent (an API URL, a cluster). Stored secrets are
   * bound to it: changing it without entering the secrets again is refused.
   */
  origin: z.boolean().default(false),
  /** A secret PainChain keeps to itself (a webhook secret): never sent upstream, so not bound to the origin. */
  local: z.boolean().default(false),
  options: z.array(z.object({ value: z.string(), label: z.string() })).optional(),
  min: z.number().optional(),
  max: z.number().optional(),
});
export type ConfigField = z.output<typeof configFieldSchema>;

export const fieldFormats = [
  "text",
  "link",
  "time",
  "duration",
  "list",
  "code",
  "diff",
  "json",
  "number",
] as const;

export const detailFieldSchema = z.object({
  /** Path into the event: `author`, `status`, or `metadata.<key>` (dots go deeper). */
  key: z.string().min(1).max(200),
  label: z.string().min(1).max(100),
  format: z.enum(fieldFormats).default("text"),
  /** Default visibility; users can change it per event type. */
  visible: z.boolean().default(true),
});

/**
 * What kind of change an event type is, for ranking suspects: a deploy, a config change or a feature flag
 * outranks a code change, a build, a symptom (pod trouble) or a note.
 */
export const CHANGE_KINDS = [
  "deploy",
  "config",
  "flag",
  "scale",
  "infra",
  "release",
  "code",
  "build",
  "symptom",
  "note",
  "admin",
] as const;
export type ChangeKind = typeof CHANGE_KINDS[number];

export const eventTypeMetaSchema = z.object({
  displayName: z.string().min(1).max(100),
  kind: z.enum(CHANGE_KINDS).optional(),
  description: z.string().max(500).optional(),
  sections: z.array(z.object({
    title: z.string().min(1).max(100),
    fields: z.array(detailFieldSchema).max(100),
  })).max(20).default([]),
});
export type EventTypeMeta = z.output<typeof eventTypeMetaSchema>;

const HEADER_NAME = /^[A-Za-z0-9-]{1,64}$/;

/** How the gateway checks a connector's webhook deliveries before handing them over (no per-connector code). */
export const webhookSpecSchema = z.object({
  /** hmac-sha256: the signature header holds `sha256=<hex HMAC of the raw body>`; token: it holds the secret. */
  verify: z.enum(["hmac-sha256", "token"]),
  signatureHeader: z.string().regex(HEADER_NAME),
  /** The header naming the kind of delivery (`pull_request`, `Merge Request Hook`). */
  eventHeader: z.string().regex(HEADER_NAME),
  /** Headers that carry a delivery id, first found wins; without one the body's hash is the id. */
  deliveryHeaders: z.array(z.string().regex(HEADER_NAME)).max(5).default([]),
  /** The secret config field holding the webhook secret. */
  secretField: z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,63}$/),
  /** Events acknowledged without being handed over (GitHub's `ping`). */
  pingEvents: z.array(z.string().max(64)).max(10).default([]),
});
export type WebhookSpec = z.output<typeof webhookSpecSchema>;

export const connectorMetadataSchema = z.object({
  id: connectorIdSchema,
  displayName: z.string().min(1).max(100),
  color: z.string().regex(/^#[0-9a-fA-F]{6}$/, "Color must be a hex code like #00E8A0"),
  logo: z.string().regex(/^[\w.-]+\.(png|svg|jpe?g)$/, "Logo must be a png, svg or jpeg file name"),
  description: z.string().min(1).max(300),
  /** Internal connectors (painchain) run without user-made connections. */
  internal: z.boolean().default(false),
  defaultPollInterval: z.number().int().min(1).default(300),
  minPollInterval: z.number().int().min(1).default(60),
  configSchema: z.array(configFieldSchema).default([]),
  /** Present when the connector takes webhook deliveries. */
  webhook: webhookSpecSchema.optional(),
  eventTypes: z.record(z.string().regex(EVENT_TYPE), eventTypeMetaSchema).default({}),
});
export type ConnectorMetadata = z.output<typeof connectorMetadataSchema>;
export type ConnectorMetadataInput = z.input<typeof connectorMetadataSchema>;

/** The seed's fields plus the connection form and detail panels: what anyone may read, without signing in. */
export function publicCatalogEntry(m: ConnectorMetadata) {
  return {
    id: m.id,
    displayName: m.displayName,
    color: m.color,
    logo: m.logo,
    description: m.description,
    configSchema: m.configSchema,
    eventTypes: m.eventTypes,
  };
}

/** Builds the zod validator of a connection's config from a connector's configSchema. */
export function configValidator(fields: ConfigField[], opts: { partial?: boolean } = {}) {
  const shape: Record<string, z.ZodType> = {};
  for (const f of fields) {
    let s: z.ZodType;
    switch (f.type) {
      case "number": {
        let n = z.coerce.number({ error: `${f.label} must be a number` }).refine(Number.isFinite, {
          message: `${f.label} must be a number`,
        });
        if (f.min !== undefined) n = n.refine((v) => v >= f.min!, `${f.label} must be at least ${f.min}`);
        if (f.max !== undefined) n = n.refine((v) => v <= f.max!, `${f.label} must be at most ${f.max}`);
        s = n;
        break;
      }
      case "boolean":
        s = z.boolean({ error: `${f.label} must be true or false` });
        break;
      case "list":
        s = z.union([
          z.array(z.string().max(500)).max(500),
          z.string().max(20_000).transform((v) => v.split(/[,\n]/).map((x) => x.trim()).filter(Boolean)),
        ]);
        break;
      case "url":
        s = z.union([
          z.url({ protocol: /^https?$/, error: `${f.label} must be an http(s) URL` }),
          z.literal(""),
        ]);
        break;
      case "select":
        s = z.enum((f.options ?? []).map((o) => o.value) as [string, ...string[]], {
          error: `${f.label} must be one of ${(f.options ?? []).map((o) => o.value).join(", ")}`,
        });
        break;
      default:
        s = z.string({ error: `${f.label} must be text` }).max(f.type === "textarea" ? 100_000 : 2_000);
    }
    const requiredHere = f.required && !opts.partial && f.default === undefined;
    if (requiredHere && (f.type === "text" || f.type === "password" || f.type === "textarea")) {
      s = (s as z.ZodString).min(1, `${f.label} is required`);
    }
    shape[f.key] = requiredHere ? s : s.optional();
  }
  return z.object(shape).strict();
}
