/** Applies the plain-SQL migrations in store/migrations in name order, once each; safe to re-run. */
import type { Sql } from "./db.ts";

const DIR = new URL("./migrations/", import.meta.url);

export async function migrate(sql: Sql): Promise<string[]> {
  const files: string[] = [];
  for await (const e of Deno.readDir(DIR)) if (e.isFile && e.name.endsWith(".sql")) files.push(e.name);
  files.sort();
  const applied: string[] = [];
  await sql.begin(async (tx) => {
    // One migrator at a time, even with several stores starting together.
    await tx`SELECT pg_advisory_xact_lock(4242001)`;
    await tx`CREATE TABLE IF NOT EXISTS schema_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`;
    const done = new Set(
      (await tx<{ name: string }[]>`SELECT name FROM schema_migrations`).map((r) => r.name),
    );
    for (const name of files) {
      if (done.has(name)) continue;
      await tx.unsafe(await Deno.readTextFile(new URL(name, DIR)));
      await tx`INSERT INTO schema_migrations (name) VALUES (${name})`;
      applied.push(name);
    }
  });
  return applied;
}
