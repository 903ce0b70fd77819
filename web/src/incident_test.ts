import assert from "node:assert/strict";
import type { Gap, Reason } from "./api.ts";
import {
  adjustWeight,
  describeLink,
  formatAdjusted,
  gapsAt,
  gapText,
  incidentFromUrl,
  incidentRange,
  incidentToQuery,
  linkText,
  movement,
  parseAdjusted,
  readBack,
  reasonLabel,
  score,
  signed,
} from "./incident.ts";
import { timeSpan } from "./format.ts";

Deno.test("an investigation lives in the URL and reads back the same", () => {
  const i = incidentFromUrl(
    "?at=2026-11-30T14:05:00.000Z&window=6h&service=checkout&environment=production&weights=time:5",
  );
  assert.deepEqual(i, {
    at: "2026-11-30T14:05:00.000Z",
    window: "6h",
    service: "checkout",
    environment: "production",
    weights: "time:5",
  });
  const qs = incidentToQuery(i);
  assert.equal(
    qs.toString(),
    "at=2026-11-30T14%3A05%3A00.000Z&window=6h&service=checkout&environment=production&weights=time%3A5",
  );
  assert.deepEqual(incidentFromUrl(`?${qs}`), i);
  assert.equal(incidentToQuery(i, 50).get("limit"), "50");
  // Nothing set: the default window, nothing else.
  assert.deepEqual(incidentFromUrl(""), { at: "", window: "2h", service: "", environment: "", weights: "" });
  assert.equal(incidentToQuery(incidentFromUrl("")).toString(), "window=2h");
});

Deno.test("the range: the window before the moment and half an hour after", () => {
  const r = incidentRange({ ...incidentFromUrl(""), at: "2026-11-30T14:00:00Z", window: "1h" })!;
  assert.equal(new Date(r.from).toISOString(), "2026-11-30T13:00:00.000Z");
  assert.equal(new Date(r.to).toISOString(), "2026-11-30T14:30:00.000Z");
  assert.equal(incidentRange({ ...incidentFromUrl(""), at: "around lunch" }), null);
});

Deno.test("weights: only the adjusted ones, in a stable order; unknown names and non-numbers left out", () => {
  assert.deepEqual(parseAdjusted("service:8, time=5,bogus:3,kind:x,failed:"), { service: 8, time: 5 });
  assert.equal(formatAdjusted({ time: 5, service: 8 }), "service:8,time:5");
  assert.equal(adjustWeight("", "otherEnvironment", -4), "otherEnvironment:-4");
  assert.equal(adjustWeight("service:8,time:5", "service", null), "time:5");
  assert.equal(adjustWeight("time:5", "time", 0), "time:0", "zero is a weight, not a reset");
});

Deno.test("weights and scores as shown: signed, one decimal, a true minus", () => {
  assert.equal(signed(10), "+10");
  assert.equal(signed(1.99), "+2");
  assert.equal(signed(2.64), "+2.6");
  assert.equal(signed(-2), "\u22122");
  assert.equal(score(16.99), "17");
  assert.equal(score(7.44), "7.4");
  assert.equal(score(17.99, 17.95), "17.99", "two decimals when one would not tell them apart");
  assert.equal(score(17.95, 17.99), "17.95");
});

Deno.test("reasons in a few words", () => {
  const r = (code: Reason["code"], text: string): Reason => ({ code, text, weight: 1 });
  assert.equal(reasonLabel(r("time", "40 min before the incident")), "40 min before");
  assert.equal(reasonLabel(r("service", "Same service (checkout)")), "service checkout");
  assert.equal(reasonLabel(r("environment", "Same environment (production)")), "production");
  assert.equal(reasonLabel(r("otherEnvironment", "Another environment (staging)")), "other env: staging");
  assert.equal(reasonLabel(r("kind", "A deploy change")), "deploy");
  assert.equal(reasonLabel(r("kind", "An infra change")), "infra");
  assert.equal(reasonLabel(r("failed", "Status failure")), "failure");
  assert.equal(reasonLabel(r("person", "Made by a person (carol)")), "by carol");
  assert.equal(reasonLabel(r("chain", 'Linked to checkout\'s "Deploy"')), "linked to the service");
});

Deno.test("a pasted time is read back in UTC, in the reader's zone when it differs, and how long ago", () => {
  const now = Date.parse("2026-11-30T16:05:00Z");
  const b = readBack("2026-11-30 14:05 UTC", now, 0);
  assert.ok(b?.ok);
  assert.equal(b.iso, "2026-11-30T14:05:00.000Z");
  assert.equal(b.utc, "2026-11-30 14:05:00 UTC");
  assert.equal(b.local, null, "no second line when the reader is on UTC");
  assert.equal(b.ago, "2 h ago");
  const rfc = readBack("Mon, 30 Nov 2026 14:05:07 GMT", now, 60);
  assert.ok(rfc?.ok && rfc.utc === "2026-11-30 14:05:07 UTC" && rfc.local);
  const ago = readBack("10m ago", now, 0);
  assert.ok(ago?.ok && ago.iso === "2026-11-30T15:55:00.000Z");
  const epoch = readBack(String(Date.parse("2026-11-30T14:05:00Z") / 1000), now, 0);
  assert.ok(epoch?.ok && epoch.iso === "2026-11-30T14:05:00.000Z");
  const bad = readBack("around lunch", now, 0);
  assert.ok(bad && !bad.ok && /2026-11-30 14:05 UTC/.test(bad.message));
  assert.equal(readBack("  ", now), null);
});

Deno.test("chain links in words: a commit exactly, an image tag by prefix", () => {
  const cases: [key: string, confidence: "exact" | "prefix", text: string][] = [
    ["sha:feedbeef00112233445566778899aabbccddeeff", "exact", "same commit feedbee"],
    ["sha7:feedbee", "prefix", "image tag matches commit feedbee by prefix"],
    ["pr:acme/checkout#42", "exact", "same pull request acme/checkout#42"],
    ["image:registry.acme.dev/checkout:1.2", "exact", "same image checkout:1.2"],
  ];
  for (const [key, confidence, text] of cases) assert.equal(linkText({ key, confidence, from: "a" }), text);
});

Deno.test("a seven-digit key between two changes of the same commit is that commit, exactly", () => {
  const sha = "c0ffee1234567890abcdef1234567890abcdef12";
  const via = { key: "sha7:c0ffee1", confidence: "prefix" as const, from: "deploy" };
  assert.deepEqual(describeLink(via, { refs: [`sha:${sha}`, "pr:a#1"] }, { refs: [`sha:${sha}`] }), {
    text: "same commit c0ffee1",
    exact: true,
  });
  assert.deepEqual(
    describeLink(via, { refs: ["image:registry.acme.dev/checkout:c0ffee12"] }, { refs: [`sha:${sha}`] }),
    { text: "image tag c0ffee12 matches commit c0ffee1 by prefix", exact: false },
  );
  assert.deepEqual(describeLink({ ...via, key: "pr:a#1", confidence: "exact" }, { refs: [] }, undefined), {
    text: "same pull request a#1",
    exact: true,
  });
});

const gap: Gap = {
  connector: "github",
  connectionId: "gh",
  connectionName: "Acme on GitHub",
  from: "2026-11-30T14:02:00.000Z",
  to: "2026-11-30T14:20:00.000Z",
  reason: "erroring",
  detail: "401 Bad credentials",
};

Deno.test("a coverage gap as a sentence, with its reason", () => {
  assert.equal(
    gapText(gap, true),
    "PainChain was not watching Acme on GitHub from 2026-11-30 14:02 to 14:20 UTC (its polls failed: 401 Bad credentials)",
  );
  assert.match(
    gapText({ ...gap, reason: "not_watching", detail: "", connectionName: "" }, true),
    /not watching gh from .* \(not polled\)$/,
  );
  assert.match(
    gapText({ ...gap, reason: "not_watching", detail: "no poll for 2400 s (interval 5 s)" }, true),
    /\(not polled: no poll for 40 min, interval 5 s\)$/,
    "no brackets inside the brackets",
  );
  assert.equal(gapsAt([gap], Date.parse("2026-11-30T14:10:00Z")).length, 1);
  assert.equal(gapsAt([gap], Date.parse("2026-11-30T14:20:00Z")).length, 0, "the end is open");
  assert.equal(
    gapsAt([gap], Date.parse("2026-11-30T13:00:00Z"), Date.parse("2026-11-30T14:03:00Z")).length,
    1,
  );
});

Deno.test("time spans: one date within a day, seconds for a short one", () => {
  assert.equal(timeSpan(gap.from, gap.to, true), "2026-11-30 14:02 to 14:20 UTC");
  assert.equal(
    timeSpan("2026-11-30T14:02:05Z", "2026-11-30T14:02:50Z", true),
    "2026-11-30 14:02:05 to 14:02:50 UTC",
  );
  assert.equal(
    timeSpan("2026-11-30T23:50:00Z", "2026-12-01T00:30:00Z", true),
    "2026-11-30 23:50 to 2026-12-01 00:30 UTC",
  );
});

Deno.test("rank movement after re-ranking", () => {
  const m = movement(["a", "b", "c"], ["c", "a", "d"]);
  assert.equal(m.get("c"), 2);
  assert.equal(m.get("a"), -1);
  assert.equal(m.get("d"), "new");
  assert.equal(movement(null, ["a"]).size, 0);
});
