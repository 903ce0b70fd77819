/** The gateway's Hono app, built from its dependencies so tests can call `app.request()` without a port. */
import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { bodyLimit } from "hono/body-limit";
import { secureHeaders } from "hono/secure-headers";
import type postgres from "postgres";
import { ZodError } from "zod";
import {
  type Buckets,
  describeError,
  errorFields,
  type Logger,
  type Names,
  type Nats,
} from "@painchain/shared";
import { CSP_OVERRIDE, STATUS_BY_ERROR } from "./errors.ts";
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
}

export function createApp(deps: GatewayDeps) {
  const now = deps.now ?? (() => new Date());
  const app = new Hono();

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

  app.route("/api/connectors", connectorsRoutes({ registry: deps.registry, fetch: deps.fetch ?? fetch }));
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
    if (status) return c.json({ error: err.message }, status);
    deps.log.error("Unhandled error", { path: c.req.path, ...errorFields(err) });
    return c.json({ error: "Internal error" }, 500);
  });
  return app;
}
