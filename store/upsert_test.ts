import assert from "node:assert/strict";
import { cloudEventSchema } from "@painchain/shared/internal";
import { createTestDb, sampleEvent } from "@painchain/testing";
import { createSql } from "./db.ts";
import { migrate } from "./migrate.ts";
import { newestPerId, toRow, upsertEvents } from "./upsert.ts";

Deno.test("newestPerId() keeps the latest recorded version of each id", () => {
  const a = toRow(cloudEventSchema.parse(sampleEvent(1, { recordedAt: "2026-11-02T00:00:00Z" })));
  const b = toRow(cloudEventSchema.parse(sampleEvent(1, { version: 2, recordedAt: "2026-11-03T00:00:00Z" })));
  assert.deepEqual(newestPerId([b, a]).map((r) => r.title), ["PR 1 v2"]);
  assert.deepEqual(newestPerId([a, b]).map((r) => r.title), ["PR 1 v2"]);
});

Deno.test("upsertEvents()", async (t) => {
  const db = await createTestDb();
  const sql = createSql(db.url);
  try {
    await t.step("migrations are safe to re-run", async () => {
      assert.deepEqual(await migrate(sql), [
        "001_change_events.sql",
        "002_hourly_counts.sql",
        "003_service_environment_search.sql",
        "004_poll_log_and_links.sql",
        "005_team_index.sql",
        "006_partition_by_time.sql",
        "007_planner_costs.sql",
        "008_search_vector_from_store.sql",
        "009_five_minute_counts.sql",
        "010_truncate_keeps_counts.sql",
      ]);
      assert.deepEqual(await migrate(sql), []);
    });
    const v1 = Array.from({ length: 50 }, (_, i) => cloudEventSchema.parse(sampleEvent(i)));
    await t.step("inserts new ids", async () => {
      const stored = await upsertEvents(sql, v1);
      assert.equal(stored.length, 50);
      assert.ok(stored.every((s) => s.op === "inserted"));
    });
    await t.step("an identical version changes nothing", async () => {
      const [b] = await sql`SELECT max(updated_at) AS t FROM change_events`;
      assert.equal((await upsertEvents(sql, v1)).length, 0);
      const [a] = await sql`SELECT max(updated_at) AS t FROM change_events`;
      assert.deepEqual(a!.t, b!.t);
    });
    await t.step("a newer version updates the row and bumps its version", async () => {
      const v2 = [cloudEventSchema.parse(sampleEvent(3, { version: 2, recordedAt: "2026-11-20T00:00:00Z" }))];
      const stored = await upsertEvents(sql, v2);
      assert.deepEqual(stored.map((s) => [s.id, s.op, s.version, s.status]), [[
        "github-pull_request-3",
        "updated",
        2,
        "merged",
      ]]);
    });
    await t.step("an older version changes nothing", async () => {
      const old = [
        cloudEventSchema.parse(sampleEvent(3, { version: 9, recordedAt: "2026-11-10T00:00:00Z" })),
      ];
      assert.equal((await upsertEvents(sql, old)).length, 0);
      const [row] = await sql`SELECT title FROM change_events WHERE id = 'github-pull_request-3'`;
      assert.equal(row!.title, "PR 3 v2");
    });
    await t.step("tags, refs and metadata round-trip", async () => {
      const [row] =
        await sql`SELECT tags, refs, metadata FROM change_events WHERE id = 'github-pull_request-5'`;
      assert.deepEqual(row!.tags, ["prod"]);
      assert.deepEqual(row!.refs, ["pr:octo/repo#5"]);
      assert.deepEqual(row!.metadata, { number: 5, version: 1 });
    });
  } finally {
    await sql.end();
    await db.drop();
  }
});
