import assert from "node:assert/strict";
import type { ChangeKind, StoredEvent } from "@painchain/shared/internal";
import { chainsReaching, DEFAULT_WEIGHTS, type Incident, isPerson, parseWeights, rank } from "./rank.ts";

const AT = Date.parse("2026-11-30T14:00:00Z");
const WINDOW = 2 * 3600_000;
const KINDS: Record<string, ChangeKind> = {
  deployment: "deploy",
  rollout: "deploy",
  deploy: "deploy",
  config: "config",
  feature_flag: "flag",
  pull_request: "code",
  commit: "code",
  workflow_run: "build",
  trouble: "symptom",
  note: "note",
};
const kindOf = (e: StoredEvent) => KINDS[e.eventType];

let n = 0;
function change(over: Partial<StoredEvent> & { minutesBefore: number }): StoredEvent {
  const { minutesBefore, ...rest } = over;
  const time = new Date(AT - minutesBefore * 60_000).toISOString();
  return {
    id: `c-${++n}`,
    connector: "custom",
    eventType: "deploy",
    connectionId: "x",
    subject: null,
    title: `change ${n}`,
    description: "",
    author: "",
    url: "",
    status: "",
    tags: [],
    refs: [],
    service: "",
    environment: "",
    team: "",
    metadata: {},
    time,
    recordedAt: time,
    storedAt: time,
    updatedAt: time,
    version: 1,
    ...rest,
  };
}

/** 200 unrelated changes: other services, every kind, failed ones, people, production, many just before `at`. */
function noise(): StoredEvent[] {
  let seed = 42;
  const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const pick = <T>(xs: T[]) => xs[Math.floor(rnd() * xs.length)]!;
  return Array.from({ length: 200 }, () =>
    change({
      minutesBefore: rnd() < 0.6 ? rnd() * 10 : rnd() * 119,
      service: pick(["payments", "search", "web", "ledger", "auth", "", ""]),
      environment: pick(["production", "production", "staging", ""]),
      eventType: pick(Object.keys(KINDS)),
      status: pick(["success", "failure", "", "merged", "failed"]),
      author: pick(["alice", "bob", "argocd-controller", "dependabot[bot]", ""]),
      refs: [`sha:${Math.floor(rnd() * 1e12).toString(16)}`],
    }));
}

const incident: Incident = {
  at: new Date(AT),
  windowMs: WINDOW,
  service: "checkout",
  environment: "production",
};
const top = (events: StoredEvent[], inc = incident) => rank(events, inc, DEFAULT_WEIGHTS, kindOf);

Deno.test("rank() puts the culprit first among 200 unrelated changes, many of them closer in time", async (t) => {
  await t.step("the affected service's production deploy before the incident", () => {
    const culprit = change({
      minutesBefore: 95,
      service: "checkout",
      environment: "production",
      eventType: "deployment",
      author: "carol",
    });
    const ranked = top([...noise(), culprit]);
    assert.equal(ranked[0]!.event.id, culprit.id);
    const codes = ranked[0]!.reasons.map((r) => r.code);
    assert.ok(
      codes.includes("service") && codes.includes("environment") && codes.includes("kind"),
      codes.join(),
    );
    assert.ok(ranked[0]!.reasons.every((r) => r.text.length > 0 && r.weight !== 0));
  });
  await t.step("a feature flag that is the service's only change", () => {
    const flag = change({
      minutesBefore: 70,
      service: "checkout",
      eventType: "feature_flag",
      title: "new-pricing on",
    });
    const ranked = top([...noise(), flag]);
    assert.equal(ranked[0]!.event.id, flag.id);
    assert.ok(ranked[0]!.reasons.some((r) => r.code === "kind" && /flag/.test(r.text)));
  });
  await t.step("a staging deploy closer than the production one ranks below it", () => {
    const prod = change({
      minutesBefore: 60,
      service: "checkout",
      environment: "production",
      eventType: "deployment",
    });
    const staging = change({
      minutesBefore: 2,
      service: "checkout",
      environment: "staging",
      eventType: "deployment",
    });
    const ranked = top([...noise(), staging, prod]);
    assert.equal(ranked[0]!.event.id, prod.id);
    const s = ranked.find((x) => x.event.id === staging.id)!;
    assert.ok(s.reasons.some((r) => r.code === "otherEnvironment" && r.weight < 0));
  });
  await t.step("a change after the incident began is never a suspect", () => {
    const before = change({ minutesBefore: 30, service: "checkout", eventType: "deployment" });
    const later = change({
      minutesBefore: -5,
      service: "checkout",
      eventType: "deployment",
      status: "failure",
    });
    const ranked = top([...noise(), before, later]);
    assert.equal(ranked[0]!.event.id, before.id);
    assert.ok(!ranked.some((x) => x.event.id === later.id));
  });
});

Deno.test("rank() is deterministic, shows its weights, and takes adjusted ones", () => {
  const events = noise();
  const a = top(events).map((s) => s.event.id);
  const b = top([...events].reverse()).map((s) => s.event.id);
  assert.deepEqual(a, b);
  const ranked = top(events);
  for (const s of ranked.slice(0, 20)) {
    assert.equal(Math.round(s.reasons.reduce((x, r) => x + r.weight, 0) * 100) / 100, s.score);
  }
  // Time alone: the closest change first.
  const timeOnly = rank(
    events,
    incident,
    parseWeights("service:0,environment:0,otherEnvironment:0,kind:0,failed:0,person:0,chain:0"),
    kindOf,
  );
  const closest = [...events].sort((x, y) => y.time.localeCompare(x.time))[0]!;
  assert.equal(timeOnly[0]!.event.id, closest.id);
  assert.throws(() => parseWeights("luck:5"), /Unknown weight "luck"/);
  assert.throws(() => parseWeights("time:lots"), /must be a number/);
});

Deno.test("a chain that reached the service lends its links the chain reason", () => {
  const pr = change({
    minutesBefore: 50,
    eventType: "pull_request",
    refs: ["pr:acme/shop#9", "sha:abc1234def"],
    service: "",
  });
  const run = change({ minutesBefore: 45, eventType: "workflow_run", refs: ["sha:abc1234def"] });
  const rollout = change({
    minutesBefore: 20,
    eventType: "rollout",
    service: "checkout",
    refs: ["sha:abc1234def"],
  });
  const other = change({ minutesBefore: 10, eventType: "commit", refs: ["sha:ffff"] });
  const reach = chainsReaching([pr, run, rollout, other], "checkout");
  assert.deepEqual([...reach.keys()].sort(), [pr.id, run.id].sort());
  const ranked = top([pr, run, rollout, other]);
  assert.ok(ranked.find((s) => s.event.id === pr.id)!.reasons.some((r) => r.code === "chain"));
  assert.ok(!ranked.find((s) => s.event.id === other.id)!.reasons.some((r) => r.code === "chain"));
});

Deno.test("a rollout of an image tagged with a commit's prefix reaches that commit's changes", () => {
  const sha = "abc1234def5678900000000000000000000000ff";
  // What the connectors emit: the GitHub changes carry the commit, the rollout only its image.
  const pr = change({ minutesBefore: 50, eventType: "pull_request", refs: ["pr:acme/shop#9", `sha:${sha}`] });
  const deploy = change({ minutesBefore: 40, eventType: "deployment", refs: [`sha:${sha}`] });
  const rollout = change({
    minutesBefore: 20,
    eventType: "rollout",
    service: "checkout",
    refs: [`image:registry.example.com/acme/checkout:${sha.slice(0, 8)}`],
  });
  // Seven digits in common, the eighth not: no prefix of the commit.
  const near = change({
    minutesBefore: 15,
    eventType: "rollout",
    service: "web",
    refs: [`image:registry.example.com/acme/web:${sha.slice(0, 7)}0`],
  });
  // The same tag as the checkout rollout, but no commit: two images are not joined by their tags alone.
  const twin = change({
    minutesBefore: 12,
    eventType: "rollout",
    service: "web",
    refs: [`image:registry.example.com/acme/web:${sha.slice(0, 8)}`],
  });
  const otherSha = change({
    minutesBefore: 10,
    eventType: "commit",
    refs: [`sha:${sha.slice(0, 7)}9${"0".repeat(32)}`],
  });
  const reach = chainsReaching([pr, deploy, rollout, near, otherSha], "checkout");
  assert.deepEqual([...reach.keys()].sort(), [pr.id, deploy.id].sort());
  assert.equal(reach.get(pr.id)!.id, rollout.id);
  assert.deepEqual([...chainsReaching([rollout, twin], "checkout").keys()], []);
  // With the commit there, both images built from it are one chain.
  assert.deepEqual(
    [...chainsReaching([rollout, twin, deploy], "checkout").keys()].sort(),
    [twin.id, deploy.id].sort(),
  );
  // A short commit (sha:abc1234) is the full one's prefix.
  const short = change({ minutesBefore: 30, eventType: "note", refs: [`sha:${sha.slice(0, 7)}`] });
  assert.ok(chainsReaching([short, rollout], "checkout").has(short.id));
});

Deno.test("deploy tools and controllers are not people", () => {
  for (const a of ["helm", "kubectl-client-side-apply", "argocd-application-controller", "dependabot[bot]"]) {
    assert.equal(isPerson(a), false, a);
  }
  for (const a of ["alice", "Margot Robbie", "helmut", "bob.kubectlson"]) assert.equal(isPerson(a), true, a);
});
