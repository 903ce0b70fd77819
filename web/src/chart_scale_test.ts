import assert from "node:assert/strict";
import type { Gap, Timeline } from "./api.ts";
import { gapBox, scaleOf } from "./chart_scale.ts";

const tl: Timeline = {
  from: "2026-11-30T10:05:00.000Z",
  to: "2026-11-30T11:00:00.000Z",
  binSeconds: 900,
  total: 0,
  totals: {},
  bins: ["10:00", "10:15", "10:30", "10:45"].map((t) => ({ start: `2026-11-30T${t}:00.000Z`, counts: {} })),
};

Deno.test("the chart's scale: bins from the aligned start, percent across", () => {
  const s = scaleOf(tl);
  assert.equal(new Date(s.start).toISOString(), "2026-11-30T10:00:00.000Z");
  assert.equal(new Date(s.end).toISOString(), "2026-11-30T11:00:00.000Z");
  assert.equal(s.pct(Date.parse("2026-11-30T10:30:00Z")), 50);
  assert.equal(new Date(s.at(0.25)).toISOString(), "2026-11-30T10:15:00.000Z");
  assert.equal(s.at(2), s.end, "clamped");
});

Deno.test("a gap clipped to the chart", () => {
  const g = (from: string, to: string): Gap => ({
    connector: "github",
    connectionId: "c",
    connectionName: "C",
    from,
    to,
    reason: "erroring",
    detail: "",
  });
  const s = scaleOf(tl);
  assert.deepEqual(gapBox(g("2026-11-30T10:15:00Z", "2026-11-30T10:30:00Z"), s), { left: 25, width: 25 });
  assert.deepEqual(gapBox(g("2026-11-30T09:00:00Z", "2026-11-30T10:15:00Z"), s), { left: 0, width: 25 });
  assert.equal(gapBox(g("2026-11-30T11:00:00Z", "2026-11-30T12:00:00Z"), s), null);
});
