/** The gateway's Hono app, built from its dependencies so tests can call `app.request()` without a port. */
import { type Context, Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { bodyLimit } from "hono/body-limit";
import { secureHeaders } from "hono/secure-headers";
import type postgres from "postgres";
import { ZodError } from "zod";
import {
  type Buckets,
  createPublisher,
  describeError,
  type EnvLookup,
  errorFields,
  type Logger,
  messageId,
  type Names,
  type Nats,
  unstorableText,
} from "@painchain/shared/internal";
import type { Auth, Principal } from "./auth.ts";
import { createAudit } from "./audit.ts";
import { authMiddleware } from "./auth_middleware.ts";
import { changeApiConnector } from "./change_api/mod.ts";
import { isDatabaseUnavailable } from "./db_errors.ts";
import { STATUS_BY_ERROR, TooManyRequestsError } from "./errors.ts";
import { createLimits, type FailureLimit, type Limits, type RateLimit } from "./limits.ts";
import { clientAddress, rateLimiter } from "./rate_limit.ts";
import { authRoutes, keysRoutes } from "./routes/auth.ts";
import { changesRoutes } from "./routes/changes.ts";
import { webhooksRoutes } from "./routes/webhooks.ts";
import type { Hub } from "./hub.ts";
import type { RegistryCache } from "./registry_cache.ts";
import { connectionsRoutes } from "./routes/connections.ts";
import { connectorsRoutes, LOGO_PATH, logoSecureHeaders } from "./routes/connectors.ts";
import { eventsRoutes } from "./routes/events.ts";
import { healthRoutes } from "./routes/health.ts";
import { teamsRoutes } from "./routes/teams.ts";
import { timelineRoutes } from "./routes/timeline.ts";
import { investigateRoutes } from "./routes/investigate.ts";
import { catalogRoutes } from "./routes/catalog.ts";
import type { Weights } from "./investigate/rank.ts";
import { serveWeb } from "./static.ts";
import { maxJsonDepth } from "./validation.ts";

export interface GatewayDeps {
  sql: postgres.Sql;
  nats: Nats;
  buckets: Buckets;
  names: Names;
  registry: RegistryCache;
  hub: Hub;
  log: Logger;
  webDir: string;
  now?: () => Date;
  sseKeepAliveMs?: number;
  /** How often a live stream checks its caller's credentials are still good. */
  sseRecheckMs?: number;
  /** AES-GCM key sealing connection secrets in KV; null keeps them unencrypted (with a warning at start). */
  secretKey?: CryptoKey | null;
  auth: Auth;
  /** Where `env:CONNECTION_SECRET_*` webhook secret references are looked up. */
  env?: EnvLookup;
  /** The folder `file:` secret references may point into. */
  secretsDir?: string;
  /** Limits of the intake routes (change API, webhooks) per caller; sign-in has its own, stricter one. */
  intakeRateLimit?: RateLimit;
  /** Failed credentials allowed per caller before every credential from it is refused for a while. */
  failureLimit?: FailureLimit;
  /** Shared limits; by default kept in the limits bucket. */
  limits?: Limits;
  /** Proxies in front of the gateway whose X-Forwarded-For is trusted (0: use the socket address). */
  trustedProxies?: number;
  /** Default weights of the investigation ranking (PAINCHAIN_INVESTIGATE_WEIGHTS). */
  investigateWeights?: Weights;
}

/** The deepest JSON body accepted; deeper ones are refused before any parsing or validation. */
const MAX_BODY_DEPTH = 64;

const pageHeaders = secureHeaders({
  contentSecurityPolicy: {
    defaultSrc: ["'self'"],
    imgSrc: ["'self'", "data:"],
    styleSrc: ["'self'", "'unsafe-inline'"],
    scriptSrc: ["'self'"],
    connectSrc: ["'self'"],
    frameAncestors: ["'none'"],
    objectSrc: ["'none'"],
    baseUri: ["'none'"],
  },
  crossOriginResourcePolicy: "same-origin",
});

export function createApp(deps: GatewayDeps) {
  const now = deps.now ?? (() => new Date());
  const app = new Hono<{ Variables: { principal: Principal | null } }>();
  const intake = deps.intakeRateLimit ?? { perMinute: 600, burst: 120 };
  const limits = deps.limits ??
    createLimits({
      kv: deps.buckets.limits,
      log: deps.log,
      ...(deps.failureLimit ? { failures: deps.failureLimit } : {}),
    });
  const audit = createAudit({ js: deps.nats.js, names: deps.names, now });
  const callerOf = (c: Context) => clientAddress(c, deps.trustedProxies ?? 0);

  // Secure headers per route: logos are images under a sandboxing policy, everything else a page of this origin.
  app.use((c, next) => (LOGO_PATH.test(c.req.path) ? logoSecureHeaders(c, next) : pageHeaders(c, next)));
  app.use("/api/*", async (c, next) => {
    let decoded: string;
    try {
      decoded = decodeURIComponent(new URL(c.req.url).pathname + new URL(c.req.url).search);
    } catch {
      return c.json({ error: "Invalid request", detail: "The URL is not validly percent-encoded" }, 400);
    }
    if (decoded.includes("\0")) {
      return c.json({ error: "Invalid request", detail: "NUL characters are not allowed" }, 400);
    }
    await next();
  });
  app.use(
    "/api/*",
    bodyLimit({
      maxSize: 1024 * 1024,
      onError: (c) => c.json({ error: "Request body is larger than 1 MiB" }, 413),
    }),
  );
  app.use("/api/*", async (c, next) => {
    if (c.req.method === "POST" || c.req.method === "PUT") {
      const type = c.req.header("content-type") ?? "";
      if (type.includes("json")) {
        if (maxJsonDepth(await c.req.text()) > MAX_BODY_DEPTH) {
          return c.json(
            { error: "Invalid request", detail: `JSON must nest at most ${MAX_BODY_DEPTH} deep` },
            400,
          );
        }
        // Nothing stored anywhere may hold text Postgres refuses (audit events are made from these bodies too).
        // The change API checks each item itself, so the valid ones of an array still go through.
        const bad = c.req.path === "/api/changes"
          ? null
          : unstorableText(await c.req.json().catch(() => null));
        if (bad) {
          return c.json({
            error: "Invalid request",
            detail: `${bad}: text holds a NUL character or invalid Unicode (a lone surrogate)`,
          }, 400);
        }
      }
    }
    await next();
  });
  app.use("/api/*", authMiddleware({ auth: deps.auth, limits, callerOf }));
  app.use("/api/auth/session", rateLimiter(limits, "signin", { perMinute: 20, burst: 10 }, callerOf));
  app.use(
    "/api/changes",
    rateLimiter(limits, "changes", intake, (c) => c.get("principal")?.id ?? callerOf(c)),
  );
  // Per caller, whatever connection the path names: varying the id buys nothing.
  app.use("/api/webhooks/*", rateLimiter(limits, "webhooks", intake, callerOf));
  // Tests and "sync now" spend an upstream's rate limit with a stored token: metered per caller, and syncs per
  // connection too.
  const byCaller = (c: Context) => c.get("principal")?.id ?? callerOf(c);
  app.post("/api/connections/test", rateLimiter(limits, "tests", { perMinute: 30, burst: 10 }, byCaller));
  app.post("/api/connections/:id/sync", rateLimiter(limits, "syncs", { perMinute: 30, burst: 10 }, byCaller));
  app.post(
    "/api/connections/:id/sync",
    rateLimiter(limits, "sync-connection", { perMinute: 10, burst: 5 }, (c) => c.req.param("id") ?? ""),
  );

  app.route("/api/auth", authRoutes({ auth: deps.auth, limits, callerOf }));
  app.route("/api/keys", keysRoutes({ auth: deps.auth, audit }));
  app.route(
    "/api/changes",
    changesRoutes({
      // Every post is a new version, even of content seen before (on → off → on): what is answered 202 is stored.
      publisher: createPublisher({
        js: deps.nats.js,
        names: deps.names,
        log: deps.log,
        messageId: (e) => `${messageId(e)}@${e.recordedtime}`,
      }),
      now,
    }),
  );
  app.route(
    "/api/webhooks",
    webhooksRoutes({
      js: deps.nats.js,
      kv: deps.buckets.connections,
      names: deps.names,
      registry: deps.registry,
      secretKey: deps.secretKey ?? null,
      env: deps.env ?? {},
      ...(deps.secretsDir ? { secretsDir: deps.secretsDir } : {}),
    }),
  );
  const builtins = [changeApiConnector()];
  app.route(
    "/api/connectors",
    connectorsRoutes({
      registry: deps.registry,
      logos: deps.buckets.logos,
      builtins,
      publicRead: deps.auth.publicRead,
    }),
  );
  /** An event type's kind, from its connector's metadata (registered, or hosted here). */
  const kindOf = async (connector: string, eventType: string) => {
    const meta = builtins.find((b) => b.metadata.id === connector)?.metadata ??
      (await deps.registry.get(connector))?.metadata;
    return meta?.eventTypes[eventType]?.kind;
  };
  app.route(
    "/api",
    investigateRoutes({
      sql: deps.sql,
      connections: deps.buckets.connections,
      kindOf,
      now,
      ...(deps.investigateWeights ? { weights: deps.investigateWeights } : {}),
    }),
  );
  app.route("/api/catalog", catalogRoutes({ kv: deps.buckets.catalog, sql: deps.sql, audit, now }));
  app.route(
    "/api/events",
    eventsRoutes({
      sql: deps.sql,
      hub: deps.hub,
      auth: deps.auth,
      keepAliveMs: deps.sseKeepAliveMs,
      recheckMs: deps.sseRecheckMs,
      callerOf,
    }),
  );
  app.route("/api/timeline", timelineRoutes({ sql: deps.sql, now }));
  app.route(
    "/api/connections",
    connectionsRoutes({
      kv: deps.buckets.connections,
      nc: deps.nats.nc,
      names: deps.names,
      registry: deps.registry,
      now,
      secretKey: deps.secretKey ?? null,
      audit,
      ...(deps.secretsDir ? { secretsDir: deps.secretsDir } : {}),
    }),
  );
  app.route("/api/teams", teamsRoutes({ kv: deps.buckets.teams, audit }));
  app.route("/api/health", healthRoutes({ sql: deps.sql, nc: deps.nats.nc }));
  app.all("/api/*", (c) => c.json({ error: "No such API route" }, 404));
  app.get("*", serveWeb(deps.webDir));

  app.onError((err, c) => {
    if (err instanceof HTTPException) {
      const res = err.getResponse();
      return c.json({ error: err.message || res.statusText || "Request failed" }, res.status as 400);
    }
    if (err instanceof ZodError) return c.json({ error: "Invalid request", detail: describeError(err) }, 400);
    if (err instanceof URIError) {
      return c.json({ error: "Invalid request", detail: "The URL is not validly percent-encoded" }, 400);
    }
    if (isDatabaseUnavailable(err)) {
      deps.log.warn("Database unavailable", { path: c.req.path, ...errorFields(err) });
      return c.json({ error: "The database is unavailable; try again shortly" }, 503, { "retry-after": "5" });
    }
    const status = STATUS_BY_ERROR[err.name];
    // Postgres data exceptions (class 22) come from input that slipped past validation: still the client's.
    if (!status && /^22/.test(String((err as { code?: string }).code ?? ""))) {
      return c.json({ error: "Invalid request", detail: "A value is out of range or malformed" }, 400);
    }
    if (status === 401) {
      return c.json({ error: err.message }, 401, { "www-authenticate": 'Bearer realm="painchain"' });
    }
    if (err instanceof TooManyRequestsError) {
      return c.json({ error: err.message }, 429, { "retry-after": String(err.retryAfter) });
    }
    if (status) return c.json({ error: err.message }, status);
    deps.log.error("Unhandled error", { path: c.req.path, ...errorFields(err) });
    return c.json({ error: "Internal error" }, 500);
  });
  return app;
}
