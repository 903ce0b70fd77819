import assert from "node:assert/strict";
import { createTestDb } from "@painchain/testing";
import { createSql } from "./db.ts";
import { migrate } from "./migrate.ts";

Deno.test("006 partitions a populated change_events, keeping every row and the hourly counts", async () => {
  const db = await createTestDb();
  const sql = createSql(db.url);
  try {
    // The schema as it was before 006, with rows spread over two years.
    const dir = new URL("./migrations/", import.meta.url);
    await sql`CREATE TABLE schema_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`;
    for (
      const name of [
        "001_change_events.sql",
        "002_hourly_counts.sql",
        "003_service_environment_search.sql",
        "004_poll_log_and_links.sql",
        "005_team_index.sql",
      ]
    ) {
      await sql.unsafe(await Deno.readTextFile(new URL(name, dir)));
      await sql`INSERT INTO schema_migrations (name) VALUES (${name})`;
    }
    await sql`INSERT INTO change_events (connector, id, event_type, connection_id, source, title, occurred_at,
        recorded_at, content_hash, version, refs, search, links)
      SELECT (ARRAY['github','gitlab'])[1 + g % 2], 'e' || g, 'push', 'c', 's', 'change ' || g,
        timestamptz '2025-01-01' + g * interval '7 hours', now(), md5(g::text), 1 + g % 3, ARRAY['sha:abc1234'],
        to_tsvector('simple', 'change ' || g), ARRAY['sha7:abc1234']
      FROM generate_series(1, 2500) g`;
    const before =
      await sql`SELECT connector, id, occurred_at, version, title FROM change_events ORDER BY 1, 2`;
    const hoursBefore = await sql`SELECT * FROM change_event_hours WHERE n <> 0 ORDER BY 1, 2, 3`;
    assert.deepEqual(await migrate(sql), [
      "006_partition_by_time.sql",
      "007_planner_costs.sql",
      "008_search_vector_from_store.sql",
      "009_five_minute_counts.sql",
      "010_truncate_keeps_counts.sql",
    ]);
    const after =
      await sql`SELECT connector, id, occurred_at, version, title FROM change_events ORDER BY 1, 2`;
    assert.deepEqual([...after], [...before]);
    assert.deepEqual([...await sql`SELECT * FROM change_event_hours WHERE n <> 0 ORDER BY 1, 2, 3`], [
      ...hoursBefore,
    ]);
    const [k] = await sql`SELECT count(*)::int AS n FROM change_event_keys`;
    assert.equal(k!.n, 2500);
    const [p] =
      await sql`SELECT count(*)::int AS n FROM pg_inherits WHERE inhparent = 'change_events'::regclass`;
    assert.ok(p!.n >= 20, `${p!.n} monthly partitions`);
    const [s] =
      await sql`SELECT count(*)::int AS n FROM change_events WHERE search @@ to_tsquery('simple', '2499')`;
    assert.equal(s!.n, 1);
  } finally {
    await sql.end();
    await db.drop();
  }
});
