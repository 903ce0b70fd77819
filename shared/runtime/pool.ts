/**
 * The workers of one replica, one per enabled connection, kept in step with the connections bucket (watched, so
 * edits apply without a restart) and the connections file.
 */
import type { KV } from "nats";
import { type Connection, connectionSchema } from "../connection.ts";
import type { Logger } from "../log.ts";
import { decoder } from "../nats.ts";
import { describeError } from "./errors.ts";
import type { Worker } from "./worker.ts";

export interface WorkerPool {
  /** Starts, restarts (new settings) or stops (null, disabled) the worker of a connection. */
  apply(c: Connection | null, id: string): Promise<void>;
  get(id: string): Worker | undefined;
  ids(): string[];
  stopAll(): Promise<void>;
}

export function createWorkerPool(start: (c: Connection) => Worker): WorkerPool {
  const workers = new Map<string, Worker>();
  return {
    async apply(c, id) {
      const prev = workers.get(id);
      // The same settings again (e.g. a rewrite that only changed who touched it): keep the running loop.
      if (prev && c && c.enabled && JSON.stringify(prev.connection) === JSON.stringify(c)) return;
      // The id stays known while the old worker stops: the split of the other connections must not shift meanwhile.
      if (prev) await prev.stop();
      if (c && c.enabled) workers.set(id, start(c));
      else workers.delete(id);
    },
    get: (id) => workers.get(id),
    ids: () => [...workers.keys()],
    async stopAll() {
      const all = [...workers.values()];
      workers.clear();
      await Promise.all(all.map((w) => w.stop()));
    },
  };
}

/** Applies every change of the connector's connections in KV to the pool until the signal aborts. */
export async function watchConnections(o: {
  kv: KV;
  connector: string;
  /** Connections given as code: their KV namesakes are ignored. */
  fileIds: Set<string>;
  pool: WorkerPool;
  log: Logger;
  signal: AbortSignal;
}): Promise<() => Promise<void>> {
  const watcher = await o.kv.watch({ key: `${o.connector}.>` });
  o.signal.addEventListener("abort", () => watcher.stop(), { once: true });
  const done = (async () => {
    for await (const e of watcher) {
      const id = e.key.slice(o.connector.length + 1);
      if (o.fileIds.has(id)) continue;
      if (e.operation !== "PUT") {
        await o.pool.apply(null, id);
        continue;
      }
      try {
        await o.pool.apply(connectionSchema.parse(JSON.parse(decoder.decode(e.value))), id);
      } catch (err) {
        o.log.warn("Ignored an invalid connection", { connectionId: id, reason: describeError(err) });
        await o.pool.apply(null, id);
      }
    }
  })();
  return () => done;
}
