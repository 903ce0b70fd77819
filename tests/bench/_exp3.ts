import { createSql, linksOf, migrate, searchDocument, toRow } from "@painchain/store";
import { createTestDb } from "../helpers.ts";
import { benchEvent } from "./ingest.ts";
const N = 40_000;
const rows = Array.from({ length: N }, (_, i) => {
  const r = toRow(benchEvent(i));
  return { ...r, search_doc: searchDocument(r), links: linksOf(r.refs) };
});
const db = await createTestDb();
console.log(db.url);
const sql = createSql(db.url, { max: 1 });
await migrate(sql);
await sql`CREATE TABLE j (k int, b jsonb)`;
for (let i = 0; i < N; i += 1000) {
  await sql`INSERT INTO j VALUES (${i}, ${JSON.stringify(rows.slice(i, i + 1000))}::text::jsonb)`;
}
await sql`SELECT change_events_ensure_partition(t) FROM (SELECT DISTINCT date_trunc('month', (r->>'occurred_at')::timestamptz) t FROM j, jsonb_array_elements(b) r) x`;
await sql.end();
