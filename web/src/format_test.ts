import assert from "node:assert/strict";
import {
  absolute,
  dayClock,
  duration,
  isSafeUrl,
  pick,
  plural,
  recencyGroup,
  relative,
  windowText,
} from "./format.ts";

const now = Date.parse("2026-11-30T12:00:00Z");

Deno.test("relative times, past and ahead", () => {
  assert.equal(relative("2026-11-30T11:59:30Z", now), "30s ago");
  assert.equal(relative("2026-11-30T11:55:00Z", now), "5m ago");
  assert.equal(relative("2026-11-30T09:00:00Z", now), "3h ago");
  assert.equal(relative("2026-11-28T12:00:00Z", now), "2d ago");
  assert.equal(relative("2026-11-30T12:05:00Z", now), "in 5m");
});

Deno.test("absolute in UTC", () => {
  assert.equal(absolute("2026-11-30T12:34:56.789Z", true), "2026-11-30 12:34:56 UTC");
});

Deno.test("durations", () => {
  assert.equal(duration(42), "42s");
  assert.equal(duration(123), "2m 3s");
  assert.equal(duration(7384), "2h 3m");
  assert.equal(duration(NaN), "NaN");
});

Deno.test("pick reads dotted paths", () => {
  const e = { author: "a", metadata: { run: { id: 7 } } };
  assert.equal(pick(e, "author"), "a");
  assert.equal(pick(e, "metadata.run.id"), 7);
  assert.equal(pick(e, "metadata.nope.id"), undefined);
});

Deno.test("recency groups", () => {
  assert.equal(recencyGroup("2026-11-30T11:30:00Z", now), "Last hour");
  assert.equal(recencyGroup("2026-11-30T02:00:00Z", now), "Today");
  assert.equal(recencyGroup("2026-11-25T12:00:00Z", now), "This week");
  assert.equal(recencyGroup("2026-10-01T12:00:00Z", now), "Earlier");
});

Deno.test("only http(s) URLs are links; plural", () => {
  assert.ok(isSafeUrl("https://x"));
  assert.ok(!isSafeUrl("javascript:alert(1)"));
  assert.ok(!isSafeUrl(3));
  assert.equal(plural(1, "change"), "1 change");
  assert.equal(plural(2, "replica"), "2 replicas");
});

Deno.test("a moment by its day, and windows as people say them", () => {
  assert.equal(dayClock("2026-11-30T10:05:00Z", true, now), "10:05 UTC today");
  assert.equal(dayClock("2026-11-29T23:05:00Z", true, now), "23:05 UTC yesterday");
  assert.equal(dayClock("2026-11-27T10:05:00Z", true, now), "10:05 UTC, 2026-11-27");
  assert.equal(windowText("2h"), "2 h");
  assert.equal(windowText("30m"), "30 min");
  assert.equal(windowText("odd"), "odd");
});
