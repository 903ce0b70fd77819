import assert from "node:assert/strict";
import { matchesSearch, parseSearch, searchQuery, searchVector, searchWords } from "./search.ts";

Deno.test("searchWords: runs of letters and digits, lower-cased", () => {
  assert.deepEqual(searchWords("Deploy acme/Checkout#12 v2.3 — café 日本"), [
    "deploy",
    "acme",
    "checkout",
    "12",
    "v2",
    "3",
    "café",
    "日本",
  ]);
  assert.deepEqual(searchWords("x".repeat(2047)), [], "a word over Postgres's lexeme limit is left out");
});

const NONE = {
  title: "",
  author: "",
  subject: null,
  description: "",
  service: "",
  environment: "",
  tags: [],
  refs: [],
};

Deno.test("searchVector: positions in order, repeated words collected", () => {
  const v = searchVector({
    ...NONE,
    title: "Roll out checkout",
    author: "jane",
    subject: "acme/checkout",
    service: "checkout",
    environment: "prod",
    refs: ["sha:abc1234"],
  });
  assert.equal(v, "'roll':1 'out':2 'checkout':3,6,7 'jane':4 'acme':5 'prod':8 'sha':9 'abc1234':10");
});

Deno.test("searchQuery: websearch syntax as a tsquery", () => {
  const cases: [string, string | null][] = [
    ["checkout", "'checkout'"],
    ["payments migration", "('payments' & 'migration')"],
    ["service-3", "('service' <-> '3')"],
    ['"roll back" checkout', "(('roll' <-> 'back') & 'checkout')"],
    ["retry -checkout", "('retry' & !'checkout')"],
    ["payments or checkout", "'payments' | 'checkout'"],
    ["or checkout OR", "'checkout'"],
    ["Ünïcode", "'ünïcode'"],
    ["it's", "('it' <-> 's')"],
    ["'; DROP TABLE x; --", "('drop' & 'table' & 'x')"],
    ["--- !!! ''", null],
    ["", null],
  ];
  for (const [q, want] of cases) assert.equal(searchQuery(q), want, q);
});

Deno.test("parseSearch reads words, quoted phrases, -exclusions and or; matchesSearch applies it to a text", () => {
  assert.deepEqual(parseSearch('"retry on" -flaky or deploy'), [
    { must: [["retry", "on"]], not: [["flaky"]] },
    { must: [["deploy"]], not: [] },
  ]);
  assert.deepEqual(parseSearch("   "), []);
  const text = "Retry on 503 in acme/checkout (flaky test)";
  assert.ok(matchesSearch(text, parseSearch('"retry on" checkout')));
  assert.ok(!matchesSearch(text, parseSearch('"on retry"')), "a phrase in another order");
  assert.ok(!matchesSearch(text, parseSearch("retry -flaky")));
  assert.ok(matchesSearch(text, parseSearch("payments or acme/checkout")));
  assert.ok(!matchesSearch(text, parseSearch("chec")), "whole words, as the server's index");
  assert.ok(!matchesSearch(text, parseSearch("!!!")));
});

Deno.test("words in other scripts: combining marks stay in a word, İ is an i, a final sigma a sigma, NFC", () => {
  assert.deepEqual(searchWords("हिन्दी भाषा"), ["हिन्दी", "भाषा"]);
  assert.deepEqual(searchWords("İZMİR"), searchWords("izmir"));
  assert.deepEqual(searchWords("ΟΔΟΣ'Α"), ["οδοσ", "α"]);
  assert.deepEqual(searchWords("ΟΔΟΣ"), searchWords("Οδος"));
  assert.deepEqual(searchWords("cafe\u0301"), searchWords("café"));
  assert.ok(matchesSearch("Deploy to İzmir", parseSearch("izmir")));
});

Deno.test("matchesSearch sees what the stored vector keeps: 255 positions of a word", () => {
  const text = "x ".repeat(300) + "x rollback";
  assert.ok(!matchesSearch(text, parseSearch('"x rollback"')), "the 301st x is not kept, as in Postgres");
  assert.ok(matchesSearch(text, parseSearch("x rollback")));
  assert.match(searchVector({ ...NONE, description: text }), /'rollback':302$/);
});
