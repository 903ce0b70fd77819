import assert from "node:assert/strict";
import { createTestDb } from "@painchain/testing";
import { createSql, STORE_SESSION_SETTINGS } from "./db.ts";

Deno.test("the store's sessions carry its settings, beside the application name", async () => {
  const db = await createTestDb();
  const sql = createSql(db.url, { max: 1, name: "painchain-store", settings: STORE_SESSION_SETTINGS });
  try {
    const [row] = await sql`SELECT current_setting('gin_pending_list_limit') AS gin,
      current_setting('application_name') AS app`;
    assert.equal(row!.gin, "16MB");
    assert.equal(row!.app, "painchain-store");
  } finally {
    await sql.end();
    await db.drop();
  }
});
