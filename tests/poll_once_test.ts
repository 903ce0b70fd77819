/**
 * One poll per connection per interval, across replicas: three GitHub replicas (real processes) and six
 * connections against the fake GitHub, which logs every request with its time. Two replicas take the connections
 * as they arrive, a third joins (rebalance), one is killed with kill -9 (takeover) and one leaves with SIGTERM.
 * Over the whole run no connection may be polled twice within half its interval, and none may starve.
 */
import assert from "node:assert/strict";
import { decoder, instanceKey, instanceSchema } from "@painchain/shared/internal";
import { FakeGithub } from "@painchain/testing/fake_github";
import { type Service, startService } from "./bench/util.ts";
import { createTestNats, NATS_URL, serviceTest, waitFor } from "@painchain/testing";
import { githubPullsOnly, namedConnection, putConnection } from "@painchain/testing/poll";

const INTERVAL_S = 6;
const INTERVAL_MS = INTERVAL_S * 1000;
const HEARTBEAT_MS = 1_000;
const TTL = 3_000;
/** The longest a connection may go unpolled: the interval (with its jitter), a dead replica's detection and
 * lease expiry, and slack for a loaded machine. */
const MAX_GAP_MS = INTERVAL_MS * 1.1 + 3 * HEARTBEAT_MS + TTL + 6_000;
// Put in this order, each new id lands between known ones: the round-robin split shifts as they arrive.
const IDS = ["c3", "c1", "c5", "c0", "c4", "c2"];
const repoOf = (id: string) => `octo/${id}`;

serviceTest(
  "replicas poll each connection once per interval across a join, a kill -9 and a leave",
  async (t) => {
    const fake = await new FakeGithub().start();
    const tn = await createTestNats();
    for (const id of IDS) await fake.addPull(repoOf(id), { number: 1, at: Date.now() - 3600_000 });
    const env = (id: string) => ({
      NATS_URL,
      PAINCHAIN_PREFIX: tn.names.prefix,
      CONNECTOR_HOST: "127.0.0.1",
      INSTANCE_ID: id,
      HEARTBEAT_MS: String(HEARTBEAT_MS),
      LEASE_TTL_MS: String(TTL),
      PAINCHAIN_UPSTREAM_ALLOW: "127.0.0.1",
    });
    const start = (id: string) => startService("connectors/github/main.ts", env(id), /Connector started/);
    const replicas: Record<string, Service> = {};
    /** Each poll lists the repository's pull requests exactly once: that request is the poll log. */
    const polls = (id: string, since = 0) =>
      fake.log.filter((r) => r.path === `/repos/${repoOf(id)}/pulls` && r.at >= since).map((r) => r.at);
    /** What each live replica's heartbeat says it holds (read by key: no listing of the bucket). */
    const holders = async () => {
      const out: Record<string, string[]> = {};
      for (const id of Object.keys(replicas)) {
        const e = await tn.buckets.registry.get(instanceKey("github", id));
        if (!e || e.operation !== "PUT") continue;
        const i = instanceSchema.parse(JSON.parse(decoder.decode(e.value)));
        if (Date.now() - Date.parse(i.heartbeatAt) > 3 * i.heartbeatIntervalMs) continue;
        out[id] = Object.values(i.connections)
          .filter((s) => s.state !== "standby" && s.state !== "starting")
          .map((s) => s.connectionId).sort();
      }
      return out;
    };
    /** Waits until the live replicas hold every connection once, evenly, and each was polled since `since`. */
    const settled = async (label: string, since: number) => {
      const t0 = Date.now();
      const n = Object.keys(replicas).length;
      return await waitFor(
        async () => {
          const h = await holders();
          const all = Object.values(h).flat();
          const even = Object.keys(h).length === n &&
            Object.values(h).every((x) => Math.abs(x.length - IDS.length / n) < 1);
          const polled = IDS.every((id) => polls(id, since).length > 0);
          return all.length === IDS.length && new Set(all).size === IDS.length && even && polled ? h : null;
        },
        45_000,
        label,
      ).catch(async (err) => {
        throw new Error(`${err.message}: ${JSON.stringify(await holders())}`);
      }).finally(() => log(`${label}: ${Date.now() - t0} ms`));
    };
    const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
    try {
      Object.assign(
        replicas,
        Object.fromEntries(
          await Promise.all(["replica-a", "replica-b"].map(async (id) => [id, await start(id)])),
        ),
      );
      await waitFor(async () => Object.keys(await holders()).length === 2, 15_000, "2 replicas");

      await t.step("new connections: split 3/3, each polled once", async () => {
        const created = Date.now();
        for (const id of IDS) {
          const c = namedConnection("github", id, INTERVAL_S, githubPullsOnly(fake.url, [repoOf(id)]));
          await putConnection(tn.buckets.connections, c);
        }
        log(`2 replicas: ${JSON.stringify(await settled("6 connections held 3/3 and polled", created))}`);
        await pause(INTERVAL_MS);
      });

      await t.step("a third replica joins: split 2/2/2", async () => {
        const joined = Date.now();
        replicas["replica-c"] = await start("replica-c");
        log(`replica-c started in ${Date.now() - joined} ms`);
        log(`3 replicas: ${JSON.stringify(await settled("6 connections held 2/2/2", joined))}`);
        await pause(INTERVAL_MS);
      });

      await t.step("kill -9 of a replica: the survivors take over, split 3/3", async () => {
        const killed = Date.now();
        replicas["replica-a"]!.proc.kill("SIGKILL");
        await replicas["replica-a"]!.proc.status;
        delete replicas["replica-a"];
        log(`after kill -9: ${JSON.stringify(await settled("6 connections held 3/3 by two", killed))}`);
        await pause(INTERVAL_MS);
      });

      await t.step("a replica leaves (SIGTERM): the last one holds all six", async () => {
        const left = Date.now();
        await replicas["replica-b"]!.stop();
        delete replicas["replica-b"];
        log(`after leave: ${JSON.stringify(await settled("6 connections held by one", left))}`);
      });

      await t.step("no connection polled twice within half its interval, none starved", () => {
        const end = Date.now();
        const gaps = Object.fromEntries(IDS.map((id) => {
          const times = polls(id);
          return [id, times.slice(1).map((at, i) => at - times[i]!)];
        }));
        const all = Object.values(gaps).flat();
        log(
          `poll gaps over the run (interval ${INTERVAL_MS} ms): min ${Math.min(...all)} ms, ` +
            `max ${Math.max(...all)} ms; polls ${IDS.map((id) => `${id}=${polls(id).length}`).join(" ")}`,
        );
        const twice = Object.entries(gaps).filter(([, g]) => g.some((x) => x < INTERVAL_MS / 2));
        assert.deepEqual(twice, [], "connections polled twice within half the interval (gaps in ms)");
        const starved = Object.entries(gaps).filter(([id, g]) =>
          g.length < 4 || Math.max(...g, end - polls(id).at(-1)!) > MAX_GAP_MS
        );
        assert.deepEqual(starved, [], `connections unpolled for more than ${MAX_GAP_MS} ms (gaps in ms)`);
      });
    } finally {
      for (const r of Object.values(replicas)) await r.stop();
      await tn.cleanup();
      await fake.stop();
    }
  },
);

function log(msg: string) {
  // deno-lint-ignore no-console
  console.log(msg);
}
