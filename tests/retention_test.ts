/**
 * PAINCHAIN_RETENTION_DAYS: partitions wholly past the cutoff go (with their hourly counts and keys), recent rows
 * stay, and batches written while the purge runs are all stored.
 */
import assert from "node:assert/strict";
import { cloudEventSchema, type PainchainCloudEvent } from "@painchain/shared/internal";
import { createSql, listPartitions, migrate, purgeExpired, upsertEvents } from "@painchain/store";
import { createTestDb, sampleEvent } from "@painchain/testing";

const DAY = 86400_000;

function eventAt(i: number, time: Date, tag = "r"): PainchainCloudEvent {
  const e = sampleEvent(i);
  return cloudEventSchema.parse({
    ...e,
    id: `github-pull_request-${tag}${i}`,
    time: time.toISOString(),
    recordedtime: time.toISOString(),
  });
}

Deno.test("retention drops whole old partitions while ingest goes on", async () => {
  const db = await createTestDb();
  const sql = createSql(db.url, { max: 6 });
  try {
    await migrate(sql);
    const now = new Date();
    // 200 changes a week for a year, the newest first.
    const history = Array.from(
      { length: 52 * 200 },
      (_, i) => eventAt(i, new Date(now.getTime() - i * 3_000_000)),
    );
    for (let i = 0; i < history.length; i += 1000) await upsertEvents(sql, history.slice(i, i + 1000));
    const before = await listPartitions(sql);
    const cutoff = new Date(now.getTime() - 90 * DAY);
    const expired = before.filter((p) => p.to <= cutoff).map((p) => p.name);
    assert.ok(expired.length >= 8, `${expired.length} partitions past 90 days`);
    const [{ kept }] = await sql`SELECT count(*)::int AS kept FROM change_events
      WHERE occurred_at >= (SELECT min("from") FROM unnest(${
      sql.array(
        before.filter((p) => p.to > cutoff).map((p) => p.from.toISOString()),
      )
    }::timestamptz[]) AS u("from"))` as unknown as [{ kept: number }];

    // Ingest of current changes, batch after batch on other connections, for as long as the purge runs.
    let purging = true;
    let written = 0;
    const ingest = (async () => {
      for (let b = 0; purging || b < 5; b++) {
        const batch = Array.from(
          { length: 200 },
          (_, i) => eventAt(b * 200 + i, new Date(now.getTime() - i * 1000), "new"),
        );
        await upsertEvents(sql, batch);
        written += batch.length;
      }
    })();
    const dropped = await purgeExpired(sql, { retentionDays: 90, now, lockTimeoutMs: 100 });
    purging = false;
    await ingest;

    assert.deepEqual(dropped, expired);
    const after = (await listPartitions(sql)).map((p) => p.name);
    for (const name of expired) assert.ok(!after.includes(name), `${name} dropped`);
    const [r] = await sql`SELECT
      (SELECT count(*) FROM change_events WHERE id LIKE 'github-pull_request-new%')::int AS fresh,
      (SELECT count(*) FROM change_events WHERE id NOT LIKE 'github-pull_request-new%')::int AS old,
      (SELECT count(*) FROM change_event_keys)::int AS keys,
      (SELECT count(*) FROM change_events)::int AS rows,
      (SELECT coalesce(sum(n), 0) FROM change_event_hours)::int AS counted`;
    assert.equal(r!.fresh, written, "every batch written during the purge is stored");
    assert.ok(written >= 1000);
    assert.equal(r!.old, kept, "rows in partitions within the retention stay");
    assert.equal(r!.keys, r!.rows, "one key per row");
    assert.equal(r!.counted, r!.rows, "the hourly counts match the rows");
    const [oldest] = await sql`SELECT min(occurred_at) AS t FROM change_events`;
    assert.ok(new Date(oldest!.t) >= new Date(cutoff.getTime() - 31 * DAY));
    // Nothing past the retention: a second run drops nothing.
    assert.deepEqual(await purgeExpired(sql, { retentionDays: 90, now }), []);
    // 0 keeps everything.
    assert.deepEqual(await purgeExpired(sql, { retentionDays: 0, now }), []);
  } finally {
    await sql.end();
    await db.drop();
  }
});
