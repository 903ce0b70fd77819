import { createSql, migrate, toRow } from "@painchain/store";
import { createTestDb } from "../helpers.ts";
import { benchEvent } from "./ingest.ts";
const N = 50_000;
const rows = Array.from({ length: N }, (_, i) => toRow(benchEvent(i)));
const db = await createTestDb();
const sql = createSql(db.url, { max: 1 });
await migrate(sql);
async function time(label: string, fn: () => Promise<unknown>) {
  const t = performance.now();
  await fn();
  console.log(label.padEnd(40), ((performance.now() - t) / N * 1000).toFixed(1), "µs/row");
}
await sql`CREATE TABLE j (b jsonb)`;
for (let i = 0; i < N; i += 1000) {
  await sql`INSERT INTO j VALUES (${JSON.stringify(rows.slice(i, i + 1000))}::text::jsonb)`;
}
const T = `connector text, id text, event_type text, connection_id text, source text, subject text,
  title text, description text, author text, url text, status text, tags text[], refs text[],
  declared_service text, declared_environment text, service text, environment text, team text,
  catalog_version integer, metadata jsonb, occurred_at timestamptz, recorded_at timestamptz, content_hash text`;
await time(
  "jsonb_to_recordset full row (in db)",
  () => sql.unsafe(`SELECT count(*) FROM j, jsonb_to_recordset(b) AS x(${T})`),
);
await time(
  "+ search",
  () =>
    sql.unsafe(
      `SELECT sum(length(change_event_search(title, author, subject, description, tags, refs, service, environment))) FROM j, jsonb_to_recordset(b) AS x(${T})`,
    ),
);
await time(
  "+ links",
  () =>
    sql.unsafe(`SELECT sum(cardinality(change_event_links(refs))) FROM j, jsonb_to_recordset(b) AS x(${T})`),
);
await sql.unsafe(`CREATE UNLOGGED TABLE s AS SELECT x.* FROM j, jsonb_to_recordset(b) AS x(${T})`);
const csv =
  rows.map((r) =>
    Object.values(r).map((v) =>
      v === null
        ? "\\N"
        : Array.isArray(v)
        ? `{${v.map((t) => JSON.stringify(t)).join(",")}}`
        : typeof v === "object"
        ? JSON.stringify(v)
        : String(v)
    ).map((v) => v.replace(/\\/g, (m) => m)).join("\t")
  ).join("\n") + "\n";
await Deno.writeTextFile("/tmp/pg_exp.tsv", csv);
await sql`TRUNCATE s`;
await time("COPY text into unlogged", async () => {
  const w = await sql`COPY s FROM STDIN`.writable();
  await new Promise<void>((res, rej) => {
    w.on("error", rej);
    w.write(csv);
    w.end(() => res());
  });
});
await time(
  "insert from staging (full write, no keys)",
  () =>
    sql.unsafe(
      `INSERT INTO change_events (connector, id, event_type, connection_id, source, subject, title, description, author, url, status,
      tags, refs, declared_service, declared_environment, service, environment, team, catalog_version, metadata, occurred_at, recorded_at, content_hash, search, links)
      SELECT *, change_event_search(title, author, subject, description, tags, refs, service, environment), change_event_links(refs) FROM s`,
    ),
);
await time(
  "keys insert from staging",
  () =>
    sql.unsafe(
      `INSERT INTO change_event_keys (connector, id, occurred_at, recorded_at, content_hash, connection_id) SELECT connector, id, occurred_at, recorded_at, content_hash, connection_id FROM s ORDER BY 1,2`,
    ),
);
await sql.end();
await db.drop();
