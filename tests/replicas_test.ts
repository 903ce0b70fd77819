/**
 * Three replicas of the GitHub connector (real processes) with 9 connections against the fake GitHub: each
 * connection polled once per interval, spread 3/3/3 give or take one, and a replica killed with kill -9 has its
 * connections taken over within two lease TTLs, losing and doubling nothing.
 */
import assert from "node:assert/strict";
import postgres from "postgres";
import { readRegistry } from "@painchain/shared/internal";
import { FakeGithub } from "@painchain/testing/fake_github";
import { type Service, startService } from "./bench/util.ts";
import {
  connectionHolders,
  createTestDb,
  createTestNats,
  NATS_URL,
  serviceTest,
  waitFor,
  waitForSpread,
} from "@painchain/testing";
import { githubPullsOnly, namedConnection, putConnection } from "@painchain/testing/poll";

const TTL = 4_000;
const INTERVAL_S = 4;

serviceTest("three GitHub replicas share nine connections", async (t) => {
  const fake = await new FakeGithub().start();
  const db = await createTestDb();
  const tn = await createTestNats();
  const sql = postgres(db.url, { max: 1, onnotice: () => {} });
  const repos = Array.from({ length: 9 }, (_, i) => `octo/r${i}`);
  for (const [i, r] of repos.entries()) {
    await fake.addPull(r, { number: 1, at: Date.now() - 3600_000 - i * 1000 });
  }
  const env = (id: string) => ({
    NATS_URL,
    PAINCHAIN_PREFIX: tn.names.prefix,
    CONNECTOR_HOST: "127.0.0.1",
    INSTANCE_ID: id,
    HEARTBEAT_MS: "1000",
    LEASE_TTL_MS: String(TTL),
    // The fake GitHub listens on loopback, which the egress policy refuses unless allowed.
    PAINCHAIN_UPSTREAM_ALLOW: "127.0.0.1",
  });
  const store = await startService("store/main.ts", {
    NATS_URL,
    DATABASE_URL: db.url,
    PAINCHAIN_PREFIX: tn.names.prefix,
  }, /Store consuming/);
  const replicas: Record<string, Service> = {};
  for (const id of ["replica-a", "replica-b", "replica-c"]) {
    replicas[id] = await startService("connectors/github/main.ts", env(id), /Connector started/);
  }
  const pullsOf = (repo: string, since = 0) =>
    fake.log.filter((r) => r.path === `/repos/${repo}/pulls` && r.at >= since);
  try {
    // Let all three see each other before the connections arrive.
    await waitFor(
      async () =>
        (await readRegistry(tn.buckets.registry)).find((r) => r.metadata.id === "github")?.instances
          .length === 3,
      10_000,
      "3 replicas",
    );
    await new Promise((r) => setTimeout(r, 1_500));
    for (const [i, repo] of repos.entries()) {
      const c = namedConnection("github", `c${i}`, INTERVAL_S, githubPullsOnly(fake.url, [repo]));
      await putConnection(tn.buckets.connections, c);
    }
    const holders = () => connectionHolders(tn.buckets.registry, "github");

    let spread: Record<string, string[]> = {};
    await t.step("the connections are spread 3/3/3, give or take one", async () => {
      // Connections arrive one by one, so the first replica may take some before the split settles.
      spread = await waitForSpread(holders, { connections: 9, replicas: 3, min: 2, max: 4 }, 20_000);
      const sizes = Object.values(spread).map((x) => x.length);
      // deno-lint-ignore no-console
      console.log(`spread: ${JSON.stringify(spread)}`);
      assert.equal(sizes.length, 3);
      assert.ok(sizes.every((n) => n >= 2 && n <= 4), `sizes ${sizes}`);
    });

    await t.step("each connection is polled once per interval, not three times", async () => {
      const from = Date.now();
      await new Promise((r) => setTimeout(r, 3 * INTERVAL_S * 1000));
      for (const repo of repos) {
        const n = pullsOf(repo, from).length;
        assert.ok(n >= 2 && n <= 4, `${repo} polled ${n} times in three intervals`);
      }
    });

    await t.step(
      "kill -9 of a replica: its connections are polled again within two TTLs, nothing lost or doubled",
      async () => {
        const [victim, owned] = Object.entries(spread).find(([, c]) => c.length > 0)!;
        const killedAt = Date.now();
        replicas[victim]!.proc.kill("SIGKILL");
        await replicas[victim]!.proc.status;
        delete replicas[victim];
        // Changes upstream right after the kill must still arrive, once.
        for (const c of owned) {
          await fake.addPull(repos[Number(c.slice(1))]!, { number: 2, at: Date.now() - 1000 });
        }
        const takeover = await waitFor(
          () => {
            const times = owned.map((c) => pullsOf(repos[Number(c.slice(1))]!, killedAt + 1)[0]?.at);
            return times.every((x) => x !== undefined) ? Math.max(...(times as number[])) - killedAt : null;
          },
          4 * TTL,
          "takeover",
        );
        // deno-lint-ignore no-console
        console.log(
          `takeover of ${owned.length} connections after kill -9: ${takeover} ms (TTL ${TTL} ms)`,
        );
        assert.ok(takeover <= 2 * TTL, `took ${takeover} ms`);
        const expected = 9 + owned.length;
        await waitFor(
          async () => Number((await sql`SELECT count(*)::int AS n FROM change_events`)[0]!.n) === expected,
          20_000,
          "all PRs stored",
        );
        await new Promise((r) => setTimeout(r, 2 * INTERVAL_S * 1000));
        const [row] = await sql`SELECT count(*)::int AS n, count(DISTINCT id)::int AS ids FROM change_events`;
        assert.deepEqual(row, { n: expected, ids: expected });
        const after = await holders();
        assert.equal(Object.values(after).flat().length, 9, "all nine held by the two survivors");
      },
    );
  } finally {
    for (const r of Object.values(replicas)) await r.stop();
    await store.stop();
    await sql.end();
    await tn.cleanup();
    await db.drop();
    await fake.stop();
  }
});
