/** Fake GitLab → GitLab connector → NATS → store → /api/events?connector=gitlab. */
import assert from "node:assert/strict";
import { connectionKey, encoder } from "@painchain/shared/internal";
import { waitFor } from "@painchain/testing";
import { gitlabPipelineTest } from "@painchain/testing/e2e";

gitlabPipelineTest("GitLab end to end: fake self-hosted GitLab to /api/events", {
  prefix: "/gitlab",
  token: "glpat-e2e",
}, async (pl, fake) => {
  const pipeline = await fake.addPipeline("team/app", { at: Date.now() - 60_000, status: "running" });
  await fake.addMergeRequest("team/app", { iid: 3, at: Date.now() - 120_000, state: "merged" });
  const res = await pl.createConnection({
    id: "team",
    connector: "gitlab",
    name: "Team",
    tags: ["prod"],
    config: { token: "glpat-e2e", instanceUrl: fake.url, projects: ["team/app"] },
  });
  assert.equal(res.status, 201, await res.clone().text());
  await waitFor(
    async () => (await pl.events("connector=gitlab")).length === 2,
    20_000,
    "two GitLab events",
  );
  const entry = await pl.tn.buckets.connections.get(connectionKey("gitlab", "team"));
  const c = JSON.parse(new TextDecoder().decode(entry!.value));
  await pl.tn.buckets.connections.put(
    connectionKey("gitlab", "team"),
    encoder.encode(JSON.stringify({ ...c, pollInterval: 1 })),
  );
  await fake.updatePipeline("team/app", pipeline.id, {
    status: "failed",
    at: Date.now(),
    failedJobs: ["deploy"],
  });
  const id = `gitlab-pipeline-${pipeline.id}`;
  const row = await waitFor(
    async () =>
      (await pl.events("connector=gitlab&eventType=pipeline")).find((e) =>
        e.id === id && e.status === "failed"
      ),
    15_000,
    "failed pipeline",
  );
  assert.deepEqual(row.metadata.failedJobs, ["deploy"]);
  const rows = await pl.sql`SELECT status FROM change_events WHERE id = ${id}`;
  assert.deepEqual(rows.map((r) => r.status), ["failed"], "one row, failed");
  const mr = (await pl.events("connector=gitlab&eventType=merge_request"))[0]!;
  assert.equal(mr.status, "merged");
  assert.deepEqual(mr.tags, ["prod"]);
});
