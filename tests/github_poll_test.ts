/** The GitHub connector's poll against the fake GitHub: incremental, conditional, paged, rate-limit aware. */
import assert from "node:assert/strict";
import { type GithubClient, pollGithub, type PollOptions } from "@painchain/github";
import { FakeGithub } from "@painchain/testing/fake_github";
import { connection, pollOnce } from "@painchain/testing/poll";
import { fakeTest } from "@painchain/testing/fake_http";

const NOW = Date.now();
const min = (n: number) => NOW - n * 60_000;
const fast: PollOptions = { retryBaseMs: 10, throttleBaseMs: 1000 };

function conn(fake: FakeGithub, repositories: string[], extra: Record<string, unknown> = {}) {
  return connection("github", { repositories, baseUrl: fake.url, backfillDays: 7, ...extra }, {
    token: "ghp_test",
  });
}

async function seed(fake: FakeGithub, full: string) {
  await fake.addPull(full, { number: 1, at: min(100), merged: true, title: "Add payments" });
  await fake.addPull(full, { number: 2, at: min(90), title: "WIP: refactor" });
  await fake.addCommit(full, { message: "Bump version", at: min(80) });
  await fake.addCommit(full, { message: "Fix login", at: min(70) });
  await fake.addRelease(full, { tag: "v1.0.0", at: min(60) });
  await fake.addTag(full, { name: "v1.0.0", at: min(60) });
  await fake.addRun(full, { at: min(50), status: "completed", conclusion: "failure", failedJobs: ["test"] });
  await fake.addDeployment(full, { at: min(40), state: "success" });
}

fakeTest("GitHub poll", () => new FakeGithub({ token: "ghp_test" }), async (fake, t) => {
  await seed(fake, "octo/app");
  let cursor: unknown = null;

  await t.step("the first poll backfills every kind, each with a commit SHA", async () => {
    const run = await pollOnce((ctx) => pollGithub(ctx, fast), conn(fake, ["octo/app"]), null);
    const types = run.events.map((e) => e.data.eventType).sort();
    assert.deepEqual(types, [
      "commit",
      "commit",
      "deployment",
      "pull_request",
      "pull_request",
      "release",
      "tag",
      "workflow_run",
    ]);
    for (const e of run.events) {
      assert.ok(
        e.data.refs.some((r) => r.startsWith("sha:")) || e.data.eventType === "release",
        `${e.id} has a sha ref`,
      );
      assert.deepEqual(e.data.tags, ["prod"]);
    }
    const failed = run.events.find((e) => e.data.eventType === "workflow_run")!;
    assert.deepEqual(failed.data.metadata.failedJobs, ["test"]);
    const merged = run.events.find((e) => e.data.status === "merged")!;
    assert.equal(merged.data.metadata.mergedBy, "merger");
    assert.deepEqual(merged.data.metadata.approvals, ["reviewer1"]);
    assert.equal(run.outcome.errors, undefined);
    assert.ok(run.rateLimits.at(-1)!.limit === 5000);
    cursor = run.outcome.cursor;
  });

  await t.step(
    "a second poll with no upstream change makes only conditional requests and publishes nothing",
    async () => {
      fake.log.length = 0;
      const run = await pollOnce((ctx) => pollGithub(ctx, fast), conn(fake, ["octo/app"]), cursor);
      assert.equal(run.events.length, 0);
      assert.ok(fake.log.length > 0);
      assert.ok(
        fake.log.every((r) => r.conditional && r.status === 304),
        JSON.stringify(fake.log.filter((r) => r.status !== 304)),
      );
      cursor = run.outcome.cursor;
    },
  );

  await t.step("a PR merged upstream appears after the next poll, with the same id", async () => {
    const before = (await pollOnce((ctx) => pollGithub(ctx, fast), conn(fake, ["octo/app"]), null)).events
      .find((e) => e.subject === "octo/app#2")!;
    fake.mergePull("octo/app", 2, min(5));
    const run = await pollOnce((ctx) => pollGithub(ctx, fast), conn(fake, ["octo/app"]), cursor);
    assert.deepEqual(run.events.map((e) => [e.id, e.data.status]), [[before.id, "merged"]]);
    assert.equal(run.events[0]!.time, new Date(Math.floor(min(5) / 1000) * 1000).toISOString());
    cursor = run.outcome.cursor;
  });

  await t.step("a workflow run queued, then in progress, then completed keeps one id", async () => {
    const r = await fake.addRun("octo/app", { at: min(3), status: "queued" });
    const seen: [string, string][] = [];
    for (
      const [status, conclusion] of [["queued", null], ["in_progress", null], [
        "completed",
        "success",
      ]] as const
    ) {
      fake.updateRun("octo/app", r.id, { status, conclusion, at: Date.now() });
      const run = await pollOnce((ctx) => pollGithub(ctx, fast), conn(fake, ["octo/app"]), cursor);
      cursor = run.outcome.cursor;
      for (const e of run.events) seen.push([e.id, e.data.status]);
    }
    assert.deepEqual(seen, [
      [`github-workflow_run-${r.id}`, "queued"],
      [`github-workflow_run-${r.id}`, "in_progress"],
      [`github-workflow_run-${r.id}`, "success"],
    ]);
  });

  await t.step("a run deleted upstream while followed does not fail the repository", async () => {
    const r = await fake.addRun("octo/app", { at: Date.now() - 2_000, status: "in_progress" });
    let run = await pollOnce((ctx) => pollGithub(ctx, fast), conn(fake, ["octo/app"]), cursor);
    cursor = run.outcome.cursor;
    assert.equal(run.events.length, 1);
    const runs = fake.repo("octo/app").runs;
    runs.splice(runs.findIndex((x) => x.id === r.id), 1);
    run = await pollOnce((ctx) => pollGithub(ctx, fast), conn(fake, ["octo/app"]), cursor);
    assert.equal(run.outcome.errors, undefined, JSON.stringify(run.outcome.errors));
    cursor = run.outcome.cursor;
    run = await pollOnce((ctx) => pollGithub(ctx, fast), conn(fake, ["octo/app"]), cursor);
    assert.ok(
      !fake.log.slice(-20).some((x) => x.path.endsWith(`/runs/${r.id}`) && x.at > Date.now() - 200),
      "it stopped asking",
    );
    cursor = run.outcome.cursor;
  });

  await t.step("a deployment's later status updates the same event", async () => {
    const d = await fake.addDeployment("octo/app", { at: min(2), state: "in_progress" });
    let run = await pollOnce((ctx) => pollGithub(ctx, fast), conn(fake, ["octo/app"]), cursor);
    cursor = run.outcome.cursor;
    assert.deepEqual(run.events.map((e) => [e.id, e.data.status]), [[
      `github-deployment-${d.id}`,
      "in_progress",
    ]]);
    await fake.addDeploymentStatus("octo/app", d.id, { state: "success", at: min(1) });
    run = await pollOnce((ctx) => pollGithub(ctx, fast), conn(fake, ["octo/app"]), cursor);
    cursor = run.outcome.cursor;
    assert.deepEqual(run.events.map((e) => [e.id, e.data.status]), [[
      `github-deployment-${d.id}`,
      "success",
    ]]);
  });

  await t.step("new commits and tags appear once", async () => {
    await fake.addCommit("octo/app", { message: "Hotfix", at: Date.now() - 1000 });
    await fake.addTag("octo/app", { name: "v1.0.1", at: Date.now() - 1000 });
    let run = await pollOnce((ctx) => pollGithub(ctx, fast), conn(fake, ["octo/app"]), cursor);
    cursor = run.outcome.cursor;
    assert.deepEqual(run.events.map((e) => e.data.eventType).sort(), ["commit", "tag"]);
    run = await pollOnce((ctx) => pollGithub(ctx, fast), conn(fake, ["octo/app"]), cursor);
    assert.equal(run.events.length, 0);
    cursor = run.outcome.cursor;
  });
});

fakeTest(
  "GitHub poll pages through history and stops at the cursor",
  () => new FakeGithub(),
  async (fake) => {
    for (let i = 1; i <= 130; i++) await fake.addPull("octo/big", { number: i, at: min(600 - i) });
    const c = conn(fake, ["octo/big"], {
      commits: false,
      releases: false,
      tagsTracked: false,
      workflowRuns: false,
      deployments: false,
    });
    const first = await pollOnce((ctx) => pollGithub(ctx, fast), c, null);
    assert.equal(first.events.length, 130, "three pages of 50");
    assert.equal(fake.log.filter((r) => r.path === "/repos/octo/big/pulls").length, 3);
    await fake.addPull("octo/big", { number: 131, at: min(1) });
    fake.log.length = 0;
    const second = await pollOnce((ctx) => pollGithub(ctx, fast), c, first.outcome.cursor);
    assert.deepEqual(second.events.map((e) => e.data.metadata.number), [131]);
    assert.equal(
      fake.log.filter((r) => r.path === "/repos/octo/big/pulls").length,
      1,
      "one page: it stops past the cursor",
    );
  },
);

fakeTest(
  "GitHub poll waits out a spent rate limit and loses nothing",
  () => new FakeGithub(),
  async (fake) => {
    await seed(fake, "octo/app");
    fake.rate.remaining = 3;
    fake.rate.resetAt = Date.now() + 2_000;
    const started = Date.now();
    const run = await pollOnce((ctx) => pollGithub(ctx, fast), conn(fake, ["octo/app"]), null);
    assert.ok(Date.now() - started >= 1_500, "it waited for the reset");
    assert.ok(run.waits.length >= 1, "the wait went through the runtime's rate-limit hook");
    assert.equal(run.events.length, 8, "every change still arrives");
    assert.equal(run.outcome.errors, undefined);
    assert.equal(fake.log.filter((r) => r.status === 403).length, 0, "it waited instead of hammering");
  },
);

fakeTest(
  "GitHub poll retries secondary limits (403/429 + Retry-After) and 5xx",
  () => new FakeGithub(),
  async (fake) => {
    await seed(fake, "octo/app");
    fake.faults.push(
      {
        path: /\/pulls$/,
        status: 403,
        times: 1,
        retryAfter: 1,
        message: "You have exceeded a secondary rate limit",
      },
      {
        path: /\/actions\/runs$/,
        status: 429,
        times: 1,
        retryAfter: 1,
        message: "You have exceeded a secondary rate limit",
      },
      { path: /\/releases$/, status: 502, times: 2 },
    );
    const run = await pollOnce((ctx) => pollGithub(ctx, fast), conn(fake, ["octo/app"]), null);
    assert.equal(run.outcome.errors, undefined, JSON.stringify(run.outcome.errors));
    assert.equal(run.events.length, 8);
    assert.equal(fake.log.filter((r) => r.status >= 400).length, 4);
  },
);

fakeTest(
  "one failing repository is reported and does not stop the others",
  () => new FakeGithub(),
  async (fake) => {
    await seed(fake, "octo/good");
    await seed(fake, "octo/flaky");
    fake.faults.push({ path: /^\/repos\/octo\/flaky\//, status: 500, times: Infinity });
    const run = await pollOnce(
      (ctx) => pollGithub(ctx, fast),
      conn(fake, ["octo/missing", "octo/flaky", "octo/good"]),
      null,
    );
    assert.equal(run.events.length, 8, "octo/good is fully polled");
    assert.ok(run.events.every((e) => e.data.metadata.repository === "octo/good"));
    const errors = run.outcome.errors!.join("\n");
    assert.match(errors, /octo\/missing: HTTP 404 Not Found \(127\.0\.0\.1:\d+\): no such repository/);
    assert.match(errors, /octo\/flaky: HTTP 500 Internal Server Error/);
    const bad = await pollOnce(
      (ctx) => pollGithub(ctx, fast),
      { ...conn(fake, ["octo/good"]), secrets: { token: "wrong" } },
      null,
    );
    assert.equal(bad.events.length, 8, "no token required by this fake");
  },
);

fakeTest(
  "a bad token is a clear 401, and a poll that reached nothing fails (it is no success)",
  () => new FakeGithub({ token: "right" }),
  async (fake) => {
    await seed(fake, "octo/app");
    await assert.rejects(
      () =>
        pollOnce(
          (ctx) => pollGithub(ctx, fast),
          { ...conn(fake, ["octo/app"]), secrets: { token: "wrong" } },
          null,
        ),
      /octo\/app: HTTP 401 Unauthorized \(127\.0\.0\.1:\d+\): the token is missing, wrong or expired/,
    );
  },
);

fakeTest(
  "GitHub Enterprise: the API under a path prefix, and a whole organization",
  () => new FakeGithub({ prefix: "/api/v3" }),
  async (fake) => {
    await seed(fake, "corp/one");
    await seed(fake, "corp/two");
    fake.orgs.set("corp", ["corp/one", "corp/two"]);
    const run = await pollOnce(
      (ctx) => pollGithub(ctx, fast),
      connection("github", { organization: "corp", baseUrl: fake.url }, {}),
      null,
    );
    assert.equal(run.events.length, 16);
    assert.ok(fake.log.every((r) => r.path !== "/__outside_prefix"));
  },
);

fakeTest(
  "steady state: 10 unchanged repositories cost no rate limit",
  () => new FakeGithub(),
  async (fake) => {
    const repos = Array.from({ length: 10 }, (_, i) => `octo/r${i}`);
    for (const r of repos) await seed(fake, r);
    let client: GithubClient | null = null;
    const first = await pollOnce((ctx) => pollGithub(ctx, fast), conn(fake, repos), null);
    fake.log.length = 0;
    const steady = await pollOnce(
      (ctx) => pollGithub(ctx, { ...fast, onClient: (c) => (client = c) }),
      conn(fake, repos),
      first.outcome.cursor,
    );
    assert.equal(steady.events.length, 0);
    const counted = fake.counted().length;
    // deno-lint-ignore no-console
    console.log(
      `steady-state poll of 10 unchanged repositories: ${fake.log.length} requests, ${counted} count against the rate limit`,
    );
    assert.equal(fake.log.length, 70, "7 conditional requests per repository");
    assert.equal(counted, 0);
    assert.equal(client!.counts.notModified, 70);
  },
);
