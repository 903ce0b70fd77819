/** The gateway's Hono app, built from its dependencies so tests can call `app.request()` without a port. */
import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { bodyLimit } from "hono/body-limit";
import { getCookie } from "hono/cookie";
import { secureHeaders } from "hono/secure-headers";
import type postgres from "postgres";
import { ZodError } from "zod";
import {
  type Buckets,
  createPublisher,
  describeError,
  errorFields,
  type Logger,
  type Names,
  type Nats,
} from "@painchain/shared";
import { allows, type Auth, AuthError, ForbiddenError, type Principal, SESSION_COOKIE } from "./auth.ts";
import { customConnector } from "./custom/mod.ts";
import { CSP_OVERRIDE, STATUS_BY_ERROR } from "./errors.ts";
import { requirementOf } from "./policy.ts";
import { clientAddress, type RateLimit, rateLimiter } from "./rate_limit.ts";
import { authRoutes, keysRoutes } from "./routes/auth.ts";
import { changesRoutes } from "./routes/changes.ts";
import { webhooksRoutes } from "./routes/webhooks.ts";
import type { Hub } from "./hub.ts";
import type { RegistryCache } from "./registry_cache.ts";
import { connectionsRoutes } from "./routes/connections.ts";
import { connectorsRoutes } from "./routes/connectors.ts";
import { eventsRoutes } from "./routes/events.ts";
import { healthRoutes } from "./routes/health.ts";
import { teamsRoutes } from "./routes/teams.ts";
import { timelineRoutes } from "./routes/timeline.ts";
import { serveWeb } from "./static.ts";

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
  fetch?: typeof fetch;
  sseKeepAliveMs?: number;
  /** AES-GCM key sealing connection secrets in KV; null keeps them unencrypted (with a warning at start). */
  secretKey?: CryptoKey | null;
  auth: Auth;
  /** Where `env:NAME` webhook secret references are looked up. */
  env?: Record<string, string>;
  /** Limits of the intake routes (change API, webhooks) per caller; sign-in has its own, stricter one. */
  intakeRateLimit?: RateLimit;
  /** Proxies in front of the gateway whose X-Forwarded-For is trusted (0: use the socket address). */
  trustedProxies?: number;
}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

function bearerOf(header: string | undefined): string | null {
  if (header === undefined) return null;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!m) throw new AuthError("Authorization must be 'Bearer <token or API key>'");
  return m[1]!;
}

export function createApp(deps: GatewayDeps) {
  const now = deps.now ?? (() => new Date());
  const app = new Hono<{ Variables: { principal: Principal | null } }>();
  const intake = deps.intakeRateLimit ?? { perMinute: 600, burst: 120 };

  // A route may ask for a stricter policy (e.g. sandboxed svg logos) than the one secureHeaders sets below.
  app.use(async (c, next) => {
    await next();
    const csp = c.res.headers.get(CSP_OVERRIDE);
    if (csp) {
      c.res.headers.set("content-security-policy", csp);
      c.res.headers.delete(CSP_OVERRIDE);
    }
  });
  app.use(secureHeaders({
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
  }));
  app.use("/api/*", async (c, next) => {
    if (decodeURIComponent(c.req.url.replace(/%(?![0-9a-fA-F]{2})/g, "%25")).includes("\0")) {
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

  // Who is calling, and may they? The table is in policy.ts.
  app.use("/api/*", async (c, next) => {
    const need = requirementOf(c.req.method, c.req.path);
    if (need === "signature") return await next();
    const bearer = bearerOf(c.req.header("authorization"));
    let principal: Principal | null = null;
    try {
      principal = await deps.auth.authenticate(bearer, getCookie(c, SESSION_COOKIE) ?? null);
    } catch (err) {
      // A stale cookie does not block public routes (e.g. signing in again).
      if (!(err instanceof AuthError) || bearer !== null || need !== "public") throw err;
    }
    c.set("principal", principal);
    if (need === "public" || (need === "read" && !principal && deps.auth.publicRead)) return await next();
    if (!principal) throw new AuthError("Sign in, or send Authorization: Bearer <token or API key>");
    if (!allows(principal, need)) {
      throw new ForbiddenError(
        need === "admin" ? "Only the admin may do this" : `This needs the ${need} scope`,
      );
    }
    // A session cookie is sent by the browser on its own: unsafe requests must come from this very origin.
    if (principal.via === "session" && !SAFE_METHODS.has(c.req.method)) {
      const origin = c.req.header("origin");
      if (
        c.req.header("sec-fetch-site") === "cross-site" ||
        (origin && new URL(origin).host !== new URL(c.req.url).host)
      ) {
        throw new ForbiddenError("Cross-site request refused");
      }
    }
    await next();
  });
  const addr = (c: Parameters<typeof clientAddress>[0]) => clientAddress(c, deps.trustedProxies ?? 0);
  app.use("/api/auth/session", rateLimiter({ perMinute: 20, burst: 10 }, addr));
  app.use("/api/changes", rateLimiter(intake, (c) => c.get("principal")?.id ?? addr(c)));
  app.use(
    "/api/webhooks/*",
    rateLimiter(intake, (c) => `${addr(c)} ${c.req.path}`),
  );

  app.route("/api/auth", authRoutes({ auth: deps.auth }));
  app.route("/api/keys", keysRoutes({ auth: deps.auth }));
  app.route(
    "/api/changes",
    changesRoutes({
      publisher: createPublisher({ js: deps.nats.js, names: deps.names, log: deps.log }),
      now,
    }),
  );
  app.route(
    "/api/webhooks",
    webhooksRoutes({
      js: deps.nats.js,
      kv: deps.buckets.connections,
      names: deps.names,
      secretKey: deps.secretKey ?? null,
      env: deps.env ?? {},
    }),
  );
  app.route(
    "/api/connectors",
    connectorsRoutes({ registry: deps.registry, fetch: deps.fetch ?? fetch, builtins: [customConnector] }),
  );
  app.route("/api/events", eventsRoutes({ sql: deps.sql, hub: deps.hub, keepAliveMs: deps.sseKeepAliveMs }));
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
    }),
  );
  app.route("/api/teams", teamsRoutes({ kv: deps.buckets.teams }));
  app.route("/api/health", healthRoutes({ sql: deps.sql, nc: deps.nats.nc }));
  app.all("/api/*", (c) => c.json({ error: "No such API route" }, 404));
  app.get("*", serveWeb(deps.webDir));

  app.onError((err, c) => {
    if (err instanceof HTTPException) {
      const res = err.getResponse();
      return c.json({ error: err.message || res.statusText || "Request failed" }, res.status as 400);
    }
    if (err instanceof ZodError) return c.json({ error: "Invalid request", detail: describeError(err) }, 400);
    const status = STATUS_BY_ERROR[err.name];
    // Postgres data exceptions (class 22) come from input that slipped past validation: still the client's.
    if (!status && /^22/.test(String((err as { code?: string }).code ?? ""))) {
      return c.json({ error: "Invalid request", detail: err.message }, 400);
    }
    if (status === 401) {
      return c.json({ error: err.message }, 401, { "www-authenticate": 'Bearer realm="painchain"' });
    }
    if (status) return c.json({ error: err.message }, status);
    deps.log.error("Unhandled error", { path: c.req.path, ...errorFields(err) });
    return c.json({ error: "Internal error" }, 500);
  });
  return app;
}
