/** Opening NATS and making sure the streams and buckets PainChain needs exist. */
import {
  connect,
  DiscardPolicy,
  type JetStreamClient,
  type JetStreamManager,
  type KV,
  type NatsConnection,
  RetentionPolicy,
  StorageType,
} from "nats";
import type { Names } from "./names.ts";

export interface Nats {
  nc: NatsConnection;
  js: JetStreamClient;
  jsm: JetStreamManager;
}

export async function openNats(url: string, name: string): Promise<Nats> {
  const nc = await connect({
    servers: url.split(","),
    name,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 500,
    timeout: 5_000,
  });
  const jsm = await nc.jetstreamManager();
  return { nc, js: nc.jetstream(), jsm };
}

const DAY_NS = 24 * 3600 * 1e9;
/** How long a UI session lives (the sessions bucket's TTL). */
export const SESSION_TTL_MS = 7 * 24 * 3600 * 1000;

/** Creates the events, dead-letter and status streams when missing (safe to call from every service). */
export async function ensureStreams(jsm: JetStreamManager, n: Names): Promise<void> {
  const want = [
    {
      name: n.eventsStream,
      subjects: [n.eventsSubjects],
      // Deduplication of re-published identical versions, on top of the store's upsert.
      duplicate_window: 10 * 60 * 1e9,
      max_age: 30 * DAY_NS,
    },
    {
      name: n.deadLetterStream,
      subjects: [n.deadLetterSubjects],
      duplicate_window: 60 * 1e9,
      max_age: 30 * DAY_NS,
    },
    { name: n.statusStream, subjects: [n.statusSubjects], duplicate_window: 60 * 1e9, max_age: 90 * DAY_NS },
    {
      name: n.webhooksStream,
      subjects: [n.webhooksSubjects],
      // Nats-Msg-Id is the delivery id: a redelivered webhook within a day is dropped here.
      duplicate_window: DAY_NS,
      max_age: 7 * DAY_NS,
    },
  ];
  for (const s of want) {
    try {
      await jsm.streams.info(s.name);
    } catch {
      try {
        await jsm.streams.add({
          ...s,
          retention: RetentionPolicy.Limits,
          storage: StorageType.File,
          discard: DiscardPolicy.Old,
        });
      } catch (err) {
        // Another service may have created it at the same moment.
        await jsm.streams.info(s.name).catch(() => {
          throw err;
        });
      }
    }
  }
}

export interface Buckets {
  connections: KV;
  registry: KV;
  cursors: KV;
  leases: KV;
  teams: KV;
  apiKeys: KV;
  sessions: KV;
  state: KV;
}

export async function openBuckets(nats: Nats, n: Names): Promise<Buckets> {
  const kvm = nats.js.views;
  const [connections, registry, cursors, leases, teams, apiKeys, sessions, state] = await Promise.all([
    kvm.kv(n.connectionsBucket, { history: 10 }),
    kvm.kv(n.registryBucket, { history: 1 }),
    kvm.kv(n.cursorsBucket, { history: 1 }),
    kvm.kv(n.leasesBucket, { history: 1 }),
    kvm.kv(n.teamsBucket, { history: 5 }),
    kvm.kv(n.apiKeysBucket, { history: 1 }),
    kvm.kv(n.sessionsBucket, { history: 1, ttl: SESSION_TTL_MS }),
    kvm.kv(n.stateBucket, { history: 1 }),
  ]);
  return { connections, registry, cursors, leases, teams, apiKeys, sessions, state };
}

/** Removes every stream and bucket of a prefix; for tests. */
export async function destroyAll(jsm: JetStreamManager, n: Names): Promise<void> {
  const streams = [
    n.eventsStream,
    n.deadLetterStream,
    n.statusStream,
    n.webhooksStream,
    ...[
      n.connectionsBucket,
      n.registryBucket,
      n.cursorsBucket,
      n.leasesBucket,
      n.teamsBucket,
      n.apiKeysBucket,
      n.sessionsBucket,
      n.stateBucket,
    ].map((b) => `KV_${b}`),
  ];
  for (const s of streams) await jsm.streams.delete(s).catch(() => false);
}

export const encoder = new TextEncoder();
export const decoder = new TextDecoder();
