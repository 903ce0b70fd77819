import assert from "node:assert/strict";
import { activeFilters, cleared, filtersFromUrl, filtersToQuery, knownValues, matches } from "./query.ts";
import { change } from "./testing.ts";

Deno.test("the URL keeps service and environment filters, repeated, and reads them back", () => {
  const f = filtersFromUrl("?service=checkout&service=payments&environment=staging&range=1h");
  assert.deepEqual(f.service, ["checkout", "payments"]);
  assert.deepEqual(f.environment, ["staging"]);
  const qs = filtersToQuery(f);
  assert.equal(qs.toString(), "service=checkout&service=payments&environment=staging&range=1h");
  assert.deepEqual(filtersFromUrl(`?${qs}`), f);
});

Deno.test("the API form resolves a range to from/to and a team to its tags", () => {
  const f = { ...filtersFromUrl("?range=1h&team=t1&tag=prod"), environment: ["prod"] };
  const now = Date.parse("2026-11-30T12:00:00Z");
  const qs = filtersToQuery(f, {
    api: true,
    teams: [{ id: "t1", name: "T", tags: ["prod", "team-x"] }],
    now,
  });
  assert.deepEqual(qs.getAll("tag"), ["prod", "team-x"]);
  assert.equal(qs.get("team"), null, "the UI's team is a set of tags, not the API's team field");
  assert.equal(qs.get("from"), "2026-11-30T11:00:00.000Z");
  assert.equal(qs.get("to"), "2026-11-30T12:00:00.000Z");
  assert.deepEqual(qs.getAll("environment"), ["prod"]);
});

Deno.test("a URL without a range or from defaults to 24h; with from it is a fixed window", () => {
  assert.equal(filtersFromUrl("").range, "24h");
  assert.equal(filtersFromUrl("?from=2026-11-01T00:00:00Z").range, "");
});

Deno.test("activeFilters counts every narrowing filter; cleared() turns them all off", () => {
  const f = filtersFromUrl("?service=a&environment=b&status=c&q=x&team=t&range=1h");
  assert.equal(activeFilters(f), 5);
  assert.equal(activeFilters({ ...f, ...cleared() }), 0);
  assert.equal({ ...f, ...cleared() }.range, "1h", "the time range stays");
});

Deno.test("live changes match service and environment exactly", () => {
  const f = filtersFromUrl("?environment=staging");
  assert.ok(matches(change(), f));
  assert.ok(!matches(change({ environment: "prod" }), f));
  assert.ok(!matches(change(), filtersFromUrl("?service=payments")));
  assert.ok(matches(change(), filtersFromUrl("?service=checkout&service=payments")));
});

Deno.test("an environment filter ignores the connection's tags: a staging deploy tagged prod is staging", () => {
  const e = change({ environment: "staging", tags: ["prod"] });
  assert.ok(!matches(e, filtersFromUrl("?environment=prod")));
  assert.ok(matches(e, filtersFromUrl("?tag=prod")));
});

Deno.test("the live search looks where the server does: subject, refs, tags, service, environment", () => {
  for (const q of ["checkout", "acme/checkout", "main", "prod", "staging", "retry 503", "RETRY"]) {
    assert.ok(matches(change(), filtersFromUrl(`?q=${encodeURIComponent(q)}`)), q);
  }
  assert.ok(!matches(change(), filtersFromUrl("?q=payments")));
  assert.ok(!matches(change(), filtersFromUrl("?q=retry+-checkout")), "-word excludes");
  assert.ok(matches(change(), filtersFromUrl("?q=payments+or+checkout")), "or is an alternative");
  assert.ok(!matches(change(), filtersFromUrl("?q=checkout%2Facme")), "a phrase's words in its order");
  assert.ok(!matches(change(), filtersFromUrl("?q=!!!")), "no word matches nothing, as on the server");
});

Deno.test("a fixed window in the past takes no live changes", () => {
  const f = filtersFromUrl("?from=2026-11-01T00:00:00Z&to=2026-11-02T00:00:00Z");
  assert.ok(!matches(change(), f, [], Date.parse("2026-11-30T00:00:00Z")));
});

Deno.test("knownValues lists distinct non-empty values, most frequent first", () => {
  const list = [
    change({ environment: "prod" }),
    change({ environment: "staging" }),
    change({ environment: "prod" }),
    change({ environment: "" }),
  ];
  assert.deepEqual(knownValues(list, "environment"), ["prod", "staging"]);
  assert.deepEqual(knownValues(list, "service", 1), ["checkout"]);
});
