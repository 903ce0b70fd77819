import { createSql, migrate, toRow, upsertEvents } from "@painchain/store";
import { createTestDb } from "../helpers.ts";
import { benchEvent } from "./ingest.ts";
const N = 50_000;
const events = Array.from({ length: N }, (_, i) => benchEvent(i));
const rows = events.map((e) => toRow(e));
async function fresh() {
  const db = await createTestDb();
  const sql = createSql(db.url, { max: 1 });
  await migrate(sql);
  return { db, sql };
}
async function time(label: string, fn: () => Promise<unknown>) {
  const t = performance.now();
  await fn();
  console.log(label.padEnd(40), ((performance.now() - t) / N * 1000).toFixed(1), "µs/row");
}
const mode = Deno.args[0] ?? "all";
{
  const { db, sql } = await fresh();
  if (mode === "all") {
    await time("upsertEvents full", async () => {
      for (let i = 0; i < N; i += 1000) await upsertEvents(sql, events.slice(i, i + 1000));
    });
  }
  await sql.end();
  await db.drop();
}
for (
  const drop of [
    "",
    "change_events_tags_idx,change_events_refs_idx,change_events_links_idx,change_events_search_idx",
    "TRIGGER",
  ]
) {
  const { db, sql } = await fresh();
  if (drop === "TRIGGER") await sql.unsafe("DROP TRIGGER change_event_hours_insert ON change_events");
  else if (drop) await sql.unsafe(`DROP INDEX ${drop}`);
  await time(`upsert w/o ${drop || "nothing"}`, async () => {
    for (let i = 0; i < N; i += 1000) await upsertEvents(sql, events.slice(i, i + 1000));
  });
  await sql.end();
  await db.drop();
}
