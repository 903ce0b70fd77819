import assert from "node:assert/strict";
import { cloudEventSchema } from "@painchain/shared/internal";
import { createTestDb, sampleEvent } from "@painchain/testing";
import { createSql } from "./db.ts";
import { migrate } from "./migrate.ts";
import { upsertEvents } from "./upsert.ts";

const DEC = 30 * 1440; // sampleEvent(i) is i minutes after 2026-11-01: from here on, December.
const events = [...Array.from({ length: 5 }, (_, i) => i), ...Array.from({ length: 3 }, (_, i) => DEC + i)]
  .map((i) => cloudEventSchema.parse(sampleEvent(i)));

Deno.test("a TRUNCATE takes its range's counts and keys with it: the changes can be stored again", async (t) => {
  const db = await createTestDb();
  const sql = createSql(db.url, { max: 1 });
  const counted = async (table: "change_event_hours" | "change_event_minutes", month: string) =>
    Number(
      (await sql`SELECT coalesce(sum(n), 0)::int AS n FROM ${sql(table)}
      WHERE to_char(bin AT TIME ZONE 'UTC', 'YYYY-MM') = ${month}`)[0]!.n,
    );
  const keys = async (month: string) =>
    Number(
      (await sql`SELECT count(*)::int AS n FROM change_event_keys
      WHERE to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM') = ${month}`)[0]!.n,
    );
  try {
    await migrate(sql);
    // A session in another time zone must not shift the month's range.
    await sql`SET TIME ZONE 'America/New_York'`;
    assert.equal((await upsertEvents(sql, events)).length, 8);

    await t.step(
      "one month's partition truncated: its counts and keys go, the other month's stay",
      async () => {
        await sql`TRUNCATE change_events_p202611`;
        for (const table of ["change_event_hours", "change_event_minutes"] as const) {
          assert.equal(await counted(table, "2026-11"), 0, table);
          assert.equal(await counted(table, "2026-12"), 3, table);
        }
        assert.equal(await keys("2026-11"), 0);
        assert.equal(await keys("2026-12"), 3);
        const again = await upsertEvents(sql, events);
        assert.deepEqual(
          again.map((s) => s.op),
          Array(5).fill("inserted"),
          "November's stored again, as new",
        );
        assert.equal(await counted("change_event_hours", "2026-11"), 5);
      },
    );

    await t.step("a month made after the migration has the trigger too", async () => {
      const later = cloudEventSchema.parse(sampleEvent(DEC + 40 * 1440)); // January 2027
      await upsertEvents(sql, [later]);
      await sql`TRUNCATE change_events_p202701`;
      assert.equal(await keys("2027-01"), 0);
      assert.equal(await counted("change_event_minutes", "2027-01"), 0);
    });

    await t.step("the whole table truncated: every count and key goes", async () => {
      await sql`TRUNCATE change_events`;
      for (const m of ["2026-11", "2026-12"]) {
        assert.equal(await counted("change_event_hours", m), 0);
        assert.equal(await keys(m), 0);
      }
      assert.equal((await upsertEvents(sql, events)).length, 8);
      assert.equal(await counted("change_event_minutes", "2026-12"), 3);
    });
  } finally {
    await sql.end();
    await db.drop();
  }
});
