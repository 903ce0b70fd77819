import assert from "node:assert/strict";
import { toCloudEvent } from "@painchain/shared/internal";
import { example } from "@painchain/testing/fake_github/examples";
import {
  mapCommit,
  mapDeployment,
  mapPullRequest,
  mapRelease,
  mapTag,
  mapWorkflowRun,
  runStatus,
} from "./map.ts";
import { parseRepoLine, settingsOf } from "./targets.ts";
import { connection } from "@painchain/testing/poll";

const repo = { fullName: "octocat/Hello-World", tags: ["prod"] };
const envelope = (c: Parameters<typeof toCloudEvent>[0]) =>
  toCloudEvent(c, { connector: "github", connectionId: "c1", recordedAt: new Date("2026-11-26T00:00:00Z") });

Deno.test("GitHub mapping of the official response examples", async (t) => {
  await t.step(
    "mapPullRequest() keeps branches, size, files, labels and reviews; id is the PR id",
    async () => {
      const pr = await example("pull-request");
      const files = await example("diff-entry-items");
      const reviews = await example("pull-request-review-items");
      const e = envelope(mapPullRequest(pr, repo, { files, reviews }));
      assert.equal(e.id, `github-pull_request-${pr.id}`);
      assert.equal(e.subject, "octocat/Hello-World#1347");
      assert.equal(e.data.status, "open");
      assert.equal(e.time, "2011-01-26T19:01:12.000Z");
      assert.equal(e.data.author, "octocat");
      const m = e.data.metadata;
      assert.equal(m.baseBranch, "master");
      assert.equal(m.headBranch, "new-topic");
      assert.equal(m.additions, 100);
      assert.equal(m.deletions, 3);
      assert.equal(m.changedFiles, 5);
      assert.deepEqual(m.files, ["file1.txt"]);
      assert.deepEqual(m.labels, ["bug"]);
      assert.deepEqual(m.reviewers, ["other_user"]);
      assert.deepEqual(m.approvals, ["octocat"]);
      assert.equal(m.sha, pr.head.sha);
      assert.ok(e.data.refs.includes(`sha:${pr.head.sha}`));
      assert.ok(e.data.refs.includes("pr:octocat/Hello-World#1347"));
    },
  );

  await t.step("a merged PR is the same id, status merged, at merged_at, with the merge commit", async () => {
    const pr = await example("pull-request");
    const open = envelope(mapPullRequest(pr, repo));
    Object.assign(pr, {
      state: "closed",
      merged: true,
      merged_at: "2026-11-25T10:00:00Z",
      closed_at: "2026-11-25T10:00:00Z",
    });
    const merged = envelope(mapPullRequest(pr, repo));
    assert.equal(merged.id, open.id);
    assert.equal(merged.data.status, "merged");
    assert.equal(merged.time, "2026-11-25T10:00:00.000Z");
    assert.equal(merged.data.metadata.sha, "e5bd3914e2e596debea16f433f57875b5b90bcd6");
    assert.ok(merged.data.refs.includes("sha:e5bd3914e2e596debea16f433f57875b5b90bcd6"));
  });

  await t.step("mapCommit() keeps SHA, message, author and files", async () => {
    const c = await example("commit");
    const e = envelope(mapCommit(c, repo, "main"));
    assert.equal(e.id, `github-commit-${c.sha}`);
    assert.equal(e.data.title, "Push to main: Fix all the bugs");
    assert.equal(e.data.author, "octocat");
    assert.equal(e.time, "2011-04-14T16:00:49.000Z");
    assert.deepEqual(e.data.metadata.files, ["file1.txt"]);
    assert.equal(e.data.metadata.additions, 104);
  });

  await t.step("mapRelease() and mapTag()", async () => {
    const rel = (await example("release-items"))[0];
    const r = envelope(mapRelease(rel, repo));
    assert.equal(r.id, `github-release-${rel.id}`);
    assert.equal(r.data.status, "published");
    assert.equal(r.time, "2013-02-27T19:35:32.000Z");
    assert.equal(r.data.metadata.tag, "v1.0.0");
    const tag = (await example("tag-items"))[0];
    const tg = envelope(mapTag(tag, repo, "2026-11-01T00:00:00Z"));
    assert.equal(tg.id, "github-tag-octocat/Hello-World:v0.1");
    assert.equal(tg.data.metadata.sha, "c5b97d5ae6c19d5c5df71a34c7fbeeda2479ccbc");
  });

  await t.step(
    "mapWorkflowRun(): one id across queued, in progress and completed; failed jobs named",
    async () => {
      const run = await example("workflow-run");
      const queued = envelope(mapWorkflowRun(run, repo));
      assert.equal(queued.data.status, "queued");
      Object.assign(run, { status: "completed", conclusion: "failure", updated_at: "2020-01-22T19:40:08Z" });
      const jobs = (await example("job-paginated")).jobs.map((j: Record<string, unknown>) => ({
        ...j,
        conclusion: "failure",
      }));
      const done = envelope(mapWorkflowRun(run, repo, jobs));
      assert.equal(done.id, queued.id);
      assert.equal(done.data.status, "failure");
      assert.equal(done.data.metadata.durationSeconds, 420);
      assert.deepEqual(done.data.metadata.failedJobs, ["build"]);
      assert.equal(done.data.metadata.trigger, "push");
      assert.equal(done.data.metadata.sha, "acb5820ced9479c074f688cc328bf03f341a511d");
      assert.equal(runStatus({ status: "in_progress", conclusion: null }), "in_progress");
    },
  );

  await t.step("mapDeployment() takes the latest status", async () => {
    const d = (await example("deployment-items"))[0];
    const st = (await example("deployment-status-items"))[0];
    const e = envelope(mapDeployment(d, repo, st));
    assert.equal(e.id, `github-deployment-${d.id}`);
    assert.equal(e.data.status, "success");
    assert.equal(e.data.metadata.environment, "production");
    assert.equal(e.data.metadata.sha, "a84d88e7554fc1fa21bcbc4efae3c782a70d2b9d");
    assert.equal(envelope(mapDeployment(d, repo, null)).data.status, "created");
  });
});

Deno.test("GitHub connection settings", async (t) => {
  await t.step("parseRepoLine() reads branches and tags", () => {
    assert.deepEqual(parseRepoLine("octo/app branches=main,release tags=team-a"), {
      owner: "octo",
      repo: "app",
      branches: ["main", "release"],
      tags: ["team-a"],
    });
    assert.deepEqual(parseRepoLine("https://github.com/octo/app.git").repo, "app");
    assert.throws(() => parseRepoLine("not a repo"), /not owner\/repo/);
    assert.throws(() => parseRepoLine("octo/app colour=red"), /Unknown option/);
  });
  await t.step("kinds can be switched off; a repository or organization is required", () => {
    const s = settingsOf(
      connection("github", { repositories: ["o/r"], releases: false, deployments: false }),
    );
    assert.deepEqual([...s.kinds].sort(), ["commit", "pull_request", "tag", "workflow_run"]);
    assert.throws(() => settingsOf(connection("github", {})), /at least one repository/);
  });
});
