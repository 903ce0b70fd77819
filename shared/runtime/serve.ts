/**
 * `serveConnector(def)`: what a connector's main.ts calls. Reads its environment (only the variables it names),
 * opens NATS, starts the runtime with the egress policy and secret rules, and stops cleanly on SIGTERM/SIGINT.
 */
import { createLogger, errorFields } from "../log.ts";
import { names } from "../names.ts";
import { importSecretKey } from "../secrets.ts";
import { SECRET_ENV_PREFIX } from "../secret_refs.ts";
import { ensureStreams, openBuckets, openNats } from "../nats.ts";
import { egressFetch, egressPolicy, localAddresses } from "../upstream/egress.ts";
import { connectorEnvSchema, parseEnv, readEnv } from "./config.ts";
import { loadConnectionsFile } from "./connections_file.ts";
import { startConnector } from "./runtime.ts";
import type { ConnectorDefinition } from "./types.ts";

export async function serveConnector(def: ConnectorDefinition): Promise<void> {
  const cfg = parseEnv(connectorEnvSchema, readEnv(connectorEnvSchema));
  const id = def.metadata.id;
  const log = createLogger({ service: `connector-${id}` }, { level: cfg.LOG_LEVEL });
  try {
    const n = names(cfg.PAINCHAIN_PREFIX);
    const nats = await openNats(cfg.NATS_URL, `painchain-connector-${id}`, {
      token: cfg.NATS_TOKEN,
      user: cfg.NATS_USER,
      pass: cfg.NATS_PASSWORD,
    });
    await ensureStreams(nats.jsm, n, { replicas: cfg.PAINCHAIN_STREAM_REPLICAS });
    const buckets = await openBuckets(nats, n, { replicas: cfg.PAINCHAIN_STREAM_REPLICAS });
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
      secretsDir: cfg.PAINCHAIN_SECRETS_DIR,
      // Only CONNECTION_SECRET_* variables, read when a reference asks (the service holds nothing else worth it).
      env: (name) => (name.startsWith(SECRET_ENV_PREFIX) ? Deno.env.get(name) : undefined),
      fetch: egressFetch(
        egressPolicy(
          [cfg.PAINCHAIN_UPSTREAM_ALLOW, inClusterApiServer()].filter(Boolean).join(","),
          localAddresses(),
        ),
      ),
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
  } catch (err) {
    log.error("The connector could not start", errorFields(err));
    Deno.exit(1);
  }
}

/** The API server of the cluster this replica runs in (always allowed: no caller chose it), if any. */
function inClusterApiServer(): string {
  try {
    return Deno.env.get("KUBERNETES_SERVICE_HOST") ?? "";
  } catch {
    return ""; // not granted: this connector does not talk to its own cluster
  }
}
