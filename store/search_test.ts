import assert from "node:assert/strict";
import { searchQuery, searchVector, searchWords } from "@painchain/shared/search";
import { createTestDb } from "@painchain/testing";
import { createSql } from "./db.ts";
import { migrate } from "./migrate.ts";
import { linksOf } from "./search.ts";

const SAMPLES = [
  {
    title: "Deploy checkout v2.3 (hotfix) — café naïve 日本 ÄNDERUNG",
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
  {
    title: "Roll back payments-api after 3 failed checks",
    author: "bob",
    subject: null,
    description:
      "Reverted https://git.example.com/acme/payments/-/merge_requests/7 and 'quoted' words; repeat ".repeat(
        30,
      ),
    service: "payments",
    environment: "staging",
    tags: [],
    refs: [],
  },
  {
    title: "",
    author: "",
    subject: null,
    description: "ok ".repeat(700),
    service: "",
    environment: "",
    tags: [],
    refs: [],
  },
  { title: "", author: "", subject: null, description: "", service: "", environment: "", tags: [], refs: [] },
];
const fieldsText = (s: (typeof SAMPLES)[number]) =>
  [
    s.title,
    s.author,
    s.subject ?? "",
    [...s.description].slice(0, 2000).join(""),
    s.service,
    s.environment,
    ...s.tags,
    ...s.refs,
  ].join(" ");

Deno.test("searchVector() is what Postgres's own parser makes of the same words; linksOf() is change_event_links()", async () => {
  const db = await createTestDb();
  const sql = createSql(db.url);
  try {
    await migrate(sql);
    for (const s of SAMPLES) {
      const [r] = await sql`SELECT ${searchVector(s)}::tsvector::text AS got,
        to_tsvector('simple', ${searchWords(fieldsText(s)).join(" ")})::text AS want,
        change_event_links(${sql.array(s.refs)}::text[]) AS links`;
      assert.equal(r!.got, r!.want);
      assert.deepEqual([...linksOf(s.refs)].sort(), [...r!.links].sort());
    }
  } finally {
    await sql.end();
    await db.drop();
  }
});

Deno.test("searchQuery() finds in vectors the store writes and in those written before it (change_event_search)", async () => {
  const db = await createTestDb();
  const sql = createSql(db.url);
  try {
    await migrate(sql);
    const matches = async (q: string) => {
      const found: string[] = [];
      for (const [i, s] of SAMPLES.entries()) {
        const [r] = await sql`SELECT ${searchVector(s)}::tsvector @@ ${searchQuery(q)}::tsquery AS now,
          change_event_search(${s.title}, ${s.author}, ${s.subject}, ${s.description}, ${
          sql.array(s.tags)
        }::text[],
            ${sql.array(s.refs)}::text[], ${s.service}, ${s.environment}) @@ ${
          searchQuery(q)
        }::tsquery AS before`;
        assert.equal(r!.now, r!.before, `"${q}" on sample ${i}: the same answer for old and new rows`);
        if (r!.now) found.push(String(i));
      }
      return found.join(",");
    };
    assert.equal(await matches("checkout"), "0", "a word inside a path");
    assert.equal(await matches("CHECKOUT hotfix"), "0", "every word, any case");
    assert.equal(await matches("payments-api"), "1", "words joined by punctuation, in order");
    assert.equal(await matches('"back payments"'), "1", "a quoted phrase");
    assert.equal(await matches('"payments back"'), "", "a phrase in the wrong order");
    assert.equal(await matches("checkout or payments"), "0,1", "or");
    assert.equal(await matches("prod -hotfix"), "", "-word excludes");
    assert.equal(await matches("abc1234"), "0", "an image tag");
    assert.equal(await matches("café"), "0", "accents");
    assert.equal(await matches("änderung"), "0", "non-ASCII lower-casing");
    assert.equal(await matches("jane.doe@example.com"), "0", "an email address");
  } finally {
    await sql.end();
    await db.drop();
  }
});
