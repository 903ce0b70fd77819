/** 2,000 generated malformed requests across every gateway route: each gets a 4xx, none a 5xx, none hangs. */
import assert from "node:assert/strict";
import fc from "fast-check";
import { gatewayFixture } from "@painchain/testing/gateway";

const junk = fc.string({ unit: "binary", minLength: 1, maxLength: 60 });
/** A path segment that no route accepts as an id (uppercase and punctuation). */
const badId = fc.string({ minLength: 1, maxLength: 30 }).map((s) => encodeURIComponent(`X!${s}`));
const notIso = fc.oneof(junk, fc.integer().map(String), fc.constant("2026-02-30T25:61:00Z"));

const request = fc.oneof(
  // Query parameters that fail validation (strict schemas reject unknown keys too).
  fc.record({
    path: fc.constantFrom("/api/events", "/api/timeline"),
    param: fc.oneof(
      fc.tuple(fc.constant("limit"), fc.oneof(fc.integer({ max: 0 }), fc.integer({ min: 501 })).map(String)),
      fc.tuple(fc.constant("from"), notIso),
      fc.tuple(fc.constant("to"), notIso),
      fc.tuple(fc.constant("connector"), junk.map((s) => `A${s}`)),
      fc.tuple(fc.constant("q"), fc.string({ minLength: 201, maxLength: 400 })),
      fc.tuple(fc.constant("cursor"), junk.map((s) => `!${s}`)),
      fc.tuple(fc.string({ minLength: 1, maxLength: 10 }).map((k) => `zz${k}`), junk),
    ),
  }).map(({ path, param }) => ({
    method: "GET",
    url: `${path}?${new URLSearchParams([param])}`,
    body: undefined as string | undefined,
  })),
  // Bad ids in every route that takes one.
  fc.record({
    id: badId,
    route: fc.constantFrom(
      ["GET", "/api/connections/:id"],
      ["PUT", "/api/connections/:id"],
      ["DELETE", "/api/connections/:id"],
      ["POST", "/api/connections/:id/sync"],
      ["GET", "/api/connectors/:id/logo"],
      ["PUT", "/api/teams/:id"],
      ["DELETE", "/api/teams/:id"],
    ),
  }).map(({ id, route }) => ({
    method: route[0],
    url: route[1].replace(":id", id),
    body: route[0] === "PUT" ? "{}" : undefined,
  })),
  // Bodies that are not JSON, or JSON of the wrong shape.
  fc.record({
    route: fc.constantFrom(
      ["POST", "/api/connections"],
      ["POST", "/api/connections/test"],
      ["POST", "/api/teams"],
      ["PUT", "/api/connections/some-id"],
    ),
    body: fc.oneof(
      junk.map((s) => `{${s}`),
      fc.oneof(fc.integer(), fc.constant(null), fc.array(fc.string()), fc.string()).map((v) =>
        JSON.stringify(v)
      ),
      fc.record({ connector: fc.integer(), name: fc.array(fc.integer()) }).map((v) => JSON.stringify(v)),
      fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }).map((k) => `zz${k}`), fc.jsonValue()).map((v) =>
        JSON.stringify(v)
      ),
    ),
  }).map(({ route, body }) => ({ method: route[0], url: route[1], body })),
  // Routes that do not exist.
  fc.string({ minLength: 1, maxLength: 20 }).map((s) => ({
    method: "GET",
    url: `/api/zz${encodeURIComponent(s)}`,
    body: undefined,
  })),
);

Deno.test("2,000 malformed requests across every gateway route: 4xx, never 5xx, never slow", async () => {
  const fx = await gatewayFixture({ events: 100 });
  try {
    const samples = fc.sample(request, { numRuns: 2000, seed: 7 });
    const statuses = new Map<number, number>();
    let slowest = 0;
    for (const r of samples) {
      const started = performance.now();
      const res = await fx.app.request(r.url, {
        method: r.method,
        ...(r.body !== undefined ? { body: r.body, headers: { "content-type": "application/json" } } : {}),
        signal: AbortSignal.timeout(5_000),
      });
      await res.body?.cancel();
      slowest = Math.max(slowest, performance.now() - started);
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      assert.ok(
        res.status >= 400 && res.status < 500,
        `${r.method} ${r.url} ${r.body?.slice(0, 80) ?? ""} -> ${res.status}`,
      );
    }
    assert.ok(slowest < 5_000);
    // deno-lint-ignore no-console
    console.log(
      `2000 requests: ${JSON.stringify(Object.fromEntries(statuses))}, slowest ${slowest.toFixed(0)} ms`,
    );
  } finally {
    await fx.close();
  }
});
