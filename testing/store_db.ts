/** A test database with the store's schema, and a NATS prefix of its own: what a store or a gateway under test needs. */
import { createSql, migrate, type Sql } from "@painchain/store";
import { createTestDb, createTestNats, type TestDb, type TestNats } from "./helpers.ts";

export interface MigratedEnv {
  db: TestDb;
  tn: TestNats;
  sql: Sql;
}

/** `max` sizes the `sql` pool (createSql's default when not given). The caller ends sql, cleans tn, drops db. */
export async function migratedEnv(max?: number): Promise<MigratedEnv> {
  const db = await createTestDb();
  const tn = await createTestNats();
  const sql = createSql(db.url, { max });
  await migrate(sql);
  return { db, tn, sql };
}
