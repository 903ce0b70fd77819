import assert from "node:assert/strict";
import { gitlabExample } from "@painchain/testing/fake_gitlab/examples";
import { deploymentOf, mergeRequestOf, pipelineOf } from "./responses.ts";

const data = gitlabExample;

Deno.test("GitLab responses: the fields gitbeaker does not declare are read and checked", async (t) => {
  await t.step("mergeRequestOf(): merge_user, label names, changes_count", () => {
    const mr = data("merge_request");
    const full = mergeRequestOf({ ...mr, merge_user: { id: 1, username: "merger", name: "M" } });
    assert.deepEqual(full.merge_user, { username: "merger", name: "M" });
    assert.deepEqual(full.labels, ["Community contribution", "Manage"]);
    assert.equal(full.changes_count, "1");
    assert.equal(full.merged_by?.username, "DouweM");
    const listed = mergeRequestOf({
      ...mr,
      merge_user: { id: 1 },
      labels: [{ id: 2, name: "bug", color: "#f00" }],
      changes_count: undefined,
    });
    assert.equal(listed.merge_user, null);
    assert.deepEqual(listed.labels, ["bug"]);
    assert.equal(listed.changes_count, null);
  });
  await t.step("pipelineOf(): the single pipeline over the list's basics, and its name", () => {
    const { id, iid, project_id, sha, ref, source, created_at, updated_at, web_url } = data("pipeline");
    const basic = {
      id,
      iid,
      project_id,
      sha,
      ref,
      status: "running",
      source,
      created_at,
      updated_at,
      web_url,
    };
    const pl = pipelineOf(basic, data("pipeline"));
    assert.equal(pl.status, "success");
    assert.equal(pl.name, "Build pipeline");
    assert.equal(pl.duration, 123);
    assert.equal(pipelineOf(basic, { ...data("pipeline"), name: undefined }).name, null);
  });
  await t.step("deploymentOf(): finished_at, the job's web_url, and no job at all", () => {
    const d = data("deployment");
    const done = deploymentOf({ ...d, finished_at: "2026-11-26T10:00:00Z" });
    assert.equal(done.finished_at, "2026-11-26T10:00:00Z");
    assert.equal(done.deployable?.web_url, "https://gitlab.example.com/foo/bar/-/jobs/657");
    assert.equal(done.deployable?.name, "deploy");
    const bare = deploymentOf({ ...d, deployable: null });
    assert.equal(bare.deployable, null);
    assert.equal(bare.finished_at, null);
  });
});
