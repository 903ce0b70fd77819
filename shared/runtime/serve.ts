/**
 * `serveConnector(def)`: what a connector's main.ts calls. Reads env, opens NATS, starts the runtime and stops
 * cleanly on SIGTERM/SIGINT.
 */
import { createLogger } from "../log.ts";
import { names } from "../names.ts";
import { importSecretKey } from "../secrets.ts";
import { ensureStreams, openBuckets, openNats } from "../nats.ts";
import { connectorEnvSchema, parseEnv } from "./config.ts";
import { type ConnectorDefinition, loadConnectionsFile, startConnector } from "./runtime.ts";

export async function serveConnector(def: ConnectorDefinition): Promise<void> {
  const env = Deno.env.toObject();
  const cfg = parseEnv(connectorEnvSchema, env);
  const id = def.metadata.id;
  const log = createLogger({ service: `connector-${id}` }, { level: cfg.LOG_LEVEL });
  const n = names(cfg.PAINCHAIN_PREFIX);
  const nats = await openNats(cfg.NATS_URL, `painchain-connector-${id}`);
  await ensureStreams(nats.jsm, n);
  const buckets = await openBuckets(nats, n);
  const fileConnections = cfg.PAINCHAIN_CONNECTIONS_FILE
    ? await loadConnectionsFile(cfg.PAINCHAIN_CONNECTIONS_FILE, id)
    : [];
  const running = await startConnector(def, {
    nats,
    buckets,
    names: n,
    log,
    instanceId: cfg.INSTANCE_ID ?? `${Deno.hostname()}-${crypto.randomUUID().slice(0, 8)}`,
    httpPort: cfg.CONNECTOR_PORT,
    httpHostname: cfg.CONNECTOR_HOST,
    ...(cfg.CONNECTOR_ADVERTISE_URL ? { advertiseUrl: cfg.CONNECTOR_ADVERTISE_URL } : {}),
    fileConnections,
    heartbeatMs: cfg.HEARTBEAT_MS,
    leaseTtlMs: cfg.LEASE_TTL_MS,
    secretKey: await importSecretKey(cfg.PAINCHAIN_SECRET_KEY),
    env,
  });
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await running.stop();
    await nats.nc.drain();
    Deno.exit(0);
  };
  Deno.addSignalListener("SIGTERM", stop);
  Deno.addSignalListener("SIGINT", stop);
}
