/** The connector registry, read from KV at most once a second. */
import type { KV } from "nats";
import { readRegistry, type RegisteredConnector } from "@painchain/shared/internal";

export interface RegistryCache {
  list(): Promise<RegisteredConnector[]>;
  get(id: string): Promise<RegisteredConnector | undefined>;
  invalidate(): void;
}

export function createRegistryCache(kv: KV, ttlMs = 1_000): RegistryCache {
  let cached: { at: number; value: Promise<RegisteredConnector[]> } | null = null;
  const list = () => {
    if (!cached || Date.now() - cached.at > ttlMs) {
      const value = readRegistry(kv);
      cached = { at: Date.now(), value };
      value.catch(() => (cached = null));
    }
    return cached.value;
  };
  return {
    list,
    get: async (id) => (await list()).find((c) => c.metadata.id === id),
    invalidate: () => (cached = null),
  };
}
