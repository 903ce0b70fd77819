/** Opening NATS and making sure the streams and buckets PainChain needs exist. */
import {
  connect,
  type ConsumerConfig,
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

/** Credentials for NATS (NATS_TOKEN, or NATS_USER and NATS_PASSWORD): NATS access is admin access. */
export interface NatsAuth {
  token?: string | undefined;
  user?: string | undefined;
  pass?: string | undefined;
}

export async function openNats(url: string, name: string, auth: NatsAuth = {}): Promise<Nats> {
  const nc = await connect({
    servers: url.split(","),
    name,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 500,
    timeout: 5_000,
    // Only the servers configured: a cluster's gossip must not lead a narrowly permitted service elsewhere.
    ignoreClusterUpdates: true,
    ...(auth.token ? { token: auth.token } : {}),
    ...(auth.user ? { user: auth.user, pass: auth.pass ?? "" } : {}),
  });
  const jsm = await nc.jetstreamManager();
  return { nc, js: nc.jetstream(), jsm };
}

const DAY_NS = 24 * 3600 * 1e9;
/** How long a UI session lives (the sessions bucket's TTL). */
export const SESSION_TTL_MS = 7 * 24 * 3600 * 1000;
/** How long a shared counter (rate limit, failed credentials) lives without being touched. */
export const LIMITS_TTL_MS = 10 * 60 * 1000;

export interface ReplicaOptions {
  /** Replicas of every stream and bucket (PAINCHAIN_STREAM_REPLICAS); existing ones are updated to it. */
  replicas?: number;
}

/** Creates the streams PainChain needs when missing, and updates their replicas (safe to call from every service). */
export async function ensureStreams(jsm: JetStreamManager, n: Names, o: ReplicaOptions = {}): Promise<void> {
  const replicas = o.replicas ?? 1;
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
    // Who did what through the API (connection tests, API keys), turned into audit events by the painchain connector.
    { name: n.auditStream, subjects: [n.auditSubjects], duplicate_window: 60 * 1e9, max_age: 365 * DAY_NS },
  ];
  for (const s of want) {
    let info;
    try {
      info = await jsm.streams.info(s.name);
    } catch {
      try {
        await jsm.streams.add({
          ...s,
          num_replicas: replicas,
          retention: RetentionPolicy.Limits,
          storage: StorageType.File,
          discard: DiscardPolicy.Old,
        });
      } catch (err) {
        // Another service may have created it at the same moment.
        info = await jsm.streams.info(s.name).catch(() => {
          throw err;
        });
      }
    }
    if (info && info.config.num_replicas !== replicas) await setReplicas(jsm, s.name, replicas);
  }
}

/** Moves a stream (or a bucket's stream) to `replicas`. */
async function setReplicas(jsm: JetStreamManager, stream: string, replicas: number) {
  const info = await jsm.streams.info(stream);
  if (info.config.num_replicas === replicas) return;
  await jsm.streams.update(stream, { ...info.config, num_replicas: replicas });
}

export interface Buckets {
  connections: KV;
  registry: KV;
  logos: KV;
  cursors: KV;
  leases: KV;
  teams: KV;
  apiKeys: KV;
  sessions: KV;
  state: KV;
  /** Counters shared by gateways (rate limits, failed credentials), with a short TTL. */
  limits: KV;
  /** The service catalog's rules (`file` and `api`). */
  catalog: KV;
}

/** The stream behind each bucket opened by openBuckets (KV is a stream `KV_<bucket>` of subjects `$KV.<bucket>.<key>`). */
const bucketStreams = new WeakMap<KV, { jsm: JetStreamManager; bucket: string }>();

/**
 * The keys of a bucket matching a filter (`>`, `github.*`, `a.b.>`), from one stream-info request: never a consumer.
 * (KV.keys() runs an ordered consumer until it sees no pending messages; on NATS 2.9, with keys rewritten or
 * expiring meanwhile, that can wait forever.) Deleted keys may be listed: read each with get() and skip non-PUTs.
 */
export async function kvKeys(kv: KV, filter = ">"): Promise<string[]> {
  const known = bucketStreams.get(kv);
  if (!known) {
    const out: string[] = [];
    for await (const k of await kv.keys(filter)) out.push(k);
    return out;
  }
  const prefix = `$KV.${known.bucket}.`;
  const si = await known.jsm.streams.info(`KV_${known.bucket}`, { subjects_filter: prefix + filter });
  return Object.keys(si.state.subjects ?? {}).map((s) => s.slice(prefix.length)).sort();
}

export async function openBuckets(nats: Nats, n: Names, o: ReplicaOptions = {}): Promise<Buckets> {
  const kvm = nats.js.views;
  const replicas = o.replicas ?? 1;
  const specs: [keyof Buckets, string, Record<string, unknown>][] = [
    ["connections", n.connectionsBucket, { history: 10 }],
    ["registry", n.registryBucket, { history: 1 }],
    ["logos", n.logosBucket, { history: 1, maxValueSize: 1024 * 1024 }],
    ["cursors", n.cursorsBucket, { history: 1 }],
    ["leases", n.leasesBucket, { history: 1 }],
    ["teams", n.teamsBucket, { history: 5 }],
    ["apiKeys", n.apiKeysBucket, { history: 1 }],
    ["sessions", n.sessionsBucket, { history: 1, ttl: SESSION_TTL_MS }],
    ["state", n.stateBucket, { history: 1 }],
    ["limits", n.limitsBucket, { history: 1, ttl: LIMITS_TTL_MS }],
    ["catalog", n.catalogBucket, { history: 20 }],
  ];
  const opened = await Promise.all(specs.map(([, name, opts]) => kvm.kv(name, { ...opts, replicas })));
  specs.forEach(([, name], i) => bucketStreams.set(opened[i]!, { jsm: nats.jsm, bucket: name }));
  await Promise.all(specs.map(([, name]) => setReplicas(nats.jsm, `KV_${name}`, replicas)));
  return Object.fromEntries(specs.map(([k], i) => [k, opened[i]!])) as unknown as Buckets;
}

/** Removes every stream and bucket of a prefix; for tests. */
export async function destroyAll(jsm: JetStreamManager, n: Names): Promise<void> {
  const streams = [
    n.eventsStream,
    n.deadLetterStream,
    n.statusStream,
    n.webhooksStream,
    n.auditStream,
    ...[
      n.connectionsBucket,
      n.registryBucket,
      n.logosBucket,
      n.cursorsBucket,
      n.leasesBucket,
      n.teamsBucket,
      n.apiKeysBucket,
      n.sessionsBucket,
      n.stateBucket,
      n.limitsBucket,
      n.catalogBucket,
    ].map((b) => `KV_${b}`),
  ];
  for (const s of streams) await jsm.streams.delete(s).catch(() => false);
}

/** Makes a durable consumer on `stream` unless it exists; another replica making it at the same moment is fine. */
export async function ensureDurable(
  jsm: JetStreamManager,
  stream: string,
  config: Partial<ConsumerConfig> & { durable_name: string },
): Promise<void> {
  const exists = () => jsm.consumers.info(stream, config.durable_name);
  try {
    await exists();
  } catch {
    await jsm.consumers.add(stream, config).catch(async (err) => {
      // Another replica made it at the same moment.
      await exists().catch(() => {
        throw err;
      });
    });
  }
}

export const encoder = new TextEncoder();
export const decoder = new TextDecoder();
