/** The gateway service: config -> clients -> app -> serve -> SIGTERM. */
import { fileURLToPath } from "node:url";
import {
  createLogger,
  createSql,
  ensureStreams,
  importSecretKey,
  names,
  openBuckets,
  openNats,
  parseEnv,
  readEnv,
  SECRET_ENV_PREFIX,
  STORED_EVENT_COLUMNS,
  storedEventFromRow,
} from "@painchain/shared/internal";

import { createApp } from "./app.ts";
import { byKeys } from "./events_query.ts";
import { createAuth } from "./auth.ts";
import { gatewayEnvSchema } from "./config.ts";
import { createHub } from "./hub.ts";
import { createRegistryCache } from "./registry_cache.ts";
import { parseWeights } from "./investigate/rank.ts";

const cfg = parseEnv(gatewayEnvSchema, readEnv(gatewayEnvSchema));
const log = createLogger({ service: "gateway" }, { level: cfg.LOG_LEVEL });
const n = names(cfg.PAINCHAIN_PREFIX);
// Reads (all the gateway does with Postgres) go to the read replica when there is one.
const sql = createSql(cfg.DATABASE_READ_URL ?? cfg.DATABASE_URL, { max: 8, name: "painchain-gateway" });

const nats = await openNats(cfg.NATS_URL, "painchain-gateway", {
  token: cfg.NATS_TOKEN,
  user: cfg.NATS_USER,
  pass: cfg.NATS_PASSWORD,
});
await ensureStreams(nats.jsm, n, { replicas: cfg.PAINCHAIN_STREAM_REPLICAS });
const buckets = await openBuckets(nats, n, { replicas: cfg.PAINCHAIN_STREAM_REPLICAS });
// Changes too large to announce whole are announced by key and read here.
const hub = createHub(nats.nc, n.storedSubject, async (refs) => {
  const rows = await sql`
    SELECT ${sql.unsafe(STORED_EVENT_COLUMNS)} FROM change_events
    WHERE ${byKeys(sql, refs)}`;
  return rows.map(storedEventFromRow);
});
const secretKey = await importSecretKey(cfg.PAINCHAIN_SECRET_KEY);
if (!secretKey) {
  log.warn("PAINCHAIN_SECRET_KEY is not set: connection secrets are stored unencrypted in NATS KV");
}
const app = createApp({
  sql,
  nats,
  buckets,
  names: n,
  registry: createRegistryCache(buckets.registry),
  hub,
  log,
  webDir: cfg.WEB_DIR ?? fileURLToPath(new URL("../web/dist", import.meta.url)),
  secretKey,
  auth: createAuth({
    adminToken: cfg.PAINCHAIN_ADMIN_TOKEN,
    keys: buckets.apiKeys,
    sessions: buckets.sessions,
    publicRead: cfg.PAINCHAIN_PUBLIC_READ,
  }),
  // Only CONNECTION_SECRET_* variables, read when a webhook secret reference asks for one.
  env: (name) => (name.startsWith(SECRET_ENV_PREFIX) ? Deno.env.get(name) : undefined),
  secretsDir: cfg.PAINCHAIN_SECRETS_DIR,
  intakeRateLimit: { perMinute: cfg.PAINCHAIN_INTAKE_PER_MINUTE, burst: cfg.PAINCHAIN_INTAKE_BURST },
  trustedProxies: cfg.PAINCHAIN_TRUSTED_PROXIES,
  investigateWeights: parseWeights(cfg.PAINCHAIN_INVESTIGATE_WEIGHTS),
});

const ac = new AbortController();
const server = Deno.serve({
  port: cfg.PORT,
  hostname: cfg.HOST,
  signal: ac.signal,
  onListen: ({ port }) => log.info("Gateway listening", { port, url: `http://localhost:${port}` }),
}, app.fetch);

const shutdown = async () => {
  if (ac.signal.aborted) return;
  ac.abort();
  hub.close();
  await server.finished.catch(() => {});
  await nats.nc.drain();
  await sql.end({ timeout: 5 });
  Deno.exit(0);
};
Deno.addSignalListener("SIGTERM", shutdown);
Deno.addSignalListener("SIGINT", shutdown);
