import assert from "node:assert/strict";
import { gitlabExample } from "@painchain/testing/fake_gitlab/examples";
import { toCloudEvent } from "@painchain/shared/internal";
import { connection } from "@painchain/testing/poll";
import { mapCommit, mapDeployment, mapMergeRequest, mapPipeline, mapRelease, mapTag } from "./map.ts";
import { parseProjectLine, settingsOf } from "./targets.ts";

const data = gitlabExample;
const p = {
  path: "diaspora/diaspora-client",
  webUrl: "https://gitlab.example.com/diaspora/diaspora-client",
  tags: ["prod"],
};
const envelope = (c: Parameters<typeof toCloudEvent>[0]) =>
  toCloudEvent(c, { connector: "gitlab", connectionId: "c1", recordedAt: new Date("2026-11-26T00:00:00Z") });

Deno.test("GitLab mapping of documented responses", async (t) => {
  await t.step("mapMergeRequest(): merged at merged_at with the merge commit, files and approvals", () => {
    const e = envelope(
      mapMergeRequest(data("merge_request"), p, { diffs: [data("diff")], approvals: data("approvals") }),
    );
    assert.equal(e.id, "gitlab-merge_request-1");
    assert.equal(e.subject, "diaspora/diaspora-client!1");
    assert.equal(e.data.status, "merged");
    assert.equal(e.time, "2018-09-07T11:16:17.520Z");
    assert.equal(e.data.metadata.sha, "9999999999999999999999999999999999999999");
    assert.equal(e.data.metadata.mergedBy, "DouweM");
    assert.deepEqual(e.data.metadata.files, ["README"]);
    assert.deepEqual(e.data.metadata.approvals, ["root"]);
    assert.deepEqual(e.data.metadata.labels, ["Community contribution", "Manage"]);
    assert.ok(e.data.refs.includes("sha:9999999999999999999999999999999999999999"));
  });
  await t.step("an opened MR is open at created_at with its head SHA", () => {
    const e = envelope(mapMergeRequest({ ...data("merge_request"), state: "opened", merged_at: null }, p));
    assert.equal(e.data.status, "open");
    assert.equal(e.time, "2017-04-29T08:46:00.000Z");
    assert.equal(e.data.metadata.sha, "8888888888888888888888888888888888888888");
  });
  await t.step("mapPipeline() keeps one id as the status moves; failed jobs named", () => {
    const running = envelope(mapPipeline({ ...data("pipeline"), status: "running" }, p));
    const failed = envelope(mapPipeline({ ...data("pipeline"), status: "failed" }, p, [data("job")]));
    assert.equal(running.id, failed.id);
    assert.equal(failed.data.status, "failed");
    assert.deepEqual(failed.data.metadata.failedJobs, ["rubocop"]);
    assert.equal(failed.data.metadata.durationSeconds, 123);
    assert.equal(failed.data.metadata.sha, "a91957a858320c0e17f3a0eca7cfacbff50ea29a");
    assert.equal(failed.data.author, "root");
  });
  await t.step("mapCommit(), mapDeployment(), mapTag(), mapRelease()", () => {
    const c = envelope(mapCommit(data("commit"), p, "main", ["README"]));
    assert.equal(c.time, "2021-09-20T08:50:22.001Z", "converted to UTC");
    assert.equal(c.data.metadata.additions, 15);
    const d = envelope(mapDeployment(data("deployment"), p));
    assert.equal(d.data.metadata.environment, "production");
    assert.equal(d.data.metadata.sha, "99d03678b90d914dbb1b109132516d71a4a03ea8");
    assert.equal(d.data.status, "success");
    const tag = envelope(mapTag(data("tag"), p));
    assert.equal(tag.data.metadata.sha, "2695effb5807a22ff3d138d593fd856244e155e7");
    const r = envelope(mapRelease(data("release"), p));
    assert.equal(r.data.metadata.sha, "079e90101242458910cccd35eab0e211dfc359c0");
    assert.equal(r.data.url, "https://gitlab.example.com/root/awesome-app/-/releases/v0.2");
  });
});

Deno.test("GitLab connection settings", () => {
  assert.deepEqual(parseProjectLine("group/sub/app branches=main tags=team-a"), {
    project: "group/sub/app",
    branches: ["main"],
    tags: ["team-a"],
  });
  assert.equal(parseProjectLine("1234").project, "1234");
  assert.equal(parseProjectLine("https://gitlab.com/group/app.git").project, "group/app");
  assert.throws(() => parseProjectLine("just-a-name"), /not a project path/);
  const s = settingsOf(
    connection("gitlab", {
      projects: ["a/b"],
      instanceUrl: "https://git.example.com/gitlab/",
      pipelines: false,
    }),
  );
  assert.equal(s.host, "https://git.example.com/gitlab");
  assert.equal(s.kinds.has("pipeline"), false);
  assert.equal(settingsOf(connection("gitlab", { projects: ["a/b"] })).host, "https://gitlab.com");
});
