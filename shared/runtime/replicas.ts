/**
 * Replica membership: this replica's heartbeat in the registry (with the status of each connection it holds), and
 * the list of live replicas, refreshed with every heartbeat. Connections are assigned to live replicas round-robin
 * in id order, so every replica computes the same even split.
 */
import type { KV } from "nats";
import { errorFields, type Logger } from "../log.ts";
import type { ConnectorMetadata } from "../metadata.ts";
import { type ConnectionStatus, putInstance, putLogo, putMetadata, readRegistry } from "../registry.ts";
import { sleep } from "./timing.ts";

export interface Replicas {
  /** The replica that should hold a connection, given every connection id this connector knows. */
  ownerOf(connectionId: string, knownIds: Iterable<string>): string;
  /** Publishes the heartbeat now (e.g. right after a poll, so the status shows at once). */
  beat(): Promise<void>;
  /** Runs heartbeats until the signal aborts. */
  run(signal: AbortSignal): Promise<void>;
}

export async function startReplicas(o: {
  registry: KV;
  logos: KV;
  logo: { type: string; body: Uint8Array };
  metadata: ConnectorMetadata;
  instanceId: string;
  url: string;
  heartbeatMs: number;
  statuses(): ConnectionStatus[];
  now: () => Date;
  log: Logger;
}): Promise<Replicas> {
  const startedAt = o.now().toISOString();
  let alive: string[] = [o.instanceId];
  const beat = async () => {
    await putInstance(o.registry, {
      instanceId: o.instanceId,
      connector: o.metadata.id,
      url: o.url,
      startedAt,
      heartbeatAt: o.now().toISOString(),
      heartbeatIntervalMs: o.heartbeatMs,
      connections: Object.fromEntries(o.statuses().map((s) => [s.connectionId, s])),
    }).catch((err) => o.log.warn("Heartbeat failed", errorFields(err)));
  };
  const refresh = async () => {
    try {
      const reg = (await readRegistry(o.registry, o.now().getTime())).find((r) =>
        r.metadata.id === o.metadata.id
      );
      const ids = new Set((reg?.instances ?? []).map((i) => i.instanceId));
      ids.add(o.instanceId);
      alive = [...ids].sort();
    } catch { /* keep the last view */ }
  };
  await putMetadata(o.registry, o.metadata);
  await putLogo(o.logos, o.metadata.id, o.logo);
  await beat();
  await refresh();
  return {
    ownerOf(connectionId, knownIds) {
      if (alive.length === 1) return alive[0]!;
      const ids = [...new Set([...knownIds, connectionId])].sort();
      return alive[ids.indexOf(connectionId) % alive.length]!;
    },
    beat,
    async run(signal) {
      while (!signal.aborted) {
        await sleep(o.heartbeatMs, signal);
        if (signal.aborted) break;
        await beat();
        await refresh();
      }
    },
  };
}
