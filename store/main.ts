/** The store service: migrations, then the durable consumer writing ChangeEvents to Postgres. */
import {
  createLogger,
  ensureStreams,
  names,
  openBuckets,
  openNats,
  parseEnv,
  readEnv,
} from "@painchain/shared/internal";
import { publishCatalogFile } from "./catalog.ts";
import { storeEnvSchema } from "./config.ts";
import { startStore } from "./service.ts";
import { createSql, STORE_SESSION_SETTINGS } from "./db.ts";
import { migrate } from "./migrate.ts";

const cfg = parseEnv(storeEnvSchema, readEnv(storeEnvSchema));
const log = createLogger({ service: "store" }, { level: cfg.LOG_LEVEL });
const n = names(cfg.PAINCHAIN_PREFIX);
const sql = createSql(cfg.DATABASE_URL, {
  max: cfg.STORE_CONCURRENCY + 1,
  name: "painchain-store",
  settings: STORE_SESSION_SETTINGS,
});

for (let attempt = 1;; attempt++) {
  try {
    const applied = await migrate(sql);
    log.info("Migrations applied", { applied });
    break;
  } catch (err) {
    if (attempt >= 30) throw err;
    log.warn("Database not ready, retrying", { attempt, error: String(err) });
    await new Promise((r) => setTimeout(r, 1_000));
  }
}

const nats = await openNats(cfg.NATS_URL, "painchain-store", {
  token: cfg.NATS_TOKEN,
  user: cfg.NATS_USER,
  pass: cfg.NATS_PASSWORD,
});
await ensureStreams(nats.jsm, n, { replicas: cfg.PAINCHAIN_STREAM_REPLICAS });
const buckets = await openBuckets(nats, n, { replicas: cfg.PAINCHAIN_STREAM_REPLICAS });
if (cfg.PAINCHAIN_CATALOG_FILE) {
  const rules = await publishCatalogFile(buckets.catalog, cfg.PAINCHAIN_CATALOG_FILE);
  log.info("Service catalog file loaded", { file: cfg.PAINCHAIN_CATALOG_FILE, rules });
}
const store = await startStore({
  nats,
  sql,
  names: n,
  buckets,
  log,
  batchMax: cfg.STORE_BATCH_MAX,
  windowMs: cfg.STORE_BATCH_WINDOW_MS,
  retryDelayMs: cfg.STORE_RETRY_DELAY_MS,
  concurrency: cfg.STORE_CONCURRENCY,
  ackWaitMs: cfg.STORE_ACK_WAIT_MS,
  retentionDays: cfg.PAINCHAIN_RETENTION_DAYS,
});
log.info("Store consuming", { stream: n.eventsStream, consumer: n.storeConsumer });

const statsTimer = setInterval(() => log.info("Store stats", { ...store.consumer.stats }), 60_000);
let stopping = false;
const shutdown = async () => {
  if (stopping) return;
  stopping = true;
  clearInterval(statsTimer);
  log.info("Draining");
  await store.stop();
  await nats.nc.drain();
  await sql.end({ timeout: 5 });
  log.info("Stopped", { ...store.consumer.stats });
  Deno.exit(0);
};
Deno.addSignalListener("SIGTERM", shutdown);
Deno.addSignalListener("SIGINT", shutdown);
