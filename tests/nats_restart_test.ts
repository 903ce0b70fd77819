/**
 * nats-server restarted during ingest from a GitHub connector polling the fake GitHub: every upstream change ends
 * up stored, once. Uses a private nats-server (own port and data directory), so other tests are untouched.
 */
import assert from "node:assert/strict";
import postgres from "postgres";
import { ensureStreams, names, openBuckets, openNats } from "@painchain/shared/internal";
import { FakeGithub } from "@painchain/testing/fake_github";
import { startService } from "./bench/util.ts";
import { createTestDb, freePort, serviceTest, waitFor } from "@painchain/testing";
import { githubPullsOnly, namedConnection, putConnection } from "@painchain/testing/poll";

function startNats(port: number, dir: string): Deno.ChildProcess {
  return new Deno.Command("nats-server", {
    args: ["-js", "-a", "127.0.0.1", "-p", String(port), "-sd", dir],
    stdout: "null",
    stderr: "null",
  }).spawn();
}

async function reachable(port: number) {
  try {
    (await Deno.connect({ hostname: "127.0.0.1", port })).close();
    return true;
  } catch {
    return false;
  }
}

serviceTest("nats-server restarted during ingest: every upstream change stored once", async () => {
  const port = freePort();
  const dir = await Deno.makeTempDir({ prefix: "painchain-nats-" });
  let server = startNats(port, dir);
  await waitFor(() => reachable(port), 10_000, "private nats-server");
  const natsUrl = `nats://127.0.0.1:${port}`;
  const fake = await new FakeGithub().start();
  const db = await createTestDb();
  const sql = postgres(db.url, { max: 1, onnotice: () => {} });
  const n = names("restart");
  const env = {
    NATS_URL: natsUrl,
    PAINCHAIN_PREFIX: n.prefix,
    HEARTBEAT_MS: "1000",
    LEASE_TTL_MS: "4000",
    CONNECTOR_HOST: "127.0.0.1",
    PAINCHAIN_UPSTREAM_ALLOW: "127.0.0.1",
  };
  const now = Date.now();
  for (let i = 1; i <= 120; i++) {
    await fake.addPull("octo/app", { number: i, at: now - (200 - i) * 60_000 });
  }
  const store = await startService("store/main.ts", {
    ...env,
    DATABASE_URL: db.url,
    STORE_RETRY_DELAY_MS: "300",
  }, /Store consuming/);
  const connector = await startService("connectors/github/main.ts", env, /Connector started/);
  const count = async () => Number((await sql`SELECT count(*)::int AS n FROM change_events`)[0]!.n);
  try {
    const admin = await openNats(natsUrl, "test-admin");
    await ensureStreams(admin.jsm, n);
    const buckets = await openBuckets(admin, n);
    await putConnection(
      buckets.connections,
      namedConnection("github", "app", 2, githubPullsOnly(fake.url, ["octo/app"])),
    );
    await admin.nc.close();
    await waitFor(async () => (await count()) >= 1, 30_000, "ingest started");
    // Restart the server mid-ingest; upstream keeps changing meanwhile.
    server.kill("SIGKILL");
    await server.status;
    for (let i = 121; i <= 140; i++) await fake.addPull("octo/app", { number: i, at: Date.now() - 1000 });
    await new Promise((r) => setTimeout(r, 2_000));
    server = startNats(port, dir);
    await waitFor(() => reachable(port), 10_000, "nats-server back");
    for (let i = 141; i <= 150; i++) await fake.addPull("octo/app", { number: i, at: Date.now() - 500 });
    await waitFor(async () => (await count()) >= 150, 60_000, "all 150 pull requests stored");
    await new Promise((r) => setTimeout(r, 3_000));
    const [row] =
      await sql`SELECT count(*)::int AS n, count(DISTINCT subject)::int AS prs FROM change_events`;
    assert.deepEqual(row, { n: 150, prs: 150 }, "each change once");
  } finally {
    await connector.stop();
    await store.stop();
    server.kill("SIGTERM");
    await server.status;
    await sql.end();
    await db.drop();
    await fake.stop();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
});
