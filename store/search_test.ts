import assert from "node:assert/strict";
import { createTestDb } from "@painchain/testing";
import { createSql } from "./db.ts";
import { migrate } from "./migrate.ts";
import { linksOf, searchDocument } from "./search.ts";

const SAMPLES = [
  {
    title: "Deploy checkout v2.3 (hotfix) — café naïve 日本",
    author: "jane.doe@example.com",
    subject: "acme/checkout#12",
    description: "x".repeat(2100) + " tail",
    service: "checkout",
    environment: "prod-eu_1",
    tags: ["team-7", "prod"],
    refs: [
      "sha:ABCDEF1234567890abcdef1234567890abcdef12",
      "pr:acme/checkout#12",
      "image:registry.acme.dev:5000/checkout:abc1234",
      "image:x:notahexvalue",
      "repo:acme/checkout",
      "tag:v1.2.3",
      "sha:abc12",
      "pr:acme/checkout#12",
    ],
  },
  { title: "", author: "", subject: null, description: "", service: "", environment: "", tags: [], refs: [] },
];

Deno.test("searchDocument() and linksOf() give what change_event_search() and change_event_links() give", async () => {
  const db = await createTestDb();
  const sql = createSql(db.url);
  try {
    await migrate(sql);
    for (const s of SAMPLES) {
      const [r] =
        await sql`SELECT change_event_search(${s.title}, ${s.author}, ${s.subject}, ${s.description},
          ${sql.array(s.tags)}::text[], ${
          sql.array(s.refs)
        }::text[], ${s.service}, ${s.environment})::text AS want,
        to_tsvector('simple', ${searchDocument(s)})::text AS got,
        change_event_links(${sql.array(s.refs)}::text[]) AS links`;
      assert.equal(r!.got, r!.want);
      assert.deepEqual([...linksOf(s.refs)].sort(), [...r!.links].sort());
    }
  } finally {
    await sql.end();
    await db.drop();
  }
});
