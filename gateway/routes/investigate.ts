/**
 * The incident routes: GET /api/investigate (ranked suspects with reasons, changes after the moment, coverage
 * gaps), GET /api/coverage (when PainChain was not watching), GET /api/compare (net change between two moments),
 * and GET /api/annotations (changes as Grafana annotations).
 */
import { Hono } from "hono";
import type { KV } from "nats";
import type postgres from "postgres";
import { z } from "zod";
import {
  type ChangeKind,
  type Connection,
  formatWindow,
  parseMoment,
  parseWindow,
  STORED_EVENT_COLUMNS,
  type StoredEvent,
  storedEventFromRow,
  type StoredEventRow,
} from "@painchain/shared/internal";
import { compare } from "../compare.ts";
import { listConnections } from "../connections_store.ts";
import { coverageGaps } from "../coverage.ts";
import { BadRequestError } from "../errors.ts";
import { byKeys } from "../events_query.ts";
import {
  type Candidate,
  type CandidateField,
  DEFAULT_WEIGHTS,
  parseWeights,
  rank,
  type Weights,
} from "../investigate/rank.ts";
import { isoDate, repeated, validate } from "../validation.ts";

const moment = (what: string) =>
  z.string().max(100).transform((s, ctx) => {
    const d = parseMoment(s);
    if (!d) {
      ctx.addIssue({
        code: "custom",
        message: `${what}: give a time, e.g. 2026-11-30T14:05:00Z, 2026-11-30 14:05 UTC or 10m ago`,
      });
      return z.NEVER;
    }
    return d;
  });
const duration = (what: string, max: number) =>
  z.string().max(20).transform((s, ctx) => {
    const ms = parseWindow(s);
    if (!ms || ms > max) {
      ctx.addIssue({
        code: "custom",
        message: `${what}: give a duration like 30m, 2h or 1d (at most ${formatWindow(max)})`,
      });
      return z.NEVER;
    }
    return ms;
  });

const investigateQuery = z.object({
  at: moment("at"),
  window: duration("window", 7 * 86400_000).default(2 * 3600_000),
  after: duration("after", 86400_000).default(30 * 60_000),
  service: z.string().trim().max(100).optional(),
  environment: z.string().trim().max(100).optional(),
  tag: repeated(z.string().max(64)),
  weights: z.string().max(500).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
}).strict();

/** Changes considered per investigation: the most recent in the window, plus every one of the service's. */
const CANDIDATES = 2000;
/** Changes listed after the moment. */
const AFTER_MAX = 100;

const CANDIDATE_COLUMNS =
  "id, connector, event_type, occurred_at, service, environment, status, author, refs, title";
type CandidateRow = Pick<StoredEventRow, "id" | "connector" | "event_type" | "occurred_at" | CandidateField>;

function candidateFromRow(r: CandidateRow): Candidate {
  return {
    id: r.id,
    connector: r.connector,
    eventType: r.event_type,
    time: new Date(r.occurred_at).toISOString(),
    service: r.service ?? "",
    environment: r.environment ?? "",
    status: r.status,
    author: r.author,
    refs: r.refs,
    title: r.title,
  };
}

/** The full rows of some changes, by their keys. */
async function fullEvents(sql: postgres.Sql, keys: Candidate[]): Promise<Map<string, StoredEvent>> {
  if (keys.length === 0) return new Map();
  const rows = await sql`SELECT ${sql.unsafe(STORED_EVENT_COLUMNS)} FROM change_events
    WHERE ${byKeys(sql, keys)}`;
  return new Map(rows.map((r) => {
    const e = storedEventFromRow(r);
    return [`${e.connector}\u0000${e.id}`, e];
  }));
}

export interface InvestigateDeps {
  sql: postgres.Sql;
  connections: KV;
  /** The kind of an event type (from the connector's metadata). */
  kindOf(connector: string, eventType: string): Promise<ChangeKind | undefined>;
  weights?: Weights;
  now: () => Date;
}

/** The connections coverage is computed for: those in KV, and those only seen polling (connections files). */
async function watchedConnections(deps: InvestigateDeps, from: Date, to: Date): Promise<Connection[]> {
  const stored = await listConnections(deps.connections);
  const known = new Set(stored.map((c) => `${c.connector}.${c.id}`));
  const seen = await deps.sql<{ connector: string; connection_id: string; first: Date }[]>`
    SELECT connector, connection_id, min(at) AS first FROM poll_log
    WHERE at >= ${new Date(from.getTime() - 86400_000)} AND at < ${to} GROUP BY 1, 2`;
  const fromFiles: Connection[] = seen.filter((s) => !known.has(`${s.connector}.${s.connection_id}`)).map((
    s,
  ) => ({
    id: s.connection_id,
    connector: s.connector,
    name: s.connection_id,
    enabled: true,
    pollInterval: 60,
    tags: [],
    config: {},
    secrets: {},
    createdAt: new Date(s.first).toISOString(),
    updatedAt: new Date(s.first).toISOString(),
  }));
  return [...stored, ...fromFiles];
}

export function investigateRoutes(deps: InvestigateDeps) {
  const app = new Hono();
  const cols = (sql: postgres.Sql) => sql.unsafe(STORED_EVENT_COLUMNS);

  app.get("/investigate", validate("query", investigateQuery), async (c) => {
    const q = c.req.valid("query");
    let weights: Weights;
    try {
      weights = parseWeights(q.weights, deps.weights ?? DEFAULT_WEIGHTS);
    } catch (err) {
      throw new BadRequestError(`Invalid request: weights: ${(err as Error).message}`);
    }
    const sql = deps.sql;
    const at = q.at;
    const from = new Date(at.getTime() - q.window);
    const until = new Date(at.getTime() + q.after);
    const tagged = q.tag.length ? sql`AND tags && ${sql.array(q.tag)}::text[]` : sql``;
    // Ranked on light rows; only the changes shown are read in full (descriptions and metadata can be large).
    const light = sql.unsafe(CANDIDATE_COLUMNS);
    const t0 = performance.now();
    const [recent, ofService, after, connections] = await Promise.all([
      sql<CandidateRow[]>`SELECT ${light} FROM change_events
          WHERE occurred_at >= ${from} AND occurred_at <= ${at} ${tagged}
          ORDER BY occurred_at DESC, id DESC LIMIT ${CANDIDATES}`,
      q.service
        ? sql<CandidateRow[]>`SELECT ${light} FROM change_events
              WHERE service = ${q.service} AND occurred_at >= ${from} AND occurred_at <= ${at} ${tagged}
              ORDER BY occurred_at DESC, id DESC LIMIT ${CANDIDATES}`
        : Promise.resolve([]),
      sql`SELECT ${cols(sql)} FROM change_events
          WHERE occurred_at > ${at} AND occurred_at <= ${until} ${tagged}
          ORDER BY occurred_at, id LIMIT ${AFTER_MAX + 1}`,
      watchedConnections(deps, from, until),
    ]);
    const t1 = performance.now();
    const byId = new Map<string, Candidate>();
    for (const r of [...recent, ...ofService]) byId.set(`${r.connector}\u0000${r.id}`, candidateFromRow(r));
    const events = [...byId.values()];
    const kinds = new Map<string, ChangeKind | undefined>();
    for (const e of events) {
      const k = `${e.connector}.${e.eventType}`;
      if (!kinds.has(k)) kinds.set(k, await deps.kindOf(e.connector, e.eventType));
    }
    const ranked = rank(
      events,
      { at, windowMs: q.window, service: q.service, environment: q.environment },
      weights,
      (e) => kinds.get(`${e.connector}.${e.eventType}`),
      q.limit,
    );
    const t2 = performance.now();
    const [full, gaps] = await Promise.all([
      fullEvents(sql, ranked.map((s) => s.event)),
      coverageGaps(sql, connections, from, until, deps.now()),
    ]);
    const changes = ranked.flatMap((s) => {
      const event = full.get(`${s.event.connector}\u0000${s.event.id}`);
      return event ? [{ ...s, event }] : [];
    });
    // Where the time went, for whoever wonders why an answer was slow (browsers' devtools show it).
    const ms = (a: number, b: number) => (b - a).toFixed(1);
    c.header(
      "Server-Timing",
      `candidates;dur=${ms(t0, t1)}, rank;dur=${ms(t1, t2)}, detail;dur=${ms(t2, performance.now())}`,
    );

    return c.json({
      at: at.toISOString(),
      from: from.toISOString(),
      to: until.toISOString(),
      window: formatWindow(q.window),
      service: q.service ?? null,
      environment: q.environment ?? null,
      weights,
      considered: events.length,
      changes,
      after: after.slice(0, AFTER_MAX).map(storedEventFromRow),
      // More changes came after the moment than are listed.
      afterTruncated: after.length > AFTER_MAX,
      gaps,
    });
  });

  app.get(
    "/coverage",
    validate("query", z.object({ from: isoDate, to: isoDate.optional() }).strict()),
    async (c) => {
      const q = c.req.valid("query");
      const to = q.to ?? deps.now();
      if (to <= q.from) throw new BadRequestError("Invalid request: from must be before to");
      if (to.getTime() - q.from.getTime() > 90 * 86400_000) {
        throw new BadRequestError("Invalid request: coverage spans at most 90 days");
      }
      const connections = await watchedConnections(deps, q.from, to);
      return c.json({
        from: q.from.toISOString(),
        to: to.toISOString(),
        gaps: await coverageGaps(deps.sql, connections, q.from, to, deps.now()),
      });
    },
  );

  app.get(
    "/compare",
    validate(
      "query",
      z.object({
        from: moment("from"),
        to: moment("to"),
        service: repeated(z.string().max(100)),
        environment: repeated(z.string().max(100)),
      }).strict(),
    ),
    async (c) => {
      const q = c.req.valid("query");
      if (q.to <= q.from) throw new BadRequestError("Invalid request: from must be before to");
      if (q.to.getTime() - q.from.getTime() > 31 * 86400_000) {
        throw new BadRequestError("Invalid request: compare spans at most 31 days");
      }
      return c.json(await compare(deps.sql, q));
    },
  );

  // What the filters can take: every service, environment and team on record.
  app.get("/facets", async (c) => {
    const [services, environments, teams] = await Promise.all([
      distinctValues(deps.sql, "service"),
      distinctValues(deps.sql, "environment"),
      distinctValues(deps.sql, "team"),
    ]);
    return c.json({ services, environments, teams });
  });

  // Grafana annotations (e.g. through the Infinity data source): epoch milliseconds in, a flat list out.

  app.get(
    "/annotations",
    validate(
      "query",
      z.object({
        from: z.coerce.number().int().min(0),
        to: z.coerce.number().int().min(0),
        service: repeated(z.string().max(100)),
        environment: repeated(z.string().max(100)),
        tag: repeated(z.string().max(64)),
        limit: z.coerce.number().int().min(1).max(5000).default(1000),
      }).strict(),
    ),
    async (c) => {
      const q = c.req.valid("query");
      if (q.to <= q.from) throw new BadRequestError("Invalid request: from must be before to");
      if (q.to - q.from > 400 * 86400_000) throw new BadRequestError("Invalid request: at most 400 days");
      const sql = deps.sql;
      const rows = await sql`
        SELECT ${cols(sql)} FROM change_events
        WHERE occurred_at >= ${new Date(q.from)} AND occurred_at < ${new Date(q.to)}
          ${q.service.length ? sql`AND service IN ${sql(q.service)}` : sql``}
          ${q.environment.length ? sql`AND environment IN ${sql(q.environment)}` : sql``}
          ${q.tag.length ? sql`AND tags && ${sql.array(q.tag)}::text[]` : sql``}
        ORDER BY occurred_at DESC LIMIT ${q.limit}`;
      return c.json(
        rows.map(storedEventFromRow).map((e) => {
          const end = typeof e.metadata.end === "string" ? Date.parse(e.metadata.end) : NaN;
          return {
            time: Date.parse(e.time),
            ...(Number.isFinite(end) && end > Date.parse(e.time) ? { timeEnd: end } : {}),
            title: e.title,
            text: [
              `${e.connector} ${e.eventType}${e.status ? ` (${e.status})` : ""}`,
              [e.service, e.environment].filter(Boolean).join(" · "),
              e.author ? `by ${e.author}` : "",
              e.url,
            ].filter(Boolean).join("\n"),
            tags: [
              ...new Set([e.connector, e.eventType, e.service, e.environment, ...e.tags].filter(Boolean)),
            ],
            id: e.id,
          };
        }),
      );
    },
  );

  return app;
}

/** The distinct non-empty values of an indexed column, by skipping through its index (fast at any size). */
export async function distinctValues(
  sql: postgres.Sql,
  column: "service" | "environment" | "team",
  limit = 500,
): Promise<string[]> {
  const col = sql(column);
  const rows = await sql<{ v: string | null }[]>`
    WITH RECURSIVE s(v) AS (
      (SELECT ${col} FROM change_events WHERE ${col} <> '' ORDER BY ${col} LIMIT 1)
      UNION ALL
      SELECT (SELECT ${col} FROM change_events WHERE ${col} <> '' AND ${col} > s.v ORDER BY ${col} LIMIT 1)
      FROM s WHERE s.v IS NOT NULL
    )
    SELECT v FROM s WHERE v IS NOT NULL LIMIT ${limit}`;
  return rows.map((r) => r.v!);
}
