/** The GitLab connector's poll against the fake GitLab: incremental, paged, rate-limit aware, self-hosted. */
import assert from "node:assert/strict";
import { pollGitlab } from "@painchain/gitlab";
import { FakeGitlab } from "@painchain/testing/fake_gitlab";
import { connection, pollOnce } from "@painchain/testing/poll";
import { fakeTest } from "@painchain/testing/fake_http";

const NOW = Date.now();
const min = (n: number) => NOW - n * 60_000;
const fast = { retryBaseMs: 10 };

const conn = (fake: FakeGitlab, projects: string[], extra: Record<string, unknown> = {}) =>
  connection("gitlab", { instanceUrl: fake.url, projects, backfillDays: 7, ...extra }, {
    token: "glpat-test",
  });

async function seed(fake: FakeGitlab, path: string) {
  await fake.addMergeRequest(path, { iid: 1, at: min(100), state: "merged" });
  await fake.addMergeRequest(path, { iid: 2, at: min(90) });
  await fake.addCommit(path, { message: "Bump version", at: min(80) });
  await fake.addPipeline(path, { at: min(70), status: "success" });
  await fake.addDeployment(path, { at: min(60), status: "success" });
  await fake.addTag(path, { name: "v1.0.0", at: min(50) });
  await fake.addRelease(path, { tag: "v1.0.0", at: min(50) });
}

fakeTest("GitLab poll", () => new FakeGitlab({ token: "glpat-test" }), async (fake, t) => {
  await seed(fake, "group/app");
  let cursor: unknown = null;
  await t.step("the first poll backfills every kind, each with a commit SHA", async () => {
    const run = await pollOnce((ctx) => pollGitlab(ctx, fast), conn(fake, ["group/app"]), null);
    assert.equal(run.outcome.errors, undefined, JSON.stringify(run.outcome.errors));
    assert.deepEqual(run.events.map((e) => e.data.eventType).sort(), [
      "commit",
      "deployment",
      "merge_request",
      "merge_request",
      "pipeline",
      "release",
      "tag",
    ]);
    for (const e of run.events) assert.ok(e.data.refs.some((r) => r.startsWith("sha:")), e.id);
    assert.equal(run.rateLimits.at(-1)!.limit, 2000);
    cursor = run.outcome.cursor;
  });
  await t.step("a second poll with no upstream change publishes nothing", async () => {
    const run = await pollOnce((ctx) => pollGitlab(ctx, fast), conn(fake, ["group/app"]), cursor);
    assert.equal(run.events.length, 0);
    assert.ok(fake.log.at(-1)!.query.length > 0);
    cursor = run.outcome.cursor;
  });
  await t.step(
    "a pipeline that goes running -> failed is one id, ending failed with its failed jobs",
    async () => {
      const pl = await fake.addPipeline("group/app", { at: Date.now() - 5_000, status: "running" });
      let run = await pollOnce((ctx) => pollGitlab(ctx, fast), conn(fake, ["group/app"]), cursor);
      cursor = run.outcome.cursor;
      assert.deepEqual(run.events.map((e) => [e.id, e.data.status]), [[
        `gitlab-pipeline-${pl.id}`,
        "running",
      ]]);
      fake.updatePipeline("group/app", pl.id, {
        status: "failed",
        at: Date.now() - 1_000,
        failedJobs: ["rspec"],
      });
      run = await pollOnce((ctx) => pollGitlab(ctx, fast), conn(fake, ["group/app"]), cursor);
      cursor = run.outcome.cursor;
      assert.deepEqual(run.events.map((e) => [e.id, e.data.status]), [[
        `gitlab-pipeline-${pl.id}`,
        "failed",
      ]]);
      assert.deepEqual(run.events[0]!.data.metadata.failedJobs, ["rspec"]);
    },
  );
  await t.step("a merge request merged upstream updates the same id", async () => {
    fake.updateMergeRequest("group/app", 2, { state: "merged", at: Date.now() - 500 });
    const run = await pollOnce((ctx) => pollGitlab(ctx, fast), conn(fake, ["group/app"]), cursor);
    cursor = run.outcome.cursor;
    assert.equal(run.events.length, 1);
    assert.equal(run.events[0]!.data.status, "merged");
    assert.equal(run.events[0]!.subject, "group/app!2");
  });
});

fakeTest(
  "GitLab poll follows pagination (Link / X-Next-Page) and stops at the cursor",
  () => new FakeGitlab(),
  async (fake) => {
    for (let i = 1; i <= 120; i++) await fake.addMergeRequest("group/big", { iid: i, at: min(500 - i) });
    const c = conn(fake, ["group/big"], {
      commits: false,
      pipelines: false,
      deployments: false,
      tagsTracked: false,
      releases: false,
    });
    const first = await pollOnce((ctx) => pollGitlab(ctx, fast), c, null);
    assert.equal(first.events.length, 120);
    assert.equal(fake.log.filter((r) => r.path.endsWith("/merge_requests")).length, 3, "three pages of 50");
    await fake.addMergeRequest("group/big", { iid: 121, at: min(1) });
    fake.log.length = 0;
    const second = await pollOnce((ctx) => pollGitlab(ctx, fast), c, first.outcome.cursor);
    assert.deepEqual(second.events.map((e) => e.data.metadata.iid), [121]);
    assert.equal(fake.log.filter((r) => r.path.endsWith("/merge_requests")).length, 1);
    assert.match(fake.log.find((r) => r.path.endsWith("/merge_requests"))!.query, /updated_after=/);
  },
);

fakeTest(
  "GitLab poll respects RateLimit-Remaining/Reset, 429 Retry-After and 5xx",
  () => new FakeGitlab(),
  async (fake) => {
    await seed(fake, "group/app");
    fake.rate.remaining = 4;
    fake.rate.resetAt = Date.now() + 1_500;
    fake.faults.push(
      { path: /\/pipelines$/, status: 429, times: 1, retryAfter: 1 },
      { path: /\/deployments$/, status: 502, times: 2 },
    );
    const started = Date.now();
    const run = await pollOnce((ctx) => pollGitlab(ctx, fast), conn(fake, ["group/app"]), null);
    assert.equal(run.outcome.errors, undefined, JSON.stringify(run.outcome.errors));
    assert.equal(run.events.length, 7, "nothing lost");
    assert.ok(run.waits.length >= 2, "waited for the reset and for Retry-After");
    assert.ok(Date.now() - started >= 1_000);
    assert.equal(
      fake.log.filter((r) => r.status === 429).length,
      1,
      "only the injected 429: the budget was respected",
    );
  },
);

fakeTest(
  "a failing GitLab project is reported and does not stop the others",
  () => new FakeGitlab(),
  async (fake) => {
    await seed(fake, "group/good");
    await seed(fake, "group/flaky");
    fake.faults.push({ path: /^\/projects\/[^/]+\/merge_requests$/, status: 500, times: 4 });
    const run = await pollOnce(
      (ctx) => pollGitlab(ctx, fast),
      conn(fake, ["group/missing", "group/flaky", "group/good"]),
      null,
    );
    const errors = run.outcome.errors!.join("\n");
    assert.match(errors, /group\/missing: HTTP 404 Not Found \(127\.0\.0\.1:\d+\): no such project/);
    assert.match(errors, /group\/flaky: HTTP 500 Internal Server Error/);
    assert.equal(run.events.filter((e) => e.data.metadata.project === "group/good").length, 7);
  },
);

fakeTest(
  "self-hosted GitLab under a path prefix, and a whole group",
  () => new FakeGitlab({ prefix: "/gitlab" }),
  async (fake) => {
    await seed(fake, "corp/one");
    await seed(fake, "corp/sub/two");
    fake.groups.set("corp", [fake.project("corp/one").id, fake.project("corp/sub/two").id]);
    assert.match(fake.url, /\/gitlab$/);
    const run = await pollOnce(
      (ctx) => pollGitlab(ctx, fast),
      connection("gitlab", { instanceUrl: fake.url, group: "corp" }),
      null,
    );
    assert.equal(run.outcome.errors, undefined, JSON.stringify(run.outcome.errors));
    assert.equal(run.events.length, 14);
    assert.ok(fake.log.every((r) => r.path !== "/__outside_prefix"));
  },
);

Deno.test("testing GitLab settings reaches the project, and a bad token is a clear 401", async () => {
  const { testGitlab } = await import("@painchain/gitlab");
  const fake = await new FakeGitlab({ token: "glpat-ok" }).start();
  try {
    await seed(fake, "group/app");
    const ctx = (token: string) => ({
      connection: connection("gitlab", { instanceUrl: fake.url, projects: ["group/app"] }, { token }),
      provenance: { fromFile: false, references: [] },
      signal: new AbortController().signal,
      log: {
        debug() {},
        info() {},
        warn() {},
        error() {},
        child() {
          return this;
        },
      },
      fetch,
      now: () => new Date(),
    });
    assert.match(
      await testGitlab(ctx("glpat-ok")),
      /^Reached group\/app on http:\/\/127\.0\.0\.1:\d+$/,
    );
    await assert.rejects(() => testGitlab(ctx("wrong")), /401 Unauthorized/);
  } finally {
    await fake.stop();
  }
});
