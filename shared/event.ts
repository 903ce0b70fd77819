/**
 * The event contract: a CloudEvents 1.0 envelope (structured JSON mode) whose `data` is a ChangeEvent.
 */
import { createHash } from "node:crypto";
import { z } from "zod";

export const CONNECTOR_ID = /^[a-z][a-z0-9_]{0,31}$/;
export const EVENT_TYPE = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;

/** Earliest and latest accepted `time`: nothing before 1970, nothing more than a day ahead of now. */
const EARLIEST = Date.UTC(1970, 0, 1);
const FUTURE_SLACK_MS = 24 * 3600 * 1000;

export const connectorIdSchema = z.string().regex(
  CONNECTOR_ID,
  "Connector id must be lowercase letters, digits or _",
);
export const eventTypeSchema = z.string().regex(EVENT_TYPE, "Event type must be letters, digits or _");

const jsonValue: z.ZodType<unknown> = z.lazy(() =>
  z.union([
    z.string(),
    z.number(),
    z.boolean(),
    z.null(),
    z.array(jsonValue),
    z.record(z.string(), jsonValue),
  ])
);

const METADATA_MAX_BYTES = 64 * 1024;
/** How deep metadata may nest: deeper JSON is not a change description, and recursion over it is a hazard. */
export const METADATA_MAX_DEPTH = 32;

/**
 * What Postgres cannot store, checked where the contract is checked (the gateway and the store alike): a NUL
 * character, or a lone UTF-16 surrogate (not valid Unicode, refused by jsonb), in any string or object key.
 * Returns the path of the first offence, or null.
 */
export function unstorableText(value: unknown, maxDepth = 64): string | null {
  return storable(value, maxDepth) ? null : offence(value, maxDepth);
}

const badText = (s: string) => s.includes("\u0000") || !s.isWellFormed();

/** The check alone, with no paths built (every event passes through it). */
function storable(v: unknown, depthLeft: number): boolean {
  if (typeof v === "string") return !badText(v);
  if (!v || typeof v !== "object") return true;
  if (depthLeft <= 0) return false;
  if (Array.isArray(v)) return v.every((x) => storable(x, depthLeft - 1));
  for (const k in v) {
    if (!Object.hasOwn(v, k)) continue;
    if (badText(k) || !storable((v as Record<string, unknown>)[k], depthLeft - 1)) return false;
  }
  return true;
}

/** Where the first offence is, for the error message. */
function offence(value: unknown, maxDepth: number): string | null {
  const stack: [unknown, string, number][] = [[value, "", 0]];
  while (stack.length) {
    const [v, path, depth] = stack.pop()!;
    if (typeof v === "string") {
      if (badText(v)) return path || "value";
    } else if (v && typeof v === "object") {
      if (depth >= maxDepth) return `${path || "value"} (nested more than ${maxDepth} deep)`;
      for (const [k, x] of Object.entries(v)) {
        const p = path ? `${path}.${k}` : k;
        if (badText(k)) return p;
        stack.push([x, p, depth + 1]);
      }
    }
  }
  return null;
}

/** The same value with every string made storable: NUL and lone surrogates become U+FFFD. */
export function storableCopy<T>(value: T): T {
  const fix = (s: string) => s.toWellFormed().replaceAll("\u0000", "\uFFFD");
  const walk = (v: unknown): unknown => {
    if (typeof v === "string") return fix(v);
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === "object" && !(v instanceof Date)) {
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [fix(k), walk(x)]));
    }
    return v;
  };
  return walk(value) as T;
}

/** The nesting depth of a JSON value, counted without recursion. */
export function jsonDepth(value: unknown): number {
  let max = 0;
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length) {
    const [v, d] = stack.pop()!;
    if (v && typeof v === "object") {
      if (d + 1 > max) max = d + 1;
      for (const x of Object.values(v)) if (x && typeof x === "object") stack.push([x, d + 1]);
    }
  }
  return max;
}

export const changeEventSchema = z.object({
  title: z.string().trim().min(1, "Title is required").max(500),
  description: z.string().max(20_000).default(""),
  author: z.string().max(200).default(""),
  url: z.union([z.url({ protocol: /^https?$/ }), z.literal("")]).default(""),
  status: z.string().max(64).default(""),
  eventType: eventTypeSchema,
  connector: connectorIdSchema,
  connectionId: z.string().min(1).max(128),
  tags: z.array(z.string().min(1).max(64)).max(50).default([]),
  /** The service this change belongs to, when the source knows it (a Kubernetes app label, the change API). */
  service: z.string().trim().max(100).default(""),
  /** Where it happened: a deployment's environment, a namespace's, the change API's `environment`. */
  environment: z.string().trim().max(100).default(""),
  /** Keys that chain changes together: `sha:<commit>`, `pr:<repo>#<n>`, `image:<digest>` … (indexed). */
  refs: z.array(z.string().min(1).max(200)).max(50).default([]),
  // Values arrive through JSON.parse, so they are JSON already; only the size is checked.
  metadata: z.record(z.string(), z.unknown()).default({})
    .refine(
      (m) => jsonDepth(m) <= METADATA_MAX_DEPTH,
      `Metadata must nest at most ${METADATA_MAX_DEPTH} deep`,
    )
    .refine(
      (m) => JSON.stringify(m).length <= METADATA_MAX_BYTES,
      `Metadata must be at most ${METADATA_MAX_BYTES} bytes of JSON`,
    ),
}).superRefine((d, ctx) => {
  const bad = unstorableText(d);
  if (bad) {
    ctx.addIssue({
      code: "custom",
      path: bad.split(".").slice(0, 1),
      message: `Text at ${bad} holds a NUL character or invalid Unicode (a lone surrogate)`,
    });
  }
});
export type ChangeEvent = z.output<typeof changeEventSchema>;
export type ChangeEventInput = z.input<typeof changeEventSchema>;

const isoTime = z.iso.datetime({ offset: true }).transform((s) => new Date(s).toISOString());

export const cloudEventSchema = z.object({
  specversion: z.literal("1.0"),
  id: z.string().min(3).max(300),
  source: z.string().min(1).max(500),
  type: z.string().min(1).max(200),
  subject: z.string().max(500).optional(),
  time: isoTime,
  recordedtime: isoTime,
  datacontenttype: z.literal("application/json"),
  data: changeEventSchema,
}).superRefine((e, ctx) => {
  for (const k of ["id", "source", "type", "subject"] as const) {
    const v = e[k];
    if (v !== undefined && unstorableText(v)) {
      ctx.addIssue({ code: "custom", path: [k], message: "Holds a NUL character or invalid Unicode" });
    }
  }
  const prefix = `${e.data.connector}-${e.data.eventType}-`;
  if (!e.id.startsWith(prefix) || e.id.length === prefix.length) {
    ctx.addIssue({ code: "custom", path: ["id"], message: `Id must have the form ${prefix}<upstream id>` });
  }
  const t = Date.parse(e.time);
  if (t < EARLIEST) ctx.addIssue({ code: "custom", path: ["time"], message: "Time is before 1970" });
  if (t > Date.parse(e.recordedtime) + FUTURE_SLACK_MS) {
    ctx.addIssue({
      code: "custom",
      path: ["time"],
      message: "Time is more than a day after it was recorded",
    });
  }
});
export type PainchainCloudEvent = z.output<typeof cloudEventSchema>;

export const CLOUDEVENT_CONTENT_TYPE = "application/cloudevents+json";

/** What a connector's mapping code returns: a ChangeEvent plus the parts of the envelope it knows. */
export interface MappedChange extends Omit<ChangeEventInput, "connector" | "connectionId"> {
  /** The upstream id; the event id becomes `{connector}-{eventType}-{upstreamId}`. */
  upstreamId: string | number;
  /** When the change happened upstream. */
  time: string | Date;
  /** What the change is about, e.g. `octo/repo#12`. */
  subject?: string;
}

export interface EnvelopeContext {
  connector: string;
  connectionId: string;
  recordedAt: Date;
}

export function eventId(connector: string, eventType: string, upstreamId: string | number): string {
  return `${connector}-${eventType}-${upstreamId}`;
}

/** Wraps a mapped change into a validated CloudEvent. Throws a ZodError on invalid data. */
export function toCloudEvent(change: MappedChange, ctx: EnvelopeContext): PainchainCloudEvent {
  const { upstreamId, time, subject, ...rest } = change;
  const data = { ...rest, connector: ctx.connector, connectionId: ctx.connectionId };
  return cloudEventSchema.parse({
    specversion: "1.0",
    id: eventId(ctx.connector, change.eventType, upstreamId),
    source: `/painchain/connectors/${ctx.connector}/connections/${encodeURIComponent(ctx.connectionId)}`,
    type: `dev.painchain.${ctx.connector}.${change.eventType}`,
    ...(subject ? { subject } : {}),
    time: new Date(time).toISOString(),
    recordedtime: ctx.recordedAt.toISOString(),
    datacontenttype: "application/json",
    data,
  });
}

/** Stable JSON: object keys sorted, so equal content hashes equally. (JSON.stringify's output, with sorted keys.) */
export function canonicalJson(value: unknown): string {
  return stableJson(value, "") as string;
}

/** An array index as a key: JavaScript objects list these first, in numeric order, whatever their insertion order. */
const INDEX_KEY = /^(?:0|[1-9]\d{0,9})$/;
const isIndexKey = (k: string) => INDEX_KEY.test(k) && Number(k) < 4294967295;

function stableJson(value: unknown, key: string): string | undefined {
  let v = value;
  if (v !== null && typeof v === "object" && typeof (v as { toJSON?: unknown }).toJSON === "function") {
    v = (v as { toJSON: (k: string) => unknown }).toJSON(key);
  }
  if (v === null || typeof v !== "object") return JSON.stringify(v);
  if (Array.isArray(v)) {
    let out = "[";
    for (let i = 0; i < v.length; i++) out += (i ? "," : "") + (stableJson(v[i], String(i)) ?? "null");
    return out + "]";
  }
  const keys = Object.keys(v);
  let indexes = 0;
  while (indexes < keys.length && isIndexKey(keys[indexes]!)) indexes++;
  const named = keys.slice(indexes).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  let out = "{";
  let first = true;
  for (const k of indexes ? [...keys.slice(0, indexes), ...named] : named) {
    const s = stableJson((v as Record<string, unknown>)[k], k);
    if (s === undefined) continue;
    out += (first ? "" : ",") + JSON.stringify(k) + ":" + s;
    first = false;
  }
  return out + "}";
}

/** A version of an event's content; `recordedtime` is left out, so a re-poll of the same state is equal. */
export function contentHash(e: Pick<PainchainCloudEvent, "time" | "subject" | "data">): string {
  return createHash("sha256").update(
    canonicalJson({ time: e.time, subject: e.subject ?? null, data: e.data }),
  )
    .digest("base64url").slice(0, 22);
}

/** The JetStream `Nats-Msg-Id`: the id plus a version, so a changed event is never dropped as a duplicate. */
export function messageId(e: PainchainCloudEvent): string {
  return `${e.id}@${contentHash(e)}`;
}
