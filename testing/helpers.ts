/** Test isolation: a database created and dropped per test, and a NATS prefix per test. */
import postgres from "postgres";
import {
  type Buckets,
  destroyAll,
  ensureStreams,
  type Names,
  names,
  type Nats,
  openBuckets,
  openNats,
} from "@painchain/shared/internal";

export const NATS_URL = Deno.env.get("NATS_URL") ?? "nats://127.0.0.1:4222";
const ADMIN_URL = Deno.env.get("TEST_ADMIN_DATABASE_URL") ?? "postgres://postgres@127.0.0.1:5432/postgres";

/** A free loopback TCP port (bound once and released: good enough on a test machine). */
export function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

export function randomSuffix(): string {
  return crypto.randomUUID().replaceAll("-", "").slice(0, 10);
}

export interface TestDb {
  url: string;
  name: string;
  drop(): Promise<void>;
}

export async function createTestDb(): Promise<TestDb> {
  const name = `pc_test_${randomSuffix()}`;
  const admin = postgres(ADMIN_URL, { max: 1, onnotice: () => {} });
  await admin.unsafe(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    async drop() {
      const a = postgres(ADMIN_URL, { max: 1, onnotice: () => {} });
      await a.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await a.end();
    },
  };
}

export interface TestNats {
  names: Names;
  nats: Nats;
  buckets: Buckets;
  cleanup(): Promise<void>;
}

export async function createTestNats(): Promise<TestNats> {
  const n = names(`t_${randomSuffix()}`);
  const nats = await openNats(NATS_URL, "painchain-test");
  await ensureStreams(nats.jsm, n);
  const buckets = await openBuckets(nats, n);
  return {
    names: n,
    nats,
    buckets,
    async cleanup() {
      await destroyAll(nats.jsm, n);
      await nats.nc.close();
    },
  };
}

/**
 * A test that opens NATS or Postgres. Their clients keep timers and sockets open across steps, which Deno's op and
 * resource sanitizers would flag, so those are off. dev/test.ts files such tests in the integration tier.
 */
export function serviceTest(
  name: string,
  fn: (t: Deno.TestContext) => Promise<void>,
  opts: Omit<Deno.TestDefinition, "name" | "fn"> = {},
): void {
  Deno.test({ name, sanitizeOps: false, sanitizeResources: false, ...opts, fn });
}

/** A serviceTest with a NATS prefix of its own (streams and buckets), destroyed afterwards. */
export function natsTest(name: string, fn: (tn: TestNats, t: Deno.TestContext) => Promise<void>): void {
  serviceTest(name, async (t) => {
    const tn = await createTestNats();
    try {
      await fn(tn, t);
    } finally {
      await tn.cleanup();
    }
  });
}

/** A JSON request: the body serialized, its content type, and any other headers given. */
export function json(method: string, body: unknown, headers: Record<string, string> = {}): RequestInit {
  return { method, headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) };
}

/** Polls `fn` until it returns a truthy value or the deadline passes. */
export async function waitFor<T>(
  fn: () => Promise<T> | T,
  timeoutMs = 10_000,
  label = "condition",
): Promise<NonNullable<T>> {
  const end = Date.now() + timeoutMs;
  let last: T;
  do {
    last = await fn();
    if (last) return last as NonNullable<T>;
    await new Promise((r) => setTimeout(r, 50));
  } while (Date.now() < end);
  throw new Error(`Timed out waiting for ${label}; last value: ${JSON.stringify(last)}`);
}

/** Builds a valid CloudEvent for tests. */
export function sampleEvent(
  i: number,
  over: { connector?: string; version?: number; recordedAt?: string } = {},
) {
  const connector = over.connector ?? "github";
  const time = new Date(Date.UTC(2026, 10, 1) + i * 60_000).toISOString();
  return {
    specversion: "1.0" as const,
    id: `${connector}-pull_request-${i}`,
    source: `/painchain/connectors/${connector}/connections/test`,
    type: `dev.painchain.${connector}.pull_request`,
    subject: `octo/repo#${i}`,
    time,
    recordedtime: over.recordedAt ?? time,
    datacontenttype: "application/json" as const,
    data: {
      title: `PR ${i} v${over.version ?? 1}`,
      description: `Change number ${i}`,
      author: `user${i % 7}`,
      url: `https://github.com/octo/repo/pull/${i}`,
      status: over.version && over.version > 1 ? "merged" : "open",
      eventType: "pull_request",
      connector,
      connectionId: "test",
      tags: [i % 2 ? "prod" : "preprod"],
      refs: [`pr:octo/repo#${i}`],
      metadata: { number: i, version: over.version ?? 1 },
    },
  };
}
