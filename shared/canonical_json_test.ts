import assert from "node:assert/strict";
import fc from "fast-check";
import { canonicalJson } from "./event.ts";

/** What canonicalJson was first written as: every stored content hash was made with it, so the output may not move. */
function reference(value: unknown): string {
  return JSON.stringify(value, (_k, v) => {
    if (v && typeof v === "object" && !Array.isArray(v)) {
      return Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    }
    return v;
  });
}

Deno.test("canonicalJson writes exactly what it always wrote (stored content hashes depend on it)", () => {
  const key = fc.oneof(
    fc.string(),
    fc.constantFrom("0", "1", "10", "9", "01", "4294967294", "4294967295", "-1", "b"),
  );
  const value = fc.letrec((tie) => ({
    v: fc.oneof(
      { depthSize: "small" },
      fc.jsonValue({ maxDepth: 2 }),
      fc.constantFrom(undefined, -0, NaN, new Date(0)),
      fc.array(tie("v"), { maxLength: 4 }),
      fc.dictionary(key, tie("v"), { maxKeys: 6 }),
    ),
  })).v;
  fc.assert(fc.property(value, (v) => assert.equal(canonicalJson(v), reference(v))), { numRuns: 3000 });
  assert.equal(
    canonicalJson({ b: 1, 10: 2, 9: 3, a: { z: [1, { y: 2, x: undefined }] } }),
    '{"9":3,"10":2,"a":{"z":[1,{"y":2}]},"b":1}',
  );
});
