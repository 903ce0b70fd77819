/**
 * POST /api/changes bodies and their mapping to PainChain events. A body is a CloudEvent (`specversion` set) or a
 * minimal custom change; both become events of connector `custom`. Ids are stable, so posting the same change
 * twice stores it once.
 */
import { createHash } from "node:crypto";
import { z } from "zod";
import { EVENT_TYPE, type PainchainCloudEvent, toCloudEvent } from "@painchain/shared/internal";
import { CHANGE_API_CONNECTOR } from "./mod.ts";

const time = z.iso.datetime({ offset: true, error: "Must be an ISO 8601 time, e.g. 2026-11-26T10:00:00Z" });
const label = z.string().trim().min(1).max(64);

const changeFields = {
  title: z.string().trim().min(1, "Title is required").max(500),
  description: z.string().max(20_000).optional(),
  author: z.string().max(200).optional(),
  url: z.union([z.url({ protocol: /^https?$/, error: "url must be an http(s) URL" }), z.literal("")])
    .optional(),
  status: z.string().max(64).optional(),
  service: label.optional(),
  environment: label.optional(),
  tags: z.array(label).max(40).optional(),
  /** Anything else worth keeping, shown as JSON in the detail panel. */
  metadata: z.record(z.string(), z.unknown()).optional(),
  /** Keys that chain this change to others: `sha:<commit>`, `image:<image>`, `pr:<repo>#<n>`… */
  refs: z.array(
    z.string().trim().regex(/^[a-z0-9]{1,20}:\S{1,180}$/, "refs look like sha:<commit> or image:<name:tag>"),
  )
    .max(20).optional(),
  /** The commit deployed (shorthand for the ref sha:<commit>). */
  commit: z.string().trim().regex(/^[0-9a-fA-F]{7,40}$/, "commit must be 7 to 40 hex digits").optional(),
  /** The image deployed, e.g. registry.example.com/checkout:1.4.2 (shorthand for the ref image:<image>). */
  image: z.string().trim().regex(/^[\w.\-/:@]{1,180}$/, "image must be an image reference").optional(),
};

/** The minimal custom change. */
export const customChangeSchema = z.object({
  ...changeFields,
  /** deploy (default), feature_flag, config, note, incident, change or your own word. */
  // Lowercase: PainChain's own event types (ConnectorDeleted…) cannot be imitated.
  type: z.string().regex(/^[a-z][a-z0-9_]{0,63}$/, "type must be lowercase letters, digits or _").default(
    "deploy",
  ),
  /** Your own id for the change; the same id updates the same change (e.g. a deploy that starts, then ends). */
  id: z.string().trim().min(1).max(128).optional(),
  time: time.optional(),
  start: time.optional(),
  end: time.optional(),
}).strict().superRefine((c, ctx) => {
  if (c.time && c.start) {
    ctx.addIssue({ code: "custom", path: ["start"], message: "Give time or start, not both" });
  }
  if (c.end && !c.start) ctx.addIssue({ code: "custom", path: ["end"], message: "end needs a start" });
  if (c.start && c.end && Date.parse(c.end) < Date.parse(c.start)) {
    ctx.addIssue({ code: "custom", path: ["end"], message: "end is before start" });
  }
});

/** A CloudEvent (structured mode) whose data holds the change fields. */
export const postedCloudEventSchema = z.object({
  specversion: z.literal("1.0", { error: "specversion must be 1.0" }),
  id: z.string().min(1).max(200),
  source: z.string().min(1).max(500),
  type: z.string().min(1).max(200),
  time: time.optional(),
  subject: z.string().max(500).optional(),
  datacontenttype: z.string().max(100).optional(),
  data: z.object({ ...changeFields, end: time.optional() }).strict(),
}).passthrough();

export const changesBodySchema = z.union([
  z.array(z.unknown()).min(1, "Send at least one change").max(500, "Send at most 500 changes at once"),
  z.record(z.string(), z.unknown()),
], { error: "Send a change (JSON object) or an array of changes" });

export interface PostContext {
  /** Who posted: an API key id or "admin"; becomes the connection id. */
  poster: string;
  posterName: string;
  now: Date;
  /** Idempotency-Key header, used as the id when the body has none. */
  idempotencyKey?: string;
}

const hashId = (...parts: string[]) =>
  createHash("sha256").update(parts.join("\n")).digest("hex").slice(0, 24);

/** The last dotted part of a CloudEvent type, as an event type: `com.example.deploy` → `deploy`. */
function eventTypeOf(ceType: string): string {
  const last = ceType.split(/[./:]/).filter(Boolean).pop() ?? "change";
  const t = last.toLowerCase().replace(/[^a-z0-9_]/g, "_").replace(/^[^a-z]+/, "");
  return EVENT_TYPE.test(t) ? t : "change";
}

type Fields = z.output<z.ZodObject<typeof changeFields>> & { end?: string };

function build(
  f: Fields,
  o: { upstreamId: string; eventType: string; time: string; start?: string; subject?: string },
  ctx: PostContext,
  postedBy: string,
  extraMeta: Record<string, unknown> = {},
): PainchainCloudEvent {
  const tags = [...new Set([...(f.tags ?? []), ...(f.environment ? [f.environment] : [])])];
  const start = o.start ?? null;
  const end = f.end ?? null;
  return toCloudEvent({
    upstreamId: o.upstreamId,
    eventType: o.eventType,
    time: o.time,
    ...(o.subject ? { subject: o.subject } : f.service ? { subject: f.service } : {}),
    title: f.title,
    description: f.description ?? "",
    author: f.author ?? ctx.posterName,
    url: f.url ?? "",
    status: f.status ?? (end ? "completed" : ""),
    tags,
    service: f.service ?? "",
    environment: f.environment ?? "",
    refs: [
      ...new Set([
        ...(f.refs ?? []),
        ...(f.commit ? [`sha:${f.commit.toLowerCase()}`] : []),
        ...(f.image ? [`image:${f.image}`] : []),
        ...(f.service ? [`service:${f.service}`] : []),
        ...(f.environment ? [`env:${f.environment}`] : []),
      ]),
    ],
    metadata: {
      service: f.service ?? null,
      environment: f.environment ?? null,
      start,
      end,
      durationSeconds: start && end ? Math.round((Date.parse(end) - Date.parse(start)) / 1000) : null,
      postedBy,
      ...extraMeta,
      ...(f.metadata ? { extra: f.metadata } : {}),
    },
  }, { connector: CHANGE_API_CONNECTOR, connectionId: ctx.poster, recordedAt: ctx.now });
}

/** Maps one posted item; throws a ZodError (with the path of the bad field) on invalid input. */
export function mapPostedChange(item: unknown, ctx: PostContext): PainchainCloudEvent {
  if (item && typeof item === "object" && "specversion" in item) {
    const ce = postedCloudEventSchema.parse(item);
    return build(
      ce.data,
      {
        // CloudEvents promise source + id is unique, so together they name the change; the poster is part of the
        // name too, so one key cannot overwrite another key's change by reusing its source and id.
        upstreamId: hashId(ctx.poster, ce.source, ce.id),
        eventType: eventTypeOf(ce.type),
        time: ce.time ?? ctx.now.toISOString(),
        ...(ce.subject ? { subject: ce.subject } : {}),
      },
      ctx,
      "cloudevent",
      { cloudEvent: { id: ce.id, source: ce.source, type: ce.type } },
    );
  }
  const c = customChangeSchema.parse(item);
  const own = c.id ?? ctx.idempotencyKey;
  return build(
    c,
    {
      upstreamId: own ? hashId(ctx.poster, own) : crypto.randomUUID(),
      eventType: c.type,
      time: c.start ?? c.time ?? ctx.now.toISOString(),
      ...(c.start ? { start: c.start } : {}),
    },
    ctx,
    "change",
  );
}
