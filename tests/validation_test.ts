/** Create and update validate what Test validates: the connector's own checks answer 400 before anything is saved. */
import assert from "node:assert/strict";
import { githubConnector } from "@painchain/github";
import { gitlabConnector } from "@painchain/gitlab";
import { kubernetesConnector } from "@painchain/kubernetes";
import { pipelineTest } from "@painchain/testing/pipeline";
import { json } from "@painchain/testing";

pipelineTest("connections are checked by their connector on create and update", async (pl, t) => {
  await pl.connector(githubConnector(), "gh");
  await pl.connector(gitlabConnector(), "gl");
  await pl.connector(kubernetesConnector(), "k8s");
  const post = (body: unknown) => pl.createConnection(body);
  await t.step("GitHub: no repository and no organization is a 400", async () => {
    const res = await post({ connector: "github", name: "x", config: { token: "t" } });
    assert.equal(res.status, 400);
    assert.match((await res.json()).error, /at least one repository or an organization/);
  });
  await t.step("GitHub: a repository named `not a repo!!` is a 400", async () => {
    const res = await post({ connector: "github", name: "x", config: { repositories: "not a repo!!" } });
    assert.equal(res.status, 400);
    assert.match((await res.json()).error, /is not owner\/repo/);
  });
  await t.step("GitLab: a project path that is not one is a 400", async () => {
    const res = await post({ connector: "gitlab", name: "x", config: { projects: "no spaces allowed" } });
    assert.equal(res.status, 400);
  });
  await t.step("Kubernetes: in-cluster auth off-cluster is a 400 that says why", async () => {
    const res = await post({ connector: "kubernetes", name: "x", config: { auth: "incluster" } });
    assert.equal(res.status, 400);
    assert.match((await res.json()).error, /runs inside the cluster/);
  });
  await t.step("a valid connection is created, and an update that breaks it is refused", async () => {
    const ok = await post({
      connector: "github",
      name: "good",
      id: "good",
      config: { repositories: "octo/app" },
    });
    assert.equal(ok.status, 201);
    const bad = await pl.app.request(
      "/api/connections/good",
      json("PUT", { config: { repositories: "still not a repo!!" } }),
    );
    assert.equal(bad.status, 400);
  });
});
