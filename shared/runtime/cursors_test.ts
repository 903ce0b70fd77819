import assert from "node:assert/strict";
import { natsTest } from "@painchain/testing";
import { createCursors, dueAt } from "./cursors.ts";

natsTest("cursor records: a poll is claimed by one replica per interval", async (tn, t) => {
  const replicas = ["replica-a", "replica-b", "replica-c"].map((id) =>
    createCursors(tn.buckets.cursors, "fake", id, () => new Date())
  );
  const [a, b] = replicas as [(typeof replicas)[0], (typeof replicas)[0]];
  const o = { intervalMs: 60_000, nextInMs: 60_000 };
  await t.step("of replicas claiming a new connection at once, one gets the poll", async () => {
    const claims = await Promise.all(replicas.map((c) => c.claim("new", o)));
    const won = claims.filter((c) => "record" in c);
    assert.equal(won.length, 1, JSON.stringify(claims));
    const polledAt = Date.parse((await a.load("new"))!.polledAt!);
    for (const c of claims) if ("dueAt" in c) assert.equal(c.dueAt, polledAt + 60_000);
  });

  await t.step("within the interval a claim is refused, a forced one (sync now) is not", async () => {
    assert.ok("dueAt" in await b.claim("new", o));
    const forced = await b.claim("new", { ...o, force: true });
    assert.ok("record" in forced);
    assert.equal(forced.record.by, "replica-b");
  });

  await t.step("a claim keeps the cursor the last poll saved", async () => {
    assert.ok("record" in await a.claim("kept", o));
    await a.save("kept", { page: 3 });
    const claim = await b.claim("kept", { ...o, force: true });
    assert.ok("record" in claim);
    assert.deepEqual(claim.record.cursor, { page: 3 });
    const rec = (await a.load("kept"))!;
    assert.deepEqual(rec.cursor, { page: 3 });
    assert.equal(rec.by, "replica-b");
    assert.ok(rec.savedAt !== null && rec.savedAt <= rec.polledAt!);
  });

  await t.step(
    "after a failure the next poll is due at the retry, never later than the interval",
    async () => {
      const claim = await a.claim("failing", o);
      assert.ok("record" in claim);
      const retryAt = new Date(Date.now() + 2_000);
      await a.settle("failing", 1, retryAt);
      const rec = await b.load("failing");
      assert.equal(rec!.failures, 1);
      assert.equal(dueAt(rec, 60_000), retryAt.getTime());
      assert.equal(dueAt(rec, 1_000), Date.parse(rec!.polledAt!) + 1_000, "a shortened interval applies");
      await a.settle("failing", 0);
      assert.equal((await b.load("failing"))!.failures, 0);
    },
  );

  await t.step("many concurrent saves by the holder all land, the last one last", async () => {
    assert.ok("record" in await a.claim("busy", o));
    await Promise.all(Array.from({ length: 30 }, (_, i) => a.save("busy", { gen: i })));
    const rec = (await b.load("busy"))!;
    assert.deepEqual(rec.cursor, { gen: 29 });
    assert.ok(rec.polledAt, "the claim survives the saves");
  });

  await t.step("a record written before claims existed is due an interval after its save", () => {
    assert.equal(dueAt(null, 1_000), 0);
    const savedAt = "2026-11-01T00:00:00.000Z";
    const legacy = { cursor: 1, savedAt, polledAt: savedAt, nextPollAt: null, failures: 0, by: "x" };
    assert.equal(dueAt(legacy, 60_000), Date.parse(savedAt) + 60_000);
  });
});
