/** Which replica holds which connection, read from the connector registry: for tests of how leases spread. */
import type { KV } from "nats";
import { readRegistry } from "@painchain/shared/internal";
import { waitFor } from "./helpers.ts";

/** Connection ids by the instance id of the replica holding them. */
export type Holders = Record<string, string[]>;

/** The connections each replica of `connector` holds (neither standby nor starting), sorted. */
export async function connectionHolders(registry: KV, connector: string): Promise<Holders> {
  const reg = (await readRegistry(registry)).find((r) => r.metadata.id === connector);
  const byReplica: Holders = {};
  for (const i of reg?.instances ?? []) {
    byReplica[i.instanceId] = Object.values(i.connections)
      .filter((s) => s.state !== "standby" && s.state !== "starting")
      .map((s) => s.connectionId).sort();
  }
  return byReplica;
}

/** How connections should be spread: each held once, by `replicas` replicas holding `min` to `max` each. */
export interface Spread {
  connections: number;
  replicas: number;
  min: number;
  max?: number;
}

/** Waits until the holders are spread as `o` says; resolves with them then. A timeout says who held what. */
export async function waitForSpread(
  holders: () => Promise<Holders>,
  o: Spread,
  timeoutMs: number,
): Promise<Holders> {
  return await waitFor(
    async () => {
      const h = await holders();
      const all = Object.values(h).flat();
      const sizes = Object.values(h).map((x) => x.length);
      return all.length === o.connections && new Set(all).size === o.connections &&
          sizes.length === o.replicas &&
          sizes.every((n) => n >= o.min && n <= (o.max ?? Infinity))
        ? h
        : null;
    },
    timeoutMs,
    `${o.connections} connections held once by ${o.replicas} replicas, ${o.min} to ${o.max ?? "any"} each`,
  ).catch(async (err) => {
    throw new Error(`${err.message}: ${JSON.stringify(await holders())}`);
  });
}
