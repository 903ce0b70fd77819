import assert from "node:assert/strict";
import type { Timeline } from "./api.ts";
import { countLive, isNew, mergeNewest } from "./live.ts";
import { change } from "./testing.ts";

const tl: Timeline = {
  from: "2026-11-30T10:00:00.000Z",
  to: "2026-11-30T11:00:00.000Z",
  binSeconds: 900,
  total: 3,
  totals: { forge: 3 },
  bins: [
    { start: "2026-11-30T10:00:00.000Z", counts: { forge: 1 } },
    { start: "2026-11-30T10:15:00.000Z", counts: {} },
    { start: "2026-11-30T10:30:00.000Z", counts: { forge: 2 } },
    { start: "2026-11-30T10:45:00.000Z", counts: {} },
  ],
};

Deno.test("a new live change is counted in its bin, its connector's total and the total", () => {
  const next = countLive(
    tl,
    change({ connector: "lab", time: "2026-11-30T10:50:00.000Z" }),
    Date.parse(tl.to),
  );
  assert.ok(next && next !== "stale");
  assert.deepEqual(next.bins[3]!.counts, { lab: 1 });
  assert.equal(next.total, 4);
  assert.deepEqual(next.totals, { forge: 3, lab: 1 });
  assert.deepEqual(tl.bins[3]!.counts, {}, "the old timeline is not changed");
});

Deno.test("the chart's end moves with time, within its last bin", () => {
  const next = countLive(
    { ...tl, to: "2026-11-30T10:55:00.000Z" },
    change({ time: "2026-11-30T10:56:00.000Z" }),
    Date.parse("2026-11-30T10:56:30.000Z"),
  );
  assert.ok(next && next !== "stale");
  assert.equal(next.to, "2026-11-30T10:56:30.000Z");
});

Deno.test("updates are not counted twice; changes before the window are not counted", () => {
  assert.equal(countLive(tl, change({ time: "2026-11-30T10:50:00Z", version: 2 })), null);
  assert.equal(
    countLive(tl, { ...change({ time: "2026-11-30T10:50:00Z", version: 1 }), op: "updated" }),
    null,
  );
  assert.equal(countLive(tl, change({ time: "2026-11-30T09:59:00Z" })), null);
});

Deno.test("a change after the last bin asks for the timeline again (the window moved)", () => {
  assert.equal(countLive(tl, change({ time: "2026-11-30T11:00:00.000Z" })), "stale");
});

Deno.test("isNew: the store's op when given, else the first version", () => {
  assert.ok(isNew({ ...change(), op: "inserted" }));
  assert.ok(!isNew({ ...change(), op: "updated" }));
  assert.ok(isNew(change({ version: 1 })));
  assert.ok(!isNew(change({ version: 3 })));
});

Deno.test("mergeNewest puts live changes in time order without duplicates", () => {
  const list = [
    change({ id: "b", time: "2026-11-30T10:00:00Z" }),
    change({ id: "a", time: "2026-11-30T09:00:00Z" }),
  ];
  const merged = mergeNewest(
    [
      change({ id: "c", time: "2026-11-30T11:00:00Z" }),
      change({ id: "a", time: "2026-11-30T09:00:00Z", title: "new" }),
    ],
    list,
  );
  assert.deepEqual(merged.map((e) => e.id), ["c", "b", "a"]);
  assert.equal(merged[2]!.title, "new", "the live version wins");
});
