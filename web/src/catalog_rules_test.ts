import assert from "node:assert/strict";
import {
  describeMatch,
  describeSets,
  draftOf,
  emptyDraft,
  moved,
  ruleOf,
  sameRules,
} from "./catalog_rules.ts";

Deno.test("a rule form makes the rule the API takes; empty fields are left out", () => {
  const d = emptyDraft();
  d.match.repository = " acme/checkout ";
  d.match.connector = "github";
  d.service = "checkout";
  d.team = "team-checkout";
  const made = ruleOf(d);
  assert.ok("rule" in made);
  assert.deepEqual(made.rule, {
    match: { connector: "github", repository: "acme/checkout" },
    service: "checkout",
    team: "team-checkout",
  });
  assert.deepEqual(ruleOf(draftOf(made.rule)), made, "and back");
});

Deno.test("a rule must match on something and set something, as the API says", () => {
  const none = ruleOf({ ...emptyDraft(), service: "x" });
  assert.ok("error" in none && /at least one thing to match/.test(none.error));
  const d = emptyDraft();
  d.match.tag = "prod";
  const nothing = ruleOf(d);
  assert.ok("error" in nothing && /sets a service/.test(nothing.error));
  d.service = "x".repeat(101);
  const long = ruleOf(d);
  assert.ok("error" in long && /Service: at most 100/.test(long.error));
});

Deno.test("rules move up and down, clamped at the ends", () => {
  assert.deepEqual(moved(["a", "b", "c"], 2, -1), ["a", "c", "b"]);
  assert.deepEqual(moved(["a", "b", "c"], 0, 1), ["b", "a", "c"]);
  const list = ["a", "b"];
  assert.equal(moved(list, 0, -1), list, "the first cannot move up");
});

Deno.test("rules described in words; the same rules whatever the key order", () => {
  const r = {
    match: { repository: "acme/*", connector: "github" },
    service: "checkout",
    environment: "prod",
  };
  assert.equal(describeMatch(r), "connector github, repository or project acme/*");
  assert.equal(describeSets(r), "service checkout, environment prod");
  assert.ok(
    sameRules([r], [{
      service: "checkout",
      environment: "prod",
      match: { connector: "github", repository: "acme/*" },
    }]),
  );
  assert.ok(!sameRules([r], [{ ...r, team: "t" }]));
});
