import assert from "node:assert/strict";
import { monthOf } from "./partitions.ts";

Deno.test("monthOf: the first instant of the UTC month, from ISO strings, offsets and Dates alike", () => {
  const cases: [string | Date, string][] = [
    ["2026-11-30T23:59:59.999Z", "2026-11-01T00:00:00.000Z"],
    ["2026-01-01T00:00:00Z", "2026-01-01T00:00:00.000Z"],
    ["2026-12-01T00:30:00+01:00", "2026-11-01T00:00:00.000Z"],
    [new Date("2025-02-28T12:00:00Z"), "2025-02-01T00:00:00.000Z"],
    ["+012026-03-05T00:00:00.000Z", "+012026-03-01T00:00:00.000Z"],
  ];
  for (const [t, want] of cases) assert.equal(monthOf(t), want, String(t));
});
