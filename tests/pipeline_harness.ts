/** The whole pipeline in one process: NATS (isolated prefix) → store → Postgres (own database) → gateway app. */
import {
  type ConnectorDefinition,
  type RunningConnector,
  silentLogger,
  startConnector,
} from "@painchain/shared";
import { createApp, createHub, createRegistryCache } from "@painchain/gateway";
import { createSql, migrate, startStoreConsumer } from "@painchain/store";
import { createTestDb, createTestNats } from "./helpers.ts";

/** The gateway app over a test database and NATS prefix: no registry cache, no web bundle, quick SSE keep-alives. */
export function testGateway(
  sql: ReturnType<typeof createSql>,
  tn: Awaited<ReturnType<typeof createTestNats>>,
  opts: { fetch?: typeof fetch } = {},
) {
  const hub = createHub(tn.nats.nc, tn.names.storedSubject);
  const app = createApp({
    sql,
    nats: tn.nats,
    buckets: tn.buckets,
    names: tn.names,
    registry: createRegistryCache(tn.buckets.registry, 0),
    hub,
    log: silentLogger,
    webDir: "/nonexistent",
    sseKeepAliveMs: 200,
    ...(opts.fetch ? { fetch: opts.fetch } : {}),
  });
  return { app, hub };
}

export async function startPipeline() {
  const db = await createTestDb();
  const tn = await createTestNats();
  const sql = createSql(db.url);
  await migrate(sql);
  const store = await startStoreConsumer({ nats: tn.nats, sql, names: tn.names, log: silentLogger });
  const { app, hub } = testGateway(sql, tn);
  const connectors: RunningConnector[] = [];
  return {
    app,
    sql,
    tn,
    store,
    async connector(def: ConnectorDefinition, instanceId = "test-1") {
      const c = await startConnector(def, {
        ...tn,
        log: silentLogger,
        instanceId,
        httpHostname: "127.0.0.1",
        heartbeatMs: 500,
      });
      connectors.push(c);
      return c;
    },
    /** GET /api/events with a query string; the events of the page. */
    async events(qs: string) {
      const res = await app.request(`/api/events?${qs}`);
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
      await store.stop();
      hub.close();
      await sql.end();
      await tn.cleanup();
      await db.drop();
    },
  };
}
