/** The whole pipeline in one process: NATS (isolated prefix) → store → Postgres (own database) → gateway app. */
import {
  type ConnectorDefinition,
  type RunningConnector,
  silentLogger,
  startConnector,
} from "@painchain/shared/internal";
import {
  createApp,
  createAuth,
  createHub,
  createRegistryCache,
  type FailureLimit,
  type RateLimit,
} from "@painchain/gateway";
import { type createSql, startStore } from "@painchain/store";
import { type createTestNats, json, serviceTest } from "./helpers.ts";
import { migratedEnv } from "./store_db.ts";

/** The admin token of every test gateway. */
export const TEST_ADMIN_TOKEN = "test-admin-token-0123456789";

type App = ReturnType<typeof createApp>;

export interface GatewayOptions {
  /** TEST_ADMIN_TOKEN unless given (a gateway restarted with a rotated token). */
  adminToken?: string;
  publicRead?: boolean;
  intakeRateLimit?: RateLimit;
  webDir?: string;
  env?: Record<string, string>;
  sseRecheckMs?: number;
  failureLimit?: FailureLimit;
}

/** The app as the admin calls it: every request carries the admin token unless it sets its own Authorization. */
export function asAdmin(app: App, token = TEST_ADMIN_TOKEN) {
  const withAuth = (init: RequestInit = {}): RequestInit => {
    const headers = new Headers(init.headers);
    if (!headers.has("authorization")) headers.set("authorization", `Bearer ${token}`);
    return { ...init, headers };
  };
  return {
    request: (input: string | Request | URL, init?: RequestInit) => app.request(input, withAuth(init)),
    fetch: (req: Request, info?: Deno.ServeHandlerInfo) => {
      const headers = new Headers(req.headers);
      if (!headers.has("authorization")) headers.set("authorization", `Bearer ${token}`);
      return app.fetch(new Request(req, { headers }), info);
    },
  };
}

/** The gateway app over a test database and NATS prefix: no registry cache, no web bundle, quick SSE keep-alives.
 * `app` sends the admin token with every request; `raw` sends only what the test gives. */
export function testGateway(
  sql: ReturnType<typeof createSql>,
  tn: Awaited<ReturnType<typeof createTestNats>>,
  opts: GatewayOptions = {},
) {
  const hub = createHub(tn.nats.nc, tn.names.storedSubject);
  const raw = createApp({
    sql,
    nats: tn.nats,
    buckets: tn.buckets,
    names: tn.names,
    registry: createRegistryCache(tn.buckets.registry, 0),
    hub,
    log: silentLogger,
    webDir: opts.webDir ?? "/nonexistent",
    sseKeepAliveMs: 200,
    auth: createAuth({
      adminToken: opts.adminToken ?? TEST_ADMIN_TOKEN,
      keys: tn.buckets.apiKeys,
      sessions: tn.buckets.sessions,
      publicRead: opts.publicRead ?? false,
    }),
    ...(opts.intakeRateLimit ? { intakeRateLimit: opts.intakeRateLimit } : {}),
    ...(opts.env ? { env: opts.env } : {}),
    ...(opts.sseRecheckMs ? { sseRecheckMs: opts.sseRecheckMs } : {}),
    ...(opts.failureLimit ? { failureLimit: opts.failureLimit } : {}),
  });
  const app = asAdmin(raw, opts.adminToken);
  /** POST /api/connections as the admin. */
  const createConnection = (body: unknown) => app.request("/api/connections", json("POST", body));
  return { app, raw, hub, createConnection };
}

export interface PipelineOptions {
  gateway?: GatewayOptions;
}

export type Pipeline = Awaited<ReturnType<typeof startPipeline>>;

/** A serviceTest over a pipeline of its own (store, gateway, database, NATS prefix), closed afterwards. */
export function pipelineTest(
  name: string,
  fn: (pl: Pipeline, t: Deno.TestContext) => Promise<void>,
  opts: PipelineOptions = {},
): void {
  serviceTest(name, async (t) => {
    const pl = await startPipeline(opts);
    try {
      await fn(pl, t);
    } finally {
      await pl.close();
    }
  });
}

export async function startPipeline(opts: PipelineOptions = {}) {
  const { db, tn, sql } = await migratedEnv();
  const service = await startStore({
    nats: tn.nats,
    sql,
    names: tn.names,
    buckets: tn.buckets,
    log: silentLogger,
  });
  const store = service.consumer;
  const gw = testGateway(sql, tn, opts.gateway);
  const connectors: RunningConnector[] = [];
  return {
    ...gw,
    sql,
    tn,
    store,
    /** Resolves when the store has re-derived every row for the current service catalog. */
    settled: () => service.settled(),
    async connector(def: ConnectorDefinition, instanceId = "test-1", log = silentLogger) {
      const c = await startConnector(def, {
        ...tn,
        log,
        instanceId,
        httpHostname: "127.0.0.1",
        heartbeatMs: 500,
      });
      connectors.push(c);
      return c;
    },
    /** Stops every connector replica started here (as a crash or a redeploy would). */
    async stopConnectors() {
      for (const c of connectors.splice(0)) await c.stop();
    },
    /** GET /api/events with a query string; the events of the page. */
    async events(qs: string) {
      const res = await gw.app.request(`/api/events?${qs}`);
      return (await res.json()).events as {
        id: string;
        eventType: string;
        status: string;
        version: number;
        tags: string[];
        metadata: Record<string, unknown>;
      }[];
    },
    async close() {
      for (const c of connectors) await c.stop().catch(() => {});
      await service.stop();
      gw.hub.close();
      await sql.end();
      await tn.cleanup();
      await db.drop();
    },
  };
}
