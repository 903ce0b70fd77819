import assert from "node:assert/strict";
import { cloudEventSchema, silentLogger } from "@painchain/shared/internal";
import { SEARCH_VERSION, searchQuery } from "@painchain/shared/search";
import { createTestDb, sampleEvent } from "@painchain/testing";
import { rederive } from "./catalog.ts";
import { createSql } from "./db.ts";
import { migrate } from "./migrate.ts";
import { upsertEvents } from "./upsert.ts";

Deno.test("rederive() re-indexes search vectors made with another definition of a word, and only those", async () => {
  const db = await createTestDb();
  const sql = createSql(db.url);
  try {
    await migrate(sql);
    const events = [1, 2, 3].map((i) => cloudEventSchema.parse(sampleEvent(i)));
    events[0]!.data.title = "Deploy the cafe\u0301 menu"; // decomposed: e and a combining accent
    await upsertEvents(sql, events);
    const vectors = async () =>
      Object.fromEntries(
        (await sql`SELECT id, search::text AS search, search_version FROM change_events ORDER BY id`)
          .map((r) => [r.id as string, `${r.search_version} ${r.search}`]),
      );
    const written = await vectors();
    assert.ok(Object.values(written).every((v) => v.startsWith(`${SEARCH_VERSION} `)));
    // Two rows as a store before 008 wrote them: Postgres's parser, version 0.
    await sql`UPDATE change_events SET search = change_event_search(title, author, subject, description, tags, refs,
        service, environment), search_version = 0 WHERE id <> ${events[2]!.id}`;
    const cafe = async () =>
      (await sql`SELECT count(*)::int AS n FROM change_events WHERE search @@ ${
        searchQuery("café")
      }::tsquery`)[0]!.n;
    assert.equal(await cafe(), 0, "Postgres's parser keeps the decomposed form");

    const state = () => ({ catalog: { rules: [] }, version: 0 });
    assert.equal(await rederive(sql, state, { log: silentLogger, batch: 2 }), 2);
    assert.deepEqual(await vectors(), written, "the store's vectors again, where they were replaced");
    assert.equal(await cafe(), 1);
    assert.equal(await rederive(sql, state, { log: silentLogger }), 0, "nothing left to do");
  } finally {
    await sql.end();
    await db.drop();
  }
});
