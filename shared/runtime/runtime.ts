/**
 * The connector runtime: a composition of small parts. A connector supplies metadata, a logo and a `poll` (or a
 * long-running `run`); the runtime adds the health server, replica membership, workers per connection with leases
 * and cursors, status history, control requests (test, validate, sync now), webhook intake and publishing.
 */
import { type Connection, connectionKey, connectionSchema } from "../connection.ts";
import { type MappedChange, type PainchainCloudEvent, toCloudEvent } from "../event.ts";
import type { Logger } from "../log.ts";
import { connectorMetadataSchema } from "../metadata.ts";
import { checkMetadata } from "../metadata_file.ts";
import { decoder } from "../nats.ts";
import { bindingsOf, isReference } from "../secrets.ts";
import { removeInstance } from "../registry.ts";
import { serveSync, serveTests } from "./control.ts";
import { createCursors } from "./cursors.ts";
import { describeError } from "./errors.ts";
import { readLogo, startHealthServer } from "./health_server.ts";
import { createLeases } from "./lease.ts";
import { createWorkerPool, watchConnections } from "./pool.ts";
import { createPublisher } from "./publisher.ts";
import { startReplicas } from "./replicas.ts";
import { createSecretOpener } from "../secret_refs.ts";
import { runSingleton } from "./singleton.ts";
import { stateStore } from "./state_store.ts";
import { createStatusBoard } from "./status.ts";
import type { ConnectorDefinition, RunningConnector, RuntimeDeps } from "./types.ts";
import { keepWebhookIntake } from "./webhooks.ts";
import { startWorker } from "./worker.ts";

export { describeError } from "./errors.ts";
export { loadConnectionsFile } from "./connections_file.ts";
export type * from "./types.ts";

export async function startConnector(def: ConnectorDefinition, deps: RuntimeDeps): Promise<RunningConnector> {
  const metadata = def.folder
    ? await checkMetadata(def.metadata, def.folder)
    : connectorMetadataSchema.parse(def.metadata);
  const logoFile = def.logo ?? (def.folder ? new URL(metadata.logo, def.folder) : null);
  if (!logoFile) throw new Error(`Connector "${metadata.id}" gives neither a logo nor its folder`);
  const id = metadata.id;
  const log = deps.log.child({ connector: id, instanceId: deps.instanceId });
  const now = deps.now ?? (() => new Date());
  const doFetch = deps.fetch ?? fetch;
  const root = new AbortController();
  const signal = root.signal;
  const tasks: Promise<unknown>[] = [];
  const publisher = createPublisher({ js: deps.nats.js, names: deps.names, log });
  const leases = createLeases(deps.buckets.leases, deps.instanceId, deps.leaseTtlMs ?? 15_000);
  const cursors = createCursors(deps.buckets.cursors, id, deps.instanceId, now);
  const statuses = createStatusBoard({
    js: deps.nats.js,
    names: deps.names,
    connector: id,
    instanceId: deps.instanceId,
    log,
  });
  const open = createSecretOpener({
    key: deps.secretKey ?? null,
    env: deps.env ?? {},
    ...(deps.secretsDir ? { secretsDir: deps.secretsDir } : {}),
  });
  const opened = async (c: Connection): Promise<Connection> => ({
    ...c,
    secrets: await open(c.secrets, bindingsOf(metadata.configSchema, c)),
  });

  const logo = await readLogo(logoFile);
  const server = startHealthServer({
    metadata,
    logo,
    instanceId: deps.instanceId,
    healthy: () => !deps.nats.nc.isClosed(),
    port: deps.httpPort ?? 0,
    hostname: deps.httpHostname ?? "0.0.0.0",
    ...(deps.advertiseUrl ? { advertiseUrl: deps.advertiseUrl } : {}),
    signal,
  });
  const replicas = await startReplicas({
    registry: deps.buckets.registry,
    logos: deps.buckets.logos,
    logo,
    metadata,
    instanceId: deps.instanceId,
    url: server.url,
    heartbeatMs: deps.heartbeatMs ?? 5_000,
    statuses: statuses.all,
    now,
    log,
  });
  tasks.push(replicas.run(signal));

  /** Maps, validates and publishes; a mapping that breaks the contract is dropped and logged, not published. */
  const publish = async (changes: MappedChange[], connectionId: string, clog: Logger, s: AbortSignal) => {
    const recordedAt = now();
    const events: PainchainCloudEvent[] = [];
    for (const change of changes) {
      try {
        events.push(toCloudEvent(change, { connector: id, connectionId, recordedAt }));
      } catch (err) {
        clog.warn("Dropped an invalid change from the mapping", {
          upstreamId: String(change.upstreamId),
          eventType: change.eventType,
          reason: describeError(err),
        });
      }
    }
    return await publisher.publish(events, s);
  };

  if (def.run) {
    const run = def.run;
    tasks.push(runSingleton({
      key: `${id}._run`,
      leases,
      log,
      signal,
      work: (s) =>
        run({
          signal: s,
          log,
          fetch: doFetch,
          now,
          nats: deps.nats,
          buckets: deps.buckets,
          names: deps.names,
          emit: (changes, connectionId) => publish(changes, connectionId, log, s),
          loadCursor: async () => (await cursors.load("_run"))?.cursor ?? null,
          saveCursor: (c) => cursors.save("_run", c),
        }),
    }));
  }

  const subs = serveTests({
    nc: deps.nats.nc,
    names: deps.names,
    connector: id,
    def,
    open: opened,
    context: () => ({ log, fetch: doFetch, now }),
    signal,
    log,
  });

  const fileConnections = deps.fileConnections ?? [];
  const pool = createWorkerPool((c) =>
    startWorker(c, {
      poll: def.poll!,
      connector: id,
      instanceId: deps.instanceId,
      leases,
      cursors,
      statuses,
      ownerOf: (connectionId) => replicas.ownerOf(connectionId, pool.ids()),
      publish,
      open: opened,
      provenance: (c) => ({
        fromFile: fileConnections.includes(c),
        references: Object.entries(c.secrets).filter(([, v]) => isReference(v)).map(([k]) => k),
      }),
      state: (connectionId) => stateStore(deps.buckets.state, id, connectionId),
      fetch: doFetch,
      now,
      log,
      beat: replicas.beat,
    }, signal)
  );
  let stopWatch: (() => Promise<void>) | null = null;
  if (def.poll) {
    for (const c of fileConnections) await pool.apply(c, c.id);
    stopWatch = await watchConnections({
      kv: deps.buckets.connections,
      connector: id,
      fileIds: new Set(fileConnections.map((c) => c.id)),
      pool,
      log,
      signal,
    });
    subs.push(
      serveSync({ nc: deps.nats.nc, names: deps.names, connector: id, instanceId: deps.instanceId, pool }),
    );
  }

  if (def.webhook) {
    const fileById = new Map(fileConnections.map((c) => [c.id, c]));
    tasks.push(keepWebhookIntake({
      nats: deps.nats,
      names: deps.names,
      connector: id,
      log,
      signal,
      connection: async (connectionId) => {
        const file = fileById.get(connectionId);
        if (file) return file;
        const e = await deps.buckets.connections.get(connectionKey(id, connectionId));
        return e && e.operation === "PUT"
          ? connectionSchema.parse(JSON.parse(decoder.decode(e.value)))
          : null;
      },
      map: def.webhook,
      emit: (changes, connectionId) => publish(changes, connectionId, log, signal),
    }));
  }

  log.info("Connector started", { url: server.url, port: server.port });
  return {
    metadata,
    url: server.url,
    instanceId: deps.instanceId,
    statuses: statuses.all,
    async stop() {
      for (const s of subs) s.unsubscribe();
      root.abort();
      await pool.stopAll();
      await stopWatch?.();
      await Promise.allSettled(tasks);
      await server.finished;
      await removeInstance(deps.buckets.registry, id, deps.instanceId);
      log.info("Connector stopped");
    },
  };
}
