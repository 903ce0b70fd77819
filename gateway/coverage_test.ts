import assert from "node:assert/strict";
import { gapsOf, type PollRow } from "./coverage.ts";

const T = Date.parse("2026-11-30T12:00:00Z");
const min = (m: number) => T + m * 60_000;
const poll = (m: number, over: Partial<PollRow> = {}): PollRow => ({
  connector: "github",
  connection_id: "c",
  at: new Date(min(m)),
  outcome: "ok",
  duration_ms: 2_000,
  interval_ms: 60_000,
  rate_limited_ms: 0,
  error: "",
  ...over,
});

Deno.test("gapsOf() tells not watching from no changes", async (t) => {
  await t.step("regular polls leave no gap", () => {
    const polls = Array.from({ length: 30 }, (_, i) => poll(i));
    assert.deepEqual(gapsOf(polls, min(0), min(30), min(-60), min(30)), []);
  });
  await t.step("a stopped connector leaves a gap until it polls again", () => {
    const polls = [poll(0), poll(1), poll(2), ...[20, 21, 22, 23, 24, 25].map((m) => poll(m))];
    const gaps = gapsOf(polls, min(0), min(25), min(-60), min(25));
    assert.equal(gaps.length, 1);
    assert.equal(gaps[0]!.reason, "not_watching");
    assert.equal(gaps[0]!.from, new Date(min(2) + 2_000 + 120_000 + 5_000).toISOString());
    assert.equal(gaps[0]!.to, new Date(min(20)).toISOString());
  });
  await t.step("failing polls are an erroring gap naming the error", () => {
    const polls = [
      poll(0),
      poll(1, { outcome: "error", error: "HTTP 401 Unauthorized" }),
      poll(2, { outcome: "error", error: "HTTP 401 Unauthorized" }),
      poll(3),
    ];
    const gaps = gapsOf(polls, min(0), min(5), min(-60), min(5));
    assert.deepEqual(gaps.map((g) => [g.reason, g.from, g.to, g.detail]), [[
      "erroring",
      new Date(min(1)).toISOString(),
      new Date(min(3)).toISOString(),
      "HTTP 401 Unauthorized",
    ]]);
  });
  await t.step("a long rate-limit wait is a rate_limited gap", () => {
    const polls = [poll(0, { rate_limited_ms: 30 * 60_000, duration_ms: 0 }), poll(40)];
    assert.equal(gapsOf(polls, min(0), min(45), min(-60), min(45))[0]!.reason, "rate_limited");
  });
  await t.step("a long poll (a watch) still running after the last one recorded is no gap", () => {
    // Watches of 50 s every second: the one running now is recorded only when it ends.
    const watch = (m: number) => poll(m, { duration_ms: 50_000, interval_ms: 1_000 });
    const polls = [watch(0), watch(51 / 60), watch(102 / 60)];
    const now = min(102 / 60) + 50_000 + 1_000 + 40_000;
    assert.deepEqual(gapsOf(polls, min(0), now, min(-60), now), []);
    // Twice as long as the last watch without a record: not watching.
    const later = min(102 / 60) + 2 * 50_000 + 2 * 1_000 + 5_000 + 10_000;
    const gaps = gapsOf(polls, min(0), later, min(-60), later);
    assert.deepEqual(gaps.map((g) => g.reason), ["not_watching"]);
  });
  await t.step("never polled: the whole range since the connection exists; the future is no gap", () => {
    const gaps = gapsOf([], min(0), min(60), min(10), min(30));
    assert.deepEqual(gaps.map((g) => [g.from, g.to]), [[
      new Date(min(10)).toISOString(),
      new Date(min(30)).toISOString(),
    ]]);
  });
});
