/** Fake GitHub → GitHub connector → NATS → store → /api/events?connector=github. */
import assert from "node:assert/strict";
import { connectionKey, encoder } from "@painchain/shared/internal";
import { json, waitFor } from "@painchain/testing";
import { githubPipelineTest } from "@painchain/testing/e2e";

githubPipelineTest(
  "GitHub end to end: fake GitHub to /api/events",
  { token: "ghp_e2e" },
  async (pl, fake, t) => {
    const now = Date.now();
    await fake.addPull("octo/app", { number: 7, at: now - 3600_000, merged: true, title: "Ship checkout" });
    const run = await fake.addRun("octo/app", { at: now - 600_000, status: "queued" });
    await fake.addDeployment("octo/app", { at: now - 300_000, state: "success", environment: "production" });
    await t.step("a connection created through the API is polled and its changes are stored", async () => {
      const res = await pl.createConnection({
        id: "octo",
        connector: "github",
        name: "Octo",
        tags: ["prod"],
        pollInterval: 60,
        config: {
          token: "ghp_e2e",
          repositories: "octo/app tags=team-checkout",
          baseUrl: fake.url,
          commits: false,
          releases: false,
          tagsTracked: false,
        },
      });
      assert.equal(res.status, 201, await res.clone().text());
      const rows = await waitFor(
        async () => {
          const list = await pl.events("connector=github");
          return list.length === 3 ? list : null;
        },
        20_000,
        "three GitHub events",
      );
      assert.deepEqual(rows.map((e) => e.eventType).sort(), ["deployment", "pull_request", "workflow_run"]);
      assert.ok(rows.every((e) => e.tags.includes("prod") && e.tags.includes("team-checkout")));
    });

    await t.step(
      "a run queued, in progress, then completed is one row whose final status is completed",
      async () => {
        // Speed the loop up: the same connection with a 1 s interval, written straight to KV.
        const entry = await pl.tn.buckets.connections.get(connectionKey("github", "octo"));
        const c = JSON.parse(new TextDecoder().decode(entry!.value));
        await pl.tn.buckets.connections.put(
          connectionKey("github", "octo"),
          encoder.encode(JSON.stringify({ ...c, pollInterval: 1 })),
        );
        const id = `github-workflow_run-${run.id}`;
        for (const [status, conclusion] of [["in_progress", null], ["completed", "success"]] as const) {
          fake.updateRun("octo/app", run.id, { status, conclusion, at: Date.now() });
          const want = conclusion ?? status;
          await waitFor(
            async () =>
              (await pl.events("connector=github&eventType=workflow_run")).find((e) =>
                e.id === id && e.status === want
              ),
            15_000,
            want,
          );
        }
        const rows = await pl.sql`SELECT status, version FROM change_events WHERE id = ${id}`;
        assert.equal(rows.length, 1);
        assert.equal(rows[0]!.status, "success");
        assert.equal(rows[0]!.version, 3, "inserted queued, updated to in_progress, then to success");
      },
    );

    await t.step("testing settings reaches the upstream through a connector replica", async () => {
      const send = (body: unknown) => pl.app.request("/api/connections/test", json("POST", body));
      const ok = await (await send({
        connector: "github",
        config: { token: "ghp_e2e", repositories: "octo/app", baseUrl: fake.url },
      })).json();
      assert.equal(ok.ok, true);
      assert.match(ok.message, /^Reached octo\/app/);
      const bad = await (await send({
        connector: "github",
        config: { token: "nope", repositories: "octo/app", baseUrl: fake.url },
      })).json();
      assert.deepEqual(bad, {
        ok: false,
        message: `HTTP 401 Unauthorized (${new URL(fake.url).host}): the token is missing, wrong or expired`,
      });
      const stored = await (await send({ connector: "github", id: "octo", config: {} })).json();
      assert.equal(stored.ok, true, "an existing connection is tested with its stored secret");
    });

    await t.step("the connection status shows the rate-limit budget", async () => {
      const meta = await (await pl.app.request("/api/connectors/metadata")).json();
      const gh = meta.find((m: { id: string }) => m.id === "github");
      const status = gh.instances[0].connections.find((s: { connectionId: string }) =>
        s.connectionId === "octo"
      );
      assert.equal(status.rateLimit.limit, 5000);
      assert.ok(status.rateLimit.remaining < 5000);
      assert.equal(status.lastError, null);
    });
  },
);
