/**
 * Per-connection state in NATS KV, for connectors that need more than a cursor between polls (the Kubernetes
 * connector keeps the last seen version of each watched object, to diff and to reconcile after a re-list).
 * Keys are `<connector>.<connection>.<key>`; a key may hold letters, digits, `-`, `_`, `=` and dots.
 */
import type { KV } from "nats";
import { decoder, encoder, kvKeys } from "../nats.ts";

export interface StateStore {
  get(key: string): Promise<unknown | null>;
  /** Writes many keys at once (a null value deletes the key). */
  putMany(entries: [string, unknown | null][]): Promise<void>;
  /** Every key and value of this connection. */
  all(): Promise<Map<string, unknown>>;
  /** Deletes everything of this connection (e.g. when its settings changed what is tracked). */
  clear(): Promise<void>;
}

const KEY = /^[-/_=.a-zA-Z0-9]+$/;

export function stateStore(kv: KV, connector: string, connectionId: string): StateStore {
  const prefix = `${connector}.${connectionId}.`;
  const full = (key: string) => {
    if (!KEY.test(key) || key.startsWith(".") || key.endsWith(".") || key.includes("..")) {
      throw new Error(`Invalid state key "${key}"`);
    }
    return prefix + key;
  };
  const keys = async () => {
    return await kvKeys(kv, `${prefix}>`);
  };
  return {
    async get(key) {
      const e = await kv.get(full(key));
      return e && e.operation === "PUT" ? JSON.parse(decoder.decode(e.value)) : null;
    },
    async putMany(entries) {
      // Bounded parallelism: KV puts are acknowledged one by one.
      for (let i = 0; i < entries.length; i += 64) {
        await Promise.all(
          entries.slice(i, i + 64).map(([k, v]) =>
            v === null ? kv.purge(full(k)) : kv.put(full(k), encoder.encode(JSON.stringify(v)))
          ),
        );
      }
    },
    async all() {
      const out = new Map<string, unknown>();
      const ks = await keys();
      for (let i = 0; i < ks.length; i += 64) {
        const entries = await Promise.all(ks.slice(i, i + 64).map((k) => kv.get(k)));
        for (const e of entries) {
          if (e && e.operation === "PUT") {
            out.set(e.key.slice(prefix.length), JSON.parse(decoder.decode(e.value)));
          }
        }
      }
      return out;
    },
    async clear() {
      for (const k of await keys()) await kv.purge(k);
    },
  };
}

/** The same interface in memory, for tests that call a poll directly. */
export function memoryStateStore(): StateStore {
  const m = new Map<string, unknown>();
  const copy = <T>(v: T): T => structuredClone(v);
  return {
    get: (key) => Promise.resolve(m.has(key) ? copy(m.get(key)) : null),
    putMany: (entries) => {
      for (const [k, v] of entries) v === null ? m.delete(k) : m.set(k, copy(v));
      return Promise.resolve();
    },
    all: () => Promise.resolve(new Map([...m].map(([k, v]) => [k, copy(v)]))),
    clear: () => Promise.resolve(m.clear()),
  };
}
