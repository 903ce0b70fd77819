/**
 * Webhooks end to end: gateway (signature) → JetStream → connector (same mapping as the poll) → store. Every GitHub
 * example payload of npm:@octokit/webhooks-examples for the kinds the connector tracks is posted.
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { sign } from "@octokit/webhooks-methods";
import { type Connection, connectionSchema, eventId } from "@painchain/shared/internal";
import { mapGithubWebhook } from "../connectors/github/webhook.ts";
import { json, waitFor } from "@painchain/testing";
import { startPipeline } from "@painchain/testing/pipeline";
import { gitlabHookPayloads } from "@painchain/testing/fake_gitlab/hooks";
import { githubPullsOnly } from "@painchain/testing/poll";
import { githubPipelineTest, gitlabPipelineTest } from "@painchain/testing/e2e";

// deno-lint-ignore no-explicit-any
type Json = any;
const EXAMPLES = fileURLToPath(
  new URL("../node_modules/@octokit/webhooks-examples/api.github.com/index.json", import.meta.url),
);
const TRACKED = ["pull_request", "push", "release", "workflow_run", "deployment", "deployment_status"];
const SECRET = "whsec-test-0123456789";

async function githubExamples(): Promise<{ event: string; payload: Json }[]> {
  const all = JSON.parse(await Deno.readTextFile(EXAMPLES)) as { name: string; examples: Json[] }[];
  return all.filter((e) => TRACKED.includes(e.name)).flatMap((e) =>
    e.examples.map((payload) => ({ event: e.name, payload }))
  );
}

githubPipelineTest("GitHub webhooks: signed deliveries are stored once, unsigned ones are refused", {
  token: "ghp_hook",
}, async (pl, fake, t) => {
  const body = {
    id: "octo",
    connector: "github",
    name: "Octo",
    tags: ["prod"],
    pollInterval: 3600,
    config: {
      token: "ghp_hook",
      webhookSecret: SECRET,
      // The repositories of @octokit/webhooks-examples' payloads, tracked by this connection.
      ...githubPullsOnly(fake.url, ["octo/app", "Codertocat/Hello-World", "octo-org/octo-repo"]),
    },
  };
  assert.equal((await pl.createConnection(body)).status, 201);
  // The connection as the connector sees it (all kinds on for the examples below).
  const conn: Connection = connectionSchema.parse({
    ...body,
    enabled: true,
    config: {
      ...body.config,
      commits: true,
      releases: true,
      tagsTracked: true,
      workflowRuns: true,
      deployments: true,
    },
    secrets: {},
    createdAt: new Date().toISOString(),
    updatedAt: new Date().toISOString(),
  });
  await pl.app.request("/api/connections/octo", json("PUT", { config: conn.config }));
  const streamMessages = async () =>
    (await pl.tn.nats.jsm.streams.info(pl.tn.names.webhooksStream)).state.messages;
  const post = async (event: string, raw: string, headers: Record<string, string> = {}) =>
    await pl.raw.request("/api/webhooks/github/octo", {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-github-event": event,
        "x-github-delivery": crypto.randomUUID(),
        "x-hub-signature-256": await sign(SECRET, raw),
        ...headers,
      },
      body: raw,
    });

  await t.step("a bad or missing signature is 401 and nothing is published", async () => {
    const before = await streamMessages();
    const raw = JSON.stringify((await githubExamples())[0]!.payload);
    const wrong = await post("pull_request", raw, {
      "x-hub-signature-256": await sign("not-the-secret", raw),
    });
    assert.equal(wrong.status, 401);
    const tampered = await post("pull_request", `${raw} `, {
      "x-hub-signature-256": await sign(SECRET, raw),
    });
    assert.equal(tampered.status, 401);
    const missing = await pl.raw.request("/api/webhooks/github/octo", {
      method: "POST",
      headers: { "x-github-event": "pull_request", "x-github-delivery": "d-1" },
      body: raw,
    });
    assert.equal(missing.status, 401);
    assert.equal((await post("pull_request", raw, { "x-hub-signature-256": "sha256=zz" })).status, 401);
    // An admin token is no signature.
    assert.equal(
      (await pl.app.request("/api/webhooks/github/octo", { method: "POST", body: raw })).status,
      401,
    );
    assert.equal(await streamMessages(), before);
    assert.equal((await pl.events("connector=github")).length, 0);
  });

  const examples = await githubExamples();
  const expected = new Map<string, string>();
  await t.step(
    `all ${examples.length} tracked example payloads, signed, are accepted and stored`,
    async () => {
      const none: string[] = [];
      for (const ex of examples) {
        const mapped = mapGithubWebhook({ event: ex.event, deliveryId: "x", payload: ex.payload }, conn);
        // Only a push that deletes a branch or tag records nothing.
        if (mapped.length === 0) {
          assert.ok(
            ex.event === "push" && ex.payload.deleted === true,
            `${ex.event} ${ex.payload.action}`,
          );
          none.push(ex.payload.ref);
        }
        for (const m of mapped) expected.set(eventId("github", m.eventType, m.upstreamId), ex.event);
        const res = await post(ex.event, JSON.stringify(ex.payload));
        assert.equal(res.status, 202, await res.text());
      }
      // The deletions are the only payloads that record nothing (4 of 62 in the package).
      assert.ok(none.length <= 6, none.join());
      const ids = [...expected.keys()];
      await waitFor(
        async () => {
          const rows = await pl.sql`SELECT id FROM change_events WHERE id = ANY(${ids})`;
          return rows.length === ids.length;
        },
        20_000,
        `${ids.length} stored webhook changes`,
      );
      const kinds = await pl.sql`SELECT event_type, count(*)::int AS n FROM change_events
          WHERE connector = 'github' GROUP BY 1 ORDER BY 1`;
      assert.deepEqual(kinds.map((k) => k.event_type), [
        "commit",
        "deployment",
        "pull_request",
        "release",
        "tag",
        "workflow_run",
      ]);
    },
  );

  await t.step("replaying a delivery stores it once", async () => {
    const ex = examples.find((e) => e.event === "release")!;
    const raw = JSON.stringify(ex.payload);
    const delivery = crypto.randomUUID();
    const first = await post("release", raw, { "x-github-delivery": delivery });
    const before = await streamMessages();
    const again = await post("release", raw, { "x-github-delivery": delivery });
    assert.equal(again.status, 200);
    assert.equal((await again.json()).duplicate, true);
    assert.equal(await streamMessages(), before);
    assert.ok([200, 202].includes(first.status));
    // A redelivery with a new delivery id still changes nothing: same id, same content.
    const id = `github-release-${ex.payload.release.id}`;
    const [v1] = await pl.sql`SELECT version FROM change_events WHERE id = ${id}`;
    await post("release", raw);
    await waitForDrained(pl);
    const rows = await pl.sql`SELECT version FROM change_events WHERE id = ${id}`;
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.version, v1!.version);
  });

  await t.step("a webhook and a poll of the same PR give one row", async () => {
    const pr = await fake.addPull("octo/app", { number: 42, at: Date.now() - 60_000, title: "Hooked" });
    await pl.app.request("/api/connections/octo/sync", { method: "POST" });
    const id = `github-pull_request-${pr.id}`;
    await waitFor(
      async () => (await pl.sql`SELECT 1 FROM change_events WHERE id = ${id}`).length === 1,
      20_000,
    );
    const hook = structuredClone(examples.find((e) => e.event === "pull_request")!.payload);
    hook.action = "closed";
    hook.repository.full_name = "octo/app";
    hook.pull_request = { ...pr, state: "closed", closed_at: new Date().toISOString() };
    assert.equal((await post("pull_request", JSON.stringify(hook))).status, 202);
    await waitFor(
      async () => (await pl.sql`SELECT status FROM change_events WHERE id = ${id}`)[0]?.status === "closed",
      20_000,
      "the webhook's update",
    );
    const rows = await pl.sql`SELECT id FROM change_events WHERE ${"pr:octo/app#42"} = ANY(refs)`;
    assert.equal(rows.length, 1);
  });

  await t.step(
    "ping is answered; an unknown connection gets the answer a bad signature gets",
    async () => {
      const ping = await post("ping", JSON.stringify({ zen: "Keep it simple" }));
      assert.equal(ping.status, 200);
      const raw = "{}";
      const res = await pl.raw.request("/api/webhooks/github/nobody", {
        method: "POST",
        headers: {
          "x-github-event": "push",
          "x-github-delivery": "d",
          "x-hub-signature-256": await sign(SECRET, raw),
        },
        body: raw,
      });
      assert.equal(res.status, 401);
      const bad = await post("push", raw, { "x-hub-signature-256": "sha256=" + "0".repeat(64) });
      assert.equal(bad.status, 401);
      assert.deepEqual(await res.json(), await bad.json(), "nothing tells which connections exist");
    },
  );
});

gitlabPipelineTest("GitLab webhooks: X-Gitlab-Token checked, hooks mapped like the poll", {
  prefix: "/gitlab",
  token: "glpat-hook",
}, async (pl, fake, t) => {
  const mr = fake.addMergeRequest("team/app", { iid: 5, at: Date.now() - 120_000, state: "opened" });
  const res = await pl.createConnection({
    id: "team",
    connector: "gitlab",
    name: "Team",
    pollInterval: 3600,
    config: {
      token: "glpat-hook",
      webhookSecret: SECRET,
      instanceUrl: fake.url,
      projects: ["team/app"],
    },
  });
  assert.equal(res.status, 201, await res.text());
  const mrId = `gitlab-merge_request-${(await mr).id}`;
  await waitFor(
    async () => (await pl.sql`SELECT 1 FROM change_events WHERE id = ${mrId}`).length === 1,
    20_000,
  );
  const post = (event: string, payload: unknown, token = SECRET, uuid = crypto.randomUUID()) =>
    pl.raw.request("/api/webhooks/gitlab/team", {
      method: "POST",
      headers: { "x-gitlab-event": event, "x-gitlab-token": token, "x-gitlab-event-uuid": uuid },
      body: JSON.stringify(payload),
    });
  const hooks = gitlabHookPayloads({ project: "team/app", mr: await mr, webUrl: `${fake.url}/team/app` });

  await t.step("a wrong or missing token is 401", async () => {
    assert.equal((await post("Merge Request Hook", hooks[0]!.payload, "wrong-token")).status, 401);
    const missing = await pl.raw.request("/api/webhooks/gitlab/team", {
      method: "POST",
      headers: { "x-gitlab-event": "Push Hook" },
      body: "{}",
    });
    assert.equal(missing.status, 401);
  });

  await t.step(`${hooks.length} hook kinds are stored; the MR hook updates the polled row`, async () => {
    for (const h of hooks) assert.equal((await post(h.event, h.payload)).status, 202, h.event);
    await waitFor(
      async () => {
        const rows = await pl.sql`SELECT event_type FROM change_events WHERE connector = 'gitlab'`;
        return new Set(rows.map((r) => r.event_type)).size === 6;
      },
      20_000,
      "six GitLab kinds",
    );
    const [row] = await pl.sql`SELECT status FROM change_events WHERE id = ${mrId}`;
    assert.equal(row!.status, "merged");
    assert.equal(
      (await pl.sql`SELECT 1 FROM change_events WHERE ${"mr:team/app!5"} = ANY(refs)`).length,
      1,
    );
  });

  await t.step("the same delivery twice is accepted once", async () => {
    const uuid = crypto.randomUUID();
    assert.equal((await post(hooks[0]!.event, hooks[0]!.payload, SECRET, uuid)).status, 202);
    const again = await post(hooks[0]!.event, hooks[0]!.payload, SECRET, uuid);
    assert.equal(again.status, 200);
    assert.equal((await again.json()).duplicate, true);
  });
});

/** Waits until the connectors consumed every webhook delivery and the store every event. */
async function waitForDrained(pl: Awaited<ReturnType<typeof startPipeline>>) {
  await waitFor(
    async () => {
      const infos = [];
      for await (const c of pl.tn.nats.jsm.consumers.list(pl.tn.names.webhooksStream)) infos.push(c);
      const store = await pl.tn.nats.jsm.consumers.info(pl.tn.names.eventsStream, pl.tn.names.storeConsumer);
      return infos.every((i) => i.num_pending === 0 && i.num_ack_pending === 0) &&
        store.num_pending === 0 && store.num_ack_pending === 0;
    },
    20_000,
    "drained",
  );
}
