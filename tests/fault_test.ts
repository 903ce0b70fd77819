/**
 * Fault tolerance with the services as real processes (as the containers run) against real NATS and Postgres:
 * the store killed mid-ingest, Postgres away for 20 s, and malformed or hostile messages.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import postgres from "postgres";
import { cloudEventSchema, createPublisher, encoder, silentLogger } from "@painchain/shared/internal";
import { benchEvent } from "./bench/ingest.ts";
import { startService } from "./bench/util.ts";
import { createTestDb, createTestNats, NATS_URL, serviceTest, TcpProxy, waitFor } from "@painchain/testing";

const storeEnv = (dbUrl: string, prefix: string) => ({
  DATABASE_URL: dbUrl,
  PAINCHAIN_PREFIX: prefix,
  NATS_URL,
  STORE_RETRY_DELAY_MS: "500",
  // Messages the killed store had in flight come back after 5 s instead of 60 s.
  STORE_ACK_WAIT_MS: "5000",
});

/** An isolated database and NATS prefix, a direct Postgres client, and a row counter. */
async function rig() {
  const db = await createTestDb();
  const tn = await createTestNats();
  const sql = postgres(db.url, { max: 1, onnotice: () => {} });
  return {
    db,
    tn,
    sql,
    count: async () =>
      Number((await sql`SELECT count(*)::int AS n FROM change_events`.catch(() => [{ n: 0 }]))[0]!.n),
    async close() {
      await sql.end();
      await tn.cleanup();
      await db.drop();
    },
  };
}

function log(msg: string) {
  // deno-lint-ignore no-console
  console.log(msg);
}

serviceTest("store killed with kill -9 mid-ingest: 100,000 published, exactly 100,000 stored", async () => {
  const { db, tn, sql, count, close } = await rig();
  let store = await startService("store/main.ts", storeEnv(db.url, tn.names.prefix), /Store consuming/);
  try {
    const total = 100_000;
    const events = Array.from({ length: total }, (_, i) => benchEvent(i));
    const publisher = createPublisher({ js: tn.nats.js, names: tn.names, log: silentLogger, window: 1000 });
    const publishing = (async () => {
      for (let i = 0; i < total; i += 5000) await publisher.publish(events.slice(i, i + 5000));
    })();
    await waitFor(async () => (await count()) >= 20_000, 60_000, "ingest under way");
    store.proc.kill("SIGKILL");
    await store.proc.status;
    const atKill = await count();
    log(`store killed at ${atKill} rows`);
    await publishing;
    store = await startService("store/main.ts", storeEnv(db.url, tn.names.prefix), /Store consuming/);
    await waitFor(async () => (await count()) >= total, 120_000, "all rows");
    await new Promise((r) => setTimeout(r, 1_000));
    const [row] =
      await sql`SELECT count(*)::int AS n, count(DISTINCT id)::int AS ids, max(version)::int AS v FROM change_events`;
    assert.deepEqual(row, { n: total, ids: total, v: 1 }, "none lost, none twice, none rewritten");
  } finally {
    await store.stop();
    await close();
  }
});

serviceTest(
  "Postgres away for 20 s during ingest: the store naks, catches up, and stores every event once",
  async () => {
    const { db, tn, sql, count, close } = await rig();
    const target = new URL(db.url);
    const proxy = new TcpProxy({ hostname: target.hostname, port: Number(target.port || 5432) }).start();
    const viaProxy = new URL(db.url);
    viaProxy.port = String(proxy.port);
    const store = await startService(
      "store/main.ts",
      storeEnv(viaProxy.toString(), tn.names.prefix),
      /Store consuming/,
    );
    try {
      const total = 30_000;
      const events = Array.from({ length: total }, (_, i) => benchEvent(i));
      const publisher = createPublisher({ js: tn.nats.js, names: tn.names, log: silentLogger, window: 1000 });
      await publisher.publish(events.slice(0, 10_000));
      await waitFor(async () => (await count()) >= 5_000, 60_000, "ingest under way");
      proxy.pause();
      const pausedAt = await count();
      // Ingest goes on while Postgres is away.
      await publisher.publish(events.slice(10_000));
      await new Promise((r) => setTimeout(r, 20_000));
      assert.ok((await count()) <= total);
      proxy.resume();
      const resumed = performance.now();
      await waitFor(async () => (await count()) >= total, 120_000, "catch up");
      const catchUp = (performance.now() - resumed) / 1000;
      log(
        `Postgres away 20 s at ${pausedAt} rows; caught up ${total - pausedAt} rows in ${
          catchUp.toFixed(1)
        } s after it returned`,
      );
      await new Promise((r) => setTimeout(r, 1_000));
      const [row] = await sql`SELECT count(*)::int AS n, max(version)::int AS v FROM change_events`;
      assert.deepEqual(row, { n: total, v: 1 });
      assert.match(store.output(), /Write failed; messages will be redelivered/);
    } finally {
      await store.stop();
      proxy.stop();
      await close();
    }
  },
);

/** One malformed or hostile message, generated. */
const hostile = fc.oneof(
  // Not JSON at all, or truncated JSON.
  fc.string({ maxLength: 200 }).filter((s) => {
    try {
      JSON.parse(s);
      return false;
    } catch {
      return true;
    }
  }).map((s) => ({ kind: "not_json", body: s })),
  fc.nat({ max: 9_999 }).map((i) => ({
    kind: "truncated",
    body: JSON.stringify(benchEvent(i)).slice(0, 40 + (i % 200)),
  })),
  // Wrong types and missing fields.
  fc.record({
    i: fc.nat({ max: 9_999 }),
    field: fc.constantFrom("id", "time", "specversion", "data", "source", "datacontenttype"),
    value: fc.oneof(
      fc.constant(undefined),
      fc.integer(),
      fc.boolean(),
      fc.constant(null),
      fc.constant([]),
      fc.constant({}),
    ),
  }).map(({ i, field, value }) => {
    const e = JSON.parse(JSON.stringify(benchEvent(i)));
    if (value === undefined) delete e[field];
    else e[field] = value;
    return { kind: `bad_${field}`, body: JSON.stringify(e) };
  }),
  fc.record({
    i: fc.nat({ max: 9_999 }),
    v: fc.oneof(fc.integer(), fc.constant(null), fc.array(fc.string(), { maxLength: 3 })),
  })
    .map(({ i, v }) => {
      const e = JSON.parse(JSON.stringify(benchEvent(i)));
      e.data.title = v;
      return { kind: "bad_title", body: JSON.stringify(e) };
    }),
  // Huge fields.
  fc.nat({ max: 9_999 }).map((i) => {
    const e = JSON.parse(JSON.stringify(benchEvent(i)));
    if (i % 2) e.data.title = "x".repeat(501 + i);
    else e.data.metadata = { blob: "y".repeat(70_000) };
    return { kind: "huge", body: JSON.stringify(e) };
  }),
  // Unicode where it cannot be stored (NUL), and hostile ids.
  fc.nat({ max: 9_999 }).map((i) => {
    const e = JSON.parse(JSON.stringify(benchEvent(i)));
    e.data.description = `a\u0000b ${"\u{1F600}".repeat(i % 5)}`;
    return { kind: "nul", body: JSON.stringify(e) };
  }),
  fc.nat({ max: 9_999 }).map((i) => {
    const e = JSON.parse(JSON.stringify(benchEvent(i)));
    e.id = i % 2 ? "" : "evil-id-without-prefix";
    return { kind: "bad_id", body: JSON.stringify(e) };
  }),
  // Times far in the future or before 1970.
  fc.nat({ max: 9_999 }).map((i) => {
    const e = JSON.parse(JSON.stringify(benchEvent(i)));
    e.time = i % 2 ? "2999-01-01T00:00:00Z" : "1901-01-01T00:00:00Z";
    return { kind: "bad_time", body: JSON.stringify(e) };
  }),
);

serviceTest("10,000 generated malformed or hostile messages among 10,000 valid ones", async () => {
  const { db, tn, count, close } = await rig();
  const store = await startService("store/main.ts", storeEnv(db.url, tn.names.prefix), /Store consuming/);
  try {
    const bad = fc.sample(hostile, { numRuns: 10_000, seed: 42 });
    // Valid events, some with unusual but legal unicode (RTL, emoji, combining marks).
    const good = Array.from({ length: 10_000 }, (_, i) => {
      const e = JSON.parse(JSON.stringify(benchEvent(50_000 + i)));
      if (i % 10 === 0) e.data.title = `\u202Eטקסט ${"\u{1F680}".repeat(3)} e\u0301 ${i}`;
      return cloudEventSchema.parse(e);
    });
    const subject = tn.names.eventSubject("github", "pull_request");
    const messages: { subject: string; body: Uint8Array }[] = [];
    for (let i = 0; i < 10_000; i++) {
      const g = good[i]!;
      messages.push({
        subject: tn.names.eventSubject(g.data.connector, g.data.eventType),
        body: encoder.encode(JSON.stringify(g)),
      });
      messages.push({ subject, body: encoder.encode(bad[i]!.body) });
    }
    for (let i = 0; i < messages.length; i += 1000) {
      await Promise.all(messages.slice(i, i + 1000).map((m) => tn.nats.js.publish(m.subject, m.body)));
    }
    await waitFor(async () => (await count()) >= 10_000, 60_000, "valid events stored");
    const dead = await waitFor(
      async () => {
        const n = (await tn.nats.jsm.streams.info(tn.names.deadLetterStream)).state.messages;
        return n >= 10_000 ? n : null;
      },
      60_000,
      "dead letters",
    );
    assert.equal(await count(), 10_000, "every valid event, and nothing else");
    assert.equal(dead, 10_000, "every bad one is in the dead-letter stream");
    const reasons = new Map<string, number>();
    for (let seq = 1; seq <= 10_000; seq += 97) {
      const m = await tn.nats.jsm.streams.getMessage(tn.names.deadLetterStream, { seq });
      const r = m.header.get("Painchain-Reason");
      assert.ok(r && m.header.get("Painchain-Detail"), "each has a reason and detail");
      reasons.set(r, (reasons.get(r) ?? 0) + 1);
    }
    log(`dead letters: 10000 (sampled reasons: ${JSON.stringify(Object.fromEntries(reasons))})`);
    // The store is still up: a new valid event is stored.
    const one = benchEvent(99_999);
    await tn.nats.js.publish(
      tn.names.eventSubject(one.data.connector, one.data.eventType),
      encoder.encode(JSON.stringify(one)),
    );
    await waitFor(async () => (await count()) === 10_001, 10_000, "still storing").catch(async (err) => {
      const info = await tn.nats.jsm.consumers.info(tn.names.eventsStream, tn.names.storeConsumer);
      const dl = (await tn.nats.jsm.streams.info(tn.names.deadLetterStream)).state.messages;
      const lines = store.output().split("\n").filter((l) => !l.includes("Dead-lettered")).slice(-6).map((
        l,
      ) => l.slice(0, 300));
      throw new Error(
        `${err.message}: rows ${await count()}, dead ${dl}, pending ${info.num_pending}, ack pending ${info.num_ack_pending}, redelivered ${info.num_redelivered}\n${
          lines.join("\n")
        }`,
      );
    });
  } finally {
    await store.stop();
    await close();
  }
});
