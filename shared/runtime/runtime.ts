/**
 * The connector runtime. A connector supplies metadata, a logo and a `poll` (or a long-running `run`); the
 * runtime owns everything else: connections from KV (watched) and from a file, one loop per connection with
 * jitter and backoff, leases shared by replicas, cursors in KV, publishing, the registry heartbeat, status
 * history, "sync now" requests, and the small HTTP server with /logo and /healthz.
 */
import type { KV, Subscription } from "nats";
import { parse as parseYaml } from "yaml";
import { ZodError } from "zod";
import { type Connection, connectionKey, connectionSchema } from "../connection.ts";
import { type MappedChange, type PainchainCloudEvent, toCloudEvent } from "../event.ts";
import { errorFields, type Logger } from "../log.ts";
import { openSecrets } from "../secrets.ts";
import { type ConnectorMetadata, type ConnectorMetadataInput, connectorMetadataSchema } from "../metadata.ts";
import type { Names } from "../names.ts";
import { type Buckets, decoder, encoder, type Nats } from "../nats.ts";
import {
  type ConnectionStatus,
  type Instance,
  putInstance,
  putMetadata,
  readRegistry,
  removeInstance,
} from "../registry.ts";
import { createLeases } from "./lease.ts";
import { createPublisher } from "./publisher.ts";
import { backoff, jitter, sleep } from "./timing.ts";
import { runWebhookIntake, type WebhookDelivery } from "./webhooks.ts";
import { type StateStore, stateStore } from "./state_store.ts";

export interface RateLimitInfo {
  remaining: number;
  limit?: number;
  resetAt?: Date;
}

interface BaseContext {
  signal: AbortSignal;
  log: Logger;
  fetch: typeof fetch;
  now(): Date;
}

export interface PollContext extends BaseContext {
  connection: Connection;
  /** The cursor saved by the last successful poll, or null on the first poll. */
  cursor: unknown;
  /** Maps, validates and publishes changes; resolves once JetStream has acknowledged all of them. */
  emit(changes: MappedChange[]): Promise<number>;
  /** Saves progress in the middle of a long poll; call it only after `emit` resolved. */
  saveCursor(cursor: unknown): Promise<void>;
  /** State beyond the cursor, kept in KV per connection and shared by replicas. */
  state: StateStore;
  /** Records the upstream rate-limit budget, shown in the connection status. */
  rateLimit(info: RateLimitInfo): void;
  /** Waits (abortably) until the upstream rate limit resets. */
  waitForRateLimit(until: Date): Promise<void>;
}

export interface TestContext extends BaseContext {
  connection: Connection;
}

export interface PollOutcome {
  /** Saved after the poll, once every emitted change is acknowledged. */
  cursor?: unknown;
  /** Parts that failed while the rest succeeded (e.g. one repository of many); shown in the status. */
  errors?: string[];
}

export interface RunContext extends BaseContext {
  nats: Nats;
  buckets: Buckets;
  names: Names;
  emit(changes: MappedChange[], connectionId: string): Promise<number>;
  loadCursor(): Promise<unknown>;
  saveCursor(cursor: unknown): Promise<void>;
}

export interface ConnectorDefinition {
  metadata: ConnectorMetadataInput;
  /** Logo file (png, svg or jpeg), usually `new URL("./logo.svg", import.meta.url)`. */
  logo: URL;
  poll?(ctx: PollContext): Promise<PollOutcome | void>;
  /** Checks a connection's settings against the upstream (auth, reachability); throws with a clear message. */
  test?(ctx: TestContext): Promise<string>;
  /** A single long-running worker (one replica at a time holds it), for watch-style connectors. */
  run?(ctx: RunContext): Promise<void>;
  /** Maps a verified webhook delivery (handed over by the gateway) with the same code as the poll. */
  webhook?(delivery: WebhookDelivery, connection: Connection): Promise<MappedChange[]> | MappedChange[];
}

export interface RuntimeDeps {
  nats: Nats;
  buckets: Buckets;
  names: Names;
  log: Logger;
  instanceId: string;
  fetch?: typeof fetch;
  now?: () => Date;
  /** Port of the logo/healthz server; 0 picks a free one. */
  httpPort?: number;
  httpHostname?: string;
  /** How others reach this replica; defaults to http://<hostname>:<port>. */
  advertiseUrl?: string;
  /** Connections given as code (config file), in addition to those in KV. */
  fileConnections?: Connection[];
  heartbeatMs?: number;
  leaseTtlMs?: number;
  /** Opens sealed connection secrets. */
  secretKey?: CryptoKey | null;
  /** Where `env:NAME` secret references are looked up. */
  env?: Record<string, string>;
}

export interface RunningConnector {
  metadata: ConnectorMetadata;
  url: string;
  instanceId: string;
  statuses(): ConnectionStatus[];
  stop(): Promise<void>;
}

const CONTENT_TYPES: Record<string, string> = {
  png: "image/png",
  svg: "image/svg+xml",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
};

export function describeError(err: unknown): string {
  if (err instanceof ZodError) {
    return err.issues.map((i) => `${i.path.join(".") || "value"}: ${i.message}`).join("; ");
  }
  return err instanceof Error ? err.message : String(err);
}

export async function startConnector(def: ConnectorDefinition, deps: RuntimeDeps): Promise<RunningConnector> {
  const metadata = connectorMetadataSchema.parse(def.metadata);
  const log = deps.log.child({ connector: metadata.id, instance: deps.instanceId });
  const now = deps.now ?? (() => new Date());
  const doFetch = deps.fetch ?? fetch;
  const heartbeatMs = deps.heartbeatMs ?? 5_000;
  const root = new AbortController();
  const publisher = createPublisher({ js: deps.nats.js, names: deps.names, log });
  const leases = createLeases(deps.buckets.leases, deps.instanceId, deps.leaseTtlMs ?? 15_000);
  const statuses = new Map<string, ConnectionStatus>();
  const workers = new Map<string, Worker>();
  const tasks: Promise<unknown>[] = [];

  // Small HTTP server: logo and health.
  const ext = def.logo.pathname.split(".").pop()!.toLowerCase();
  const logoBytes = await Deno.readFile(def.logo);
  const logoType = CONTENT_TYPES[ext] ?? "application/octet-stream";
  const server = Deno.serve({
    port: deps.httpPort ?? 0,
    hostname: deps.httpHostname ?? "0.0.0.0",
    signal: root.signal,
    onListen: () => {},
  }, (req) => {
    const path = new URL(req.url).pathname;
    if (path === "/logo") {
      return new Response(logoBytes, {
        headers: { "content-type": logoType, "cache-control": "max-age=300" },
      });
    }
    if (path === "/healthz") {
      const ok = !deps.nats.nc.isClosed();
      return Response.json({ ok, connector: metadata.id, instanceId: deps.instanceId }, {
        status: ok ? 200 : 503,
      });
    }
    if (path === "/metadata") return Response.json(metadata);
    return new Response("Not found", { status: 404 });
  });
  const port = server.addr.port;
  const host = deps.httpHostname ?? "0.0.0.0";
  const url = deps.advertiseUrl ??
    `http://${host === "0.0.0.0" || host === "::" ? Deno.hostname() : host}:${port}`;

  const startedAt = now().toISOString();
  /** The connection as a poll or test sees it: secrets opened (decrypted, references resolved). */
  const opened = async (c: Connection): Promise<Connection> => ({
    ...c,
    secrets: await openSecrets(deps.secretKey ?? null, c.secrets, deps.env ?? {}),
  });
  const heartbeat = async () => {
    const inst: Instance = {
      instanceId: deps.instanceId,
      connector: metadata.id,
      url,
      startedAt,
      heartbeatAt: now().toISOString(),
      heartbeatIntervalMs: heartbeatMs,
      connections: Object.fromEntries(statuses),
    };
    await putInstance(deps.buckets.registry, inst).catch((err) =>
      log.warn("Heartbeat failed", errorFields(err))
    );
  };
  // The replicas alive (own heartbeat included), refreshed with every heartbeat; connections are assigned to
  // them round-robin in id order, so every replica computes the same even split.
  let alive: string[] = [deps.instanceId];
  const refreshAlive = async () => {
    try {
      const reg = (await readRegistry(deps.buckets.registry)).find((r) => r.metadata.id === metadata.id);
      const ids = new Set((reg?.instances ?? []).map((i) => i.instanceId));
      ids.add(deps.instanceId);
      alive = [...ids].sort();
    } catch { /* keep the last view */ }
  };
  const ownerOf = (connectionId: string): string => {
    if (alive.length === 1) return alive[0]!;
    const ids = [...workers.keys()].sort();
    const i = ids.indexOf(connectionId);
    return alive[(i < 0 ? 0 : i) % alive.length]!;
  };
  await putMetadata(deps.buckets.registry, metadata);
  await heartbeat();
  await refreshAlive();
  tasks.push((async () => {
    while (!root.signal.aborted) {
      await sleep(heartbeatMs, root.signal);
      if (!root.signal.aborted) {
        await heartbeat();
        await refreshAlive();
      }
    }
  })());

  const toEvents = (changes: MappedChange[], connectionId: string, clog: Logger): PainchainCloudEvent[] => {
    const recordedAt = now();
    const out: PainchainCloudEvent[] = [];
    for (const change of changes) {
      try {
        out.push(toCloudEvent(change, { connector: metadata.id, connectionId, recordedAt }));
      } catch (err) {
        clog.warn("Dropped an invalid change from the mapping", {
          upstreamId: String(change.upstreamId),
          eventType: change.eventType,
          reason: describeError(err),
        });
      }
    }
    return out;
  };

  const cursorKey = (id: string) => `${metadata.id}.${id}`;
  const loadCursor = async (id: string) => {
    const e = await deps.buckets.cursors.get(cursorKey(id));
    return e && e.operation === "PUT" ? JSON.parse(decoder.decode(e.value)).cursor ?? null : null;
  };
  const saveCursor = async (id: string, cursor: unknown) => {
    await deps.buckets.cursors.put(
      cursorKey(id),
      encoder.encode(JSON.stringify({ cursor, savedAt: now().toISOString(), by: deps.instanceId })),
    );
  };

  const recordOutcome = (connectionId: string, outcome: Record<string, unknown>) => {
    deps.nats.js.publish(
      deps.names.statusSubject(metadata.id, connectionId),
      encoder.encode(
        JSON.stringify({ connector: metadata.id, connectionId, instanceId: deps.instanceId, ...outcome }),
      ),
    ).catch(() => {});
  };

  // Long-running singleton worker.
  if (def.run) {
    const run = def.run;
    const key = `${metadata.id}._run`;
    tasks.push((async () => {
      let attempt = 0;
      while (!root.signal.aborted) {
        if (!(await leases.acquire(key))) {
          await sleep(jitter(leases.ttlMs / 3), root.signal);
          continue;
        }
        const ac = new AbortController();
        const stopRun = () => ac.abort();
        root.signal.addEventListener("abort", stopRun, { once: true });
        const renew = setInterval(async () => {
          if (!(await leases.acquire(key))) ac.abort();
        }, leases.ttlMs / 3);
        try {
          await run({
            signal: ac.signal,
            log,
            fetch: doFetch,
            now,
            nats: deps.nats,
            buckets: deps.buckets,
            names: deps.names,
            emit: async (changes, connectionId) =>
              await publisher.publish(toEvents(changes, connectionId, log), ac.signal),
            loadCursor: () => loadCursor("_run"),
            saveCursor: (c) => saveCursor("_run", c),
          });
          attempt = 0;
        } catch (err) {
          attempt++;
          log.error("Worker failed", { attempt, ...errorFields(err) });
        } finally {
          clearInterval(renew);
          root.signal.removeEventListener("abort", stopRun);
        }
        await sleep(attempt ? backoff(attempt, 1_000, 60_000) : 1_000, root.signal);
      }
      await leases.release(key);
    })());
  }

  // One worker per connection.
  class Worker {
    readonly ac = new AbortController();
    private wakeAc = new AbortController();
    private forced = false;
    readonly done: Promise<void>;
    constructor(readonly connection: Connection) {
      root.signal.addEventListener("abort", () => this.ac.abort(), { once: true });
      this.done = this.loop();
    }
    get holding() {
      return statuses.get(this.connection.id)?.state !== "standby";
    }
    wake() {
      this.forced = true;
      this.wakeAc.abort();
    }
    private status(patch: Partial<ConnectionStatus>) {
      const prev = statuses.get(this.connection.id) ?? {
        connectionId: this.connection.id,
        state: "starting" as const,
        lastPollAt: null,
        lastSuccessAt: null,
        lastError: null,
        lastErrorAt: null,
        eventsPublished: 0,
        rateLimit: null,
      };
      statuses.set(this.connection.id, { ...prev, ...patch });
    }
    private async nap(ms: number) {
      const s = AbortSignal.any([this.ac.signal, this.wakeAc.signal]);
      await sleep(ms, s);
      if (this.wakeAc.signal.aborted) this.wakeAc = new AbortController();
    }
    private async loop() {
      const c = this.connection;
      const key = connectionKey(metadata.id, c.id);
      const clog = log.child({ connectionId: c.id });
      const intervalMs = c.pollInterval * 1000;
      let nextPollAt = 0;
      let attempt = 0;
      this.status({ state: "starting" });
      let held = false;
      while (!this.ac.signal.aborted) {
        // Replicas split the connections evenly; a connection assigned to another live replica is handed over.
        if (ownerOf(c.id) !== deps.instanceId) {
          if (held) {
            await leases.release(key);
            held = false;
            clog.info("Handed the connection over", { to: ownerOf(c.id) });
          }
          this.status({ state: "standby" });
          await this.nap(jitter(leases.ttlMs / 3));
          continue;
        }
        held = await leases.acquire(key);
        if (!held) {
          this.status({ state: "standby" });
          await this.nap(jitter(leases.ttlMs / 3));
          continue;
        }
        if (this.forced || Date.now() >= nextPollAt) {
          this.forced = false;
          const ok = await this.pollOnce(key, clog);
          attempt = ok ? 0 : attempt + 1;
          nextPollAt = Date.now() + (ok ? jitter(intervalMs) : Math.min(intervalMs, backoff(attempt, 1_000)));
        }
        await this.nap(Math.max(0, Math.min(nextPollAt - Date.now(), leases.ttlMs / 3)));
      }
      statuses.delete(c.id);
      await leases.release(key);
    }
    private async pollOnce(key: string, clog: Logger): Promise<boolean> {
      const c = this.connection;
      const started = now();
      this.status({ state: "polling", lastPollAt: started.toISOString() });
      const renew = setInterval(() => leases.acquire(key), leases.ttlMs / 3);
      let published = 0;
      try {
        const cursor = await loadCursor(c.id);
        const outcome = await def.poll!({
          connection: await opened(c),
          cursor,
          signal: this.ac.signal,
          log: clog,
          fetch: doFetch,
          now,
          emit: async (changes) => {
            const n = await publisher.publish(toEvents(changes, c.id, clog), this.ac.signal);
            published += n;
            this.status({ eventsPublished: (statuses.get(c.id)?.eventsPublished ?? 0) + n });
            return n;
          },
          saveCursor: (next) => saveCursor(c.id, next),
          state: stateStore(deps.buckets.state, metadata.id, c.id),
          rateLimit: (info) =>
            this.status({
              rateLimit: {
                remaining: info.remaining,
                ...(info.limit !== undefined ? { limit: info.limit } : {}),
                ...(info.resetAt ? { resetAt: info.resetAt.toISOString() } : {}),
              },
            }),
          waitForRateLimit: async (until) => {
            this.status({ state: "rate_limited" });
            clog.info("Waiting for the rate limit to reset", { until: until.toISOString() });
            await sleep(until.getTime() - now().getTime(), this.ac.signal);
            this.status({ state: "polling" });
          },
        });
        if (outcome && outcome.cursor !== undefined && !this.ac.signal.aborted) {
          await saveCursor(c.id, outcome.cursor);
        }
        // Parts that failed while the rest went through (one repository of many) show as the last error.
        const partial = outcome?.errors?.length ? outcome.errors.join("; ").slice(0, 2000) : null;
        if (partial) clog.warn("Poll finished with errors", { errors: outcome!.errors });
        this.status({
          state: "idle",
          lastSuccessAt: now().toISOString(),
          lastError: partial,
          ...(partial ? { lastErrorAt: now().toISOString() } : {}),
        });
        recordOutcome(c.id, {
          outcome: partial ? "partial" : "ok",
          at: started.toISOString(),
          durationMs: now().getTime() - started.getTime(),
          events: published,
          ...(partial ? { errors: outcome!.errors } : {}),
        });
        return true;
      } catch (err) {
        if (this.ac.signal.aborted) return true;
        const message = describeError(err);
        clog.warn("Poll failed", { error: message });
        this.status({ state: "error", lastError: message, lastErrorAt: now().toISOString() });
        recordOutcome(c.id, {
          outcome: "error",
          at: started.toISOString(),
          durationMs: now().getTime() - started.getTime(),
          events: published,
          error: message,
        });
        return false;
      } finally {
        clearInterval(renew);
        await heartbeat();
      }
    }
  }

  const fileIds = new Set((deps.fileConnections ?? []).map((c) => c.id));
  const apply = async (c: Connection | null, id: string) => {
    const prev = workers.get(id);
    if (prev) {
      workers.delete(id);
      prev.ac.abort();
      await prev.done;
    }
    if (c && c.enabled && !root.signal.aborted) workers.set(id, new Worker(c));
  };

  let sub: Subscription | undefined;
  let testSub: Subscription | undefined;
  if (def.test) {
    const test = def.test;
    // One replica answers each test request (queue group).
    testSub = deps.nats.nc.subscribe(deps.names.testSubject(metadata.id), {
      queue: `${metadata.id}-test`,
      callback: (_err, msg) => {
        const reply = (body: Record<string, unknown>) => msg.respond(encoder.encode(JSON.stringify(body)));
        (async () => {
          try {
            const connection = await opened(connectionSchema.parse(JSON.parse(decoder.decode(msg.data))));
            const message = await test({
              connection,
              signal: AbortSignal.any([root.signal, AbortSignal.timeout(15_000)]),
              log,
              fetch: doFetch,
              now,
            });
            reply({ ok: true, message });
          } catch (err) {
            reply({ ok: false, message: describeError(err) });
          }
        })();
      },
    });
  }
  if (def.poll) {
    for (const c of deps.fileConnections ?? []) await apply(c, c.id);
    const watcher = await deps.buckets.connections.watch({ key: `${metadata.id}.>` });
    root.signal.addEventListener("abort", () => watcher.stop(), { once: true });
    tasks.push((async () => {
      for await (const e of watcher) {
        const id = e.key.slice(metadata.id.length + 1);
        if (fileIds.has(id)) continue;
        if (e.operation !== "PUT") {
          await apply(null, id);
          continue;
        }
        try {
          const c = connectionSchema.parse(JSON.parse(decoder.decode(e.value)));
          await apply(c, id);
        } catch (err) {
          log.warn("Ignored an invalid connection", { connectionId: id, reason: describeError(err) });
          await apply(null, id);
        }
      }
    })());

    sub = deps.nats.nc.subscribe(deps.names.syncSubject(metadata.id), {
      callback: (_err, msg) => {
        try {
          const { connectionId } = JSON.parse(decoder.decode(msg.data));
          const w = workers.get(String(connectionId));
          if (w && w.holding) {
            w.wake();
            msg.respond(encoder.encode(JSON.stringify({ accepted: true, instanceId: deps.instanceId })));
          }
        } catch { /* not for us */ }
      },
    });
  }

  if (def.webhook) {
    const map = def.webhook;
    const fileById = new Map((deps.fileConnections ?? []).map((c) => [c.id, c]));
    tasks.push((async () => {
      let attempt = 0;
      while (!root.signal.aborted) {
        try {
          await runWebhookIntake({
            nats: deps.nats,
            names: deps.names,
            connector: metadata.id,
            log,
            signal: root.signal,
            connection: async (id) => {
              const file = fileById.get(id);
              if (file) return file;
              const e = await deps.buckets.connections.get(connectionKey(metadata.id, id));
              return e && e.operation === "PUT"
                ? connectionSchema.parse(JSON.parse(decoder.decode(e.value)))
                : null;
            },
            map,
            emit: async (changes, connectionId) =>
              await publisher.publish(toEvents(changes, connectionId, log), root.signal),
          });
          attempt = 0;
        } catch (err) {
          if (root.signal.aborted) break;
          log.warn("Webhook intake stopped; restarting", errorFields(err));
        }
        await sleep(backoff(++attempt, 500, 15_000), root.signal);
      }
    })());
  }

  log.info("Connector started", { url, port });

  return {
    metadata,
    url,
    instanceId: deps.instanceId,
    statuses: () => [...statuses.values()],
    async stop() {
      sub?.unsubscribe();
      testSub?.unsubscribe();
      root.abort();
      await Promise.all([...workers.values()].map((w) => w.done));
      await Promise.allSettled(tasks);
      await server.finished;
      await removeInstance(deps.buckets.registry, metadata.id, deps.instanceId);
      log.info("Connector stopped");
    },
  };
}

/**
 * Reads connections given as code: a YAML or JSON file holding a list (or `connections:` list). Secret values
 * written `env:NAME` are read from the environment.
 */
export async function loadConnectionsFile(path: string, connector: string) {
  const raw = parseYaml(await Deno.readTextFile(path));
  const list = Array.isArray(raw) ? raw : raw.connections ?? [];
  const stamp = new Date().toISOString();
  return (list as Record<string, unknown>[])
    .filter((c) => (c.connector ?? connector) === connector)
    .map((c) => {
      // References (env:NAME, file:/path) stay as they are and are resolved at each use.
      const secrets: Record<string, string> = {};
      for (const [k, v] of Object.entries((c.secrets ?? {}) as Record<string, string>)) {
        secrets[k] = String(v);
      }
      return connectionSchema.parse({
        enabled: true,
        pollInterval: 300,
        tags: [],
        config: {},
        createdAt: stamp,
        updatedAt: stamp,
        ...c,
        connector,
        secrets,
      });
    });
}

export type { KV };
