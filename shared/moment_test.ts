import assert from "node:assert/strict";
import { formatWindow, parseMoment, parseWindow } from "./moment.ts";

const now = new Date("2026-11-30T15:00:00Z");
const iso = (s: string) => parseMoment(s, now)?.toISOString() ?? null;

Deno.test("parseMoment() reads the times people paste", () => {
  assert.equal(iso("2026-11-30T14:05:07Z"), "2026-11-30T14:05:07.000Z");
  assert.equal(iso("2026-11-30T15:05:07+01:00"), "2026-11-30T14:05:07.000Z");
  assert.equal(iso("2026-11-30 14:05"), "2026-11-30T14:05:00.000Z");
  assert.equal(iso("2026-11-30 14:05:07 UTC"), "2026-11-30T14:05:07.000Z");
  assert.equal(iso("2026-11-30 15:05:07 +0100"), "2026-11-30T14:05:07.000Z");
  assert.equal(iso("Mon, 30 Nov 2026 14:05:07 GMT"), "2026-11-30T14:05:07.000Z");
  assert.equal(iso("1796047507"), "2026-11-30T14:05:07.000Z");
  assert.equal(iso("1796047507000"), "2026-11-30T14:05:07.000Z");
  assert.equal(iso("14:05"), "2026-11-30T14:05:00.000Z");
  assert.equal(iso("10m ago"), "2026-11-30T14:50:00.000Z");
  assert.equal(iso("2 hours ago"), "2026-11-30T13:00:00.000Z");
  assert.equal(iso("an hour ago"), "2026-11-30T14:00:00.000Z");
  assert.equal(iso("a minute ago"), "2026-11-30T14:59:00.000Z");
  for (const n of ["now", "Now", " just now ", "right now"]) {
    assert.equal(iso(n), "2026-11-30T15:00:00.000Z", n);
  }
  for (
    const bad of [
      "",
      "yesterday-ish",
      "25:99",
      "2026-13-45 10:00",
      "0",
      "nowish",
      "a ago",
      "1e400 hours ago",
      "99999999999999999999 days ago",
    ]
  ) {
    assert.equal(iso(bad), null, bad);
  }
});

Deno.test("parseWindow() and formatWindow()", () => {
  assert.equal(parseWindow("2h"), 7_200_000);
  assert.equal(parseWindow("30m"), 1_800_000);
  assert.equal(parseWindow("90s"), 90_000);
  assert.equal(parseWindow("1d"), 86_400_000);
  assert.equal(parseWindow("45"), 2_700_000, "a bare number is minutes");
  assert.equal(parseWindow("soon"), null);
  assert.equal(formatWindow(7_200_000), "2h");
  assert.equal(formatWindow(5_400_000), "90m");
});
