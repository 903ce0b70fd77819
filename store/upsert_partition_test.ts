import assert from "node:assert/strict";
import { cloudEventSchema, type PainchainCloudEvent } from "@painchain/shared/internal";
import { createTestDb, sampleEvent } from "@painchain/testing";
import { createSql, type Sql } from "./db.ts";
import { migrate } from "./migrate.ts";
import { upsertEvents } from "./upsert.ts";

/** Version `v` of change `i`, recorded on day `v` of January 2027 and happening in month `month` of 2026. */
function version(i: number, v: number, month: number): PainchainCloudEvent {
  const e = sampleEvent(i, { version: v, recordedAt: new Date(Date.UTC(2027, 0, v, 0, 0, i)).toISOString() });
  return cloudEventSchema.parse({
    ...e,
    time: new Date(Date.UTC(2026, month, 1 + (i % 20), i % 24)).toISOString(),
  });
}

/** The hourly counts agree with the rows, and there is one row per key. */
async function assertConsistent(sql: Sql) {
  const drift = await sql`
    SELECT coalesce(h.bin, e.bin) AS bin, h.n AS counted, e.n AS actual FROM
      (SELECT bin, connector, event_type, n FROM change_event_hours WHERE n <> 0) h
      FULL JOIN (SELECT date_trunc('hour', occurred_at, 'UTC') AS bin, connector, event_type, count(*) AS n
        FROM change_events GROUP BY 1, 2, 3) e USING (bin, connector, event_type)
    WHERE h.n IS DISTINCT FROM e.n`;
  assert.deepEqual([...drift], []);
  const [k] = await sql`SELECT (SELECT count(*) FROM change_events)::int AS rows,
    (SELECT count(DISTINCT (connector, id)) FROM change_events)::int AS ids,
    (SELECT count(*) FROM change_event_keys)::int AS keys,
    (SELECT count(*) FROM change_events c JOIN change_event_keys k USING (connector, id, occurred_at))::int AS joined`;
  assert.equal(k!.rows, k!.ids);
  assert.equal(k!.rows, k!.keys);
  assert.equal(k!.rows, k!.joined);
}

Deno.test("upsertEvents() on the partitioned table", async (t) => {
  const db = await createTestDb();
  const sql = createSql(db.url);
  const other = createSql(db.url);
  try {
    await migrate(sql);
    await t.step("a later version in another month moves the row, keeping its version count", async () => {
      const first = await upsertEvents(sql, [version(1, 1, 9)]);
      assert.deepEqual(first.map((s) => [s.op, s.version]), [["inserted", 1]]);
      const [before] = await sql`SELECT stored_at FROM change_events WHERE id = 'github-pull_request-1'`;
      const moved = await upsertEvents(sql, [version(1, 2, 11)]);
      assert.deepEqual(moved.map((s) => [s.op, s.version, s.title]), [["updated", 2, "PR 1 v2"]]);
      const rows = await sql`SELECT tableoid::regclass::text AS part, version, stored_at FROM change_events
        WHERE id = 'github-pull_request-1'`;
      assert.deepEqual(rows.map((r) => [r.part, r.version]), [["change_events_p202612", 2]]);
      assert.deepEqual(rows[0]!.stored_at, before!.stored_at);
      // An older version, in yet another month, changes nothing.
      assert.deepEqual(await upsertEvents(sql, [version(1, 1, 3)]), []);
      await assertConsistent(sql);
    });

    await t.step(
      "two stores writing versions of the same changes at once: the newest wins, counted",
      async () => {
        const ids = Array.from({ length: 300 }, (_, i) => 100 + i);
        await upsertEvents(sql, ids.map((i) => version(i, 1, 8)));
        const results = { a: [] as { id: string; op: string }[], b: [] as { id: string; op: string }[] };
        // Rounds of versions 2..7: store A writes the even ones, store B the odd ones, each in one batch, in
        // months that change every version, on two connections at the same moment.
        for (let v = 2; v <= 7; v += 2) {
          const [a, b] = await Promise.all([
            upsertEvents(sql, ids.map((i) => version(i, v, (v + i) % 12))),
            upsertEvents(other, ids.map((i) => version(i, v + 1, (v + 1 + i) % 12)).reverse()),
          ]);
          results.a.push(...a);
          results.b.push(...b);
        }
        const rows = await sql`SELECT id, title, version FROM change_events WHERE id = ANY(${
          ids.map((i) => `github-pull_request-${i}`)
        }::text[])`;
        assert.equal(rows.length, ids.length);
        const updates = new Map<string, number>();
        for (const s of [...results.a, ...results.b]) updates.set(s.id, (updates.get(s.id) ?? 0) + 1);
        for (const r of rows) {
          assert.match(r.title, / v7$/, `${r.id} ends on the newest version`);
          assert.equal(r.version, 1 + (updates.get(r.id) ?? 0), `${r.id}: one version per winning write`);
        }
        await assertConsistent(sql);
      },
    );
  } finally {
    await sql.end();
    await other.end();
    await db.drop();
  }
});
