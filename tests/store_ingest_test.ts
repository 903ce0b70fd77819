/** The store against real NATS and Postgres: volume, idempotence, versions, and the dead-letter stream. */
import assert from "node:assert/strict";
import { cloudEventSchema, encoder, messageId, silentLogger } from "@painchain/shared/internal";
import { startStoreConsumer } from "@painchain/store";
import { migratedEnv, sampleEvent, waitFor } from "@painchain/testing";

async function publishAll(
  js: import("nats").JetStreamClient,
  subject: (e: ReturnType<typeof sampleEvent>) => string,
  events: ReturnType<typeof sampleEvent>[],
) {
  for (let i = 0; i < events.length; i += 500) {
    await Promise.all(
      events.slice(i, i + 500).map((e) =>
        js.publish(subject(e), encoder.encode(JSON.stringify(e)), {
          msgID: messageId(cloudEventSchema.parse(e)),
        })
      ),
    );
  }
}

Deno.test("store ingests through JetStream", async (t) => {
  const { db, tn, sql } = await migratedEnv();
  const store = await startStoreConsumer({
    nats: tn.nats,
    sql,
    names: tn.names,
    log: silentLogger,
    retryDelayMs: 200,
  });
  const subject = (e: ReturnType<typeof sampleEvent>) =>
    tn.names.eventSubject(e.data.connector, e.data.eventType);
  const count = async () => Number((await sql`SELECT count(*)::int AS n FROM change_events`)[0]!.n);
  try {
    const events = Array.from({ length: 10_000 }, (_, i) => sampleEvent(i));

    await t.step("10,000 published events all land in Postgres", async () => {
      await publishAll(tn.nats.js, subject, events);
      await waitFor(async () => (await count()) === 10_000, 60_000, "10,000 rows");
    });

    await t.step("re-publishing all 10,000 adds none and changes none", async () => {
      const [before] = await sql`SELECT max(updated_at) AS t, sum(version)::int AS v FROM change_events`;
      // Bypass JetStream's duplicate window with fresh message ids: the store itself must hold the line.
      for (let i = 0; i < events.length; i += 500) {
        await Promise.all(
          events.slice(i, i + 500).map((e, j) =>
            tn.nats.js.publish(subject(e), encoder.encode(JSON.stringify(e)), { msgID: `replay-${i + j}` })
          ),
        );
      }
      const target = store.stats.received + 0;
      await waitFor(() => store.stats.received >= 20_000, 60_000, "replay consumed");
      assert.ok(target <= store.stats.received);
      assert.equal(await count(), 10_000);
      const [after] = await sql`SELECT max(updated_at) AS t, sum(version)::int AS v FROM change_events`;
      assert.deepEqual(after, before);
    });

    await t.step("a newer version of 100 updates exactly those 100", async () => {
      const newer = Array.from(
        { length: 100 },
        (_, i) => sampleEvent(i * 37, { version: 2, recordedAt: "2026-11-25T00:00:00.000Z" }),
      );
      await publishAll(tn.nats.js, subject, newer);
      await waitFor(
        async () =>
          Number((await sql`SELECT count(*)::int AS n FROM change_events WHERE version = 2`)[0]!.n) === 100,
        20_000,
        "100 updates",
      );
      const rows = await sql`SELECT id FROM change_events WHERE version > 1 ORDER BY id`;
      assert.deepEqual(rows.map((r) => r.id).sort(), newer.map((e) => e.id).sort());
    });

    await t.step("an older version changes nothing", async () => {
      const older = Array.from(
        { length: 100 },
        (_, i) => sampleEvent(i * 37, { version: 7, recordedAt: "2026-11-24T00:00:00.000Z" }),
      );
      const received = store.stats.received;
      await publishAll(tn.nats.js, subject, older);
      await waitFor(() => store.stats.received >= received + 100, 20_000, "older consumed");
      const [r] = await sql`SELECT count(*)::int AS n FROM change_events WHERE title LIKE '%v7'`;
      assert.equal(r!.n, 0);
      const [v] = await sql`SELECT count(*)::int AS n FROM change_events WHERE version = 2`;
      assert.equal(v!.n, 100);
    });

    await t.step("1,000 malformed messages are dead-lettered while valid ones are stored", async () => {
      const before = await count();
      const bad: { subject: string; body: Uint8Array }[] = [];
      for (let i = 0; i < 1000; i++) {
        const kind = i % 5;
        const e = sampleEvent(100_000 + i) as Record<string, unknown>;
        if (kind === 0) {
          bad.push({
            subject: tn.names.eventSubject("github", "pull_request"),
            body: encoder.encode(`{not json ${i}`),
          });
        }
        if (kind === 1) {
          bad.push({
            subject: subject(e as never),
            body: encoder.encode(JSON.stringify({ ...e, time: "yesterday" })),
          });
        }
        if (kind === 2) {
          bad.push({
            subject: subject(e as never),
            body: encoder.encode(JSON.stringify({ ...e, data: { ...(e.data as object), title: 42 } })),
          });
        }
        if (kind === 3) {
          bad.push({
            subject: subject(e as never),
            body: encoder.encode(
              JSON.stringify({ ...e, data: { ...(e.data as object), title: "nul\u0000here" } }),
            ),
          });
        }
        if (kind === 4) {
          bad.push({
            subject: tn.names.eventSubject("gitlab", "pipeline"),
            body: encoder.encode(JSON.stringify(e)),
          });
        }
      }
      const good = Array.from({ length: 2000 }, (_, i) => sampleEvent(200_000 + i, { connector: "gitlab" }));
      const mixed: { subject: string; body: Uint8Array }[] = [];
      for (let i = 0; i < 2000; i++) {
        mixed.push({ subject: subject(good[i]!), body: encoder.encode(JSON.stringify(good[i])) });
        if (i % 2 === 0) mixed.push(bad[i / 2]!);
      }
      for (let i = 0; i < mixed.length; i += 500) {
        await Promise.all(mixed.slice(i, i + 500).map((m) => tn.nats.js.publish(m.subject, m.body)));
      }
      await waitFor(async () => (await count()) === before + 2000, 30_000, "valid rows");
      await waitFor(() => store.stats.deadLettered >= 1000, 10_000, "dead letters");
      const info = await tn.nats.jsm.streams.info(tn.names.deadLetterStream);
      assert.equal(info.state.messages, 1000);
      const msg = await tn.nats.jsm.streams.getMessage(tn.names.deadLetterStream, { seq: 1 });
      assert.ok(msg.header.get("Painchain-Reason"));
      assert.ok(msg.header.get("Painchain-Detail").length > 0);
      const reasons = new Set<string>();
      for (let s = 1; s <= 1000; s += 1) {
        reasons.add(
          (await tn.nats.jsm.streams.getMessage(tn.names.deadLetterStream, { seq: s })).header.get(
            "Painchain-Reason",
          ),
        );
        if (s > 20) break;
      }
      assert.ok(
        reasons.has("invalid_json") && reasons.has("invalid_event") && reasons.has("wrong_subject"),
        [...reasons].join(),
      );
      // The store is still up: a fresh valid event is stored.
      await publishAll(tn.nats.js, subject, [sampleEvent(999_999)]);
      await waitFor(async () => (await count()) === before + 2001, 10_000, "store still up");
    });

    await t.step(
      "a database that refuses the write itself (not the data) dead-letters nothing: retried",
      async () => {
        const before = await count();
        const dead = store.stats.deadLettered;
        const retried = store.stats.retried;
        // An operator's slip or a half-applied upgrade: the write function is missing (SQLSTATE 42883).
        await sql`ALTER FUNCTION change_events_write(jsonb) RENAME TO change_events_write_away`;
        try {
          await publishAll(
            tn.nats.js,
            subject,
            Array.from({ length: 50 }, (_, i) => sampleEvent(300_000 + i)),
          );
          await waitFor(() => store.stats.retried > retried, 10_000, "a failed write, retried");
          assert.equal(store.stats.deadLettered, dead, "nothing dead-lettered");
          assert.equal(await count(), before);
        } finally {
          await sql`ALTER FUNCTION change_events_write_away(jsonb) RENAME TO change_events_write`;
        }
        await waitFor(
          async () => (await count()) === before + 50,
          20_000,
          "stored once the function is back",
        );
        assert.equal(store.stats.deadLettered, dead);
      },
    );
  } finally {
    await store.stop();
    await sql.end();
    await tn.cleanup();
    await db.drop();
  }
});
