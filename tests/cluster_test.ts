/**
 * PainChain on a three-node NATS JetStream cluster (real `nats-server` processes on loopback), every stream and
 * bucket with three replicas (PAINCHAIN_STREAM_REPLICAS=3), two store processes sharing the durable consumer:
 *
 * 1. An outside publisher sends 20,000 distinct events while the events stream's leader node is killed with
 *    SIGKILL. Publishes that fail during the election are retried with the same Nats-Msg-Id; Postgres ends with
 *    exactly 20,000 rows, none rewritten (version 1), and the stream holds 20,000 messages (no doubles).
 * 2. With the killed node back, two GitHub connector replicas share four connections through leases; then the
 *    node leading the leases bucket is killed: each connection goes on being polled once per interval, new
 *    changes still arrive once, and a connector replica killed while the node is down is taken over.
 *
 * Figures (election time, publish stall, takeover) are printed for docs/cluster.md.
 */
import assert from "node:assert/strict";
import postgres from "postgres";
import { connect, type JetStreamClient, type JetStreamManager, type NatsConnection } from "nats";
import {
  type Buckets,
  cloudEventSchema,
  connectionKey,
  encoder,
  messageId,
  names,
  type Nats,
  openBuckets,
  openNats,
  readRegistry,
} from "@painchain/shared/internal";
import { FakeGithub } from "@painchain/testing/fake_github";
import { type Service, startService } from "./bench/util.ts";
import {
  connectionHolders,
  createTestDb,
  randomSuffix,
  sampleEvent,
  skipWithout,
  waitFor,
  waitForSpread,
} from "@painchain/testing";
import { type NatsCluster, startNatsCluster } from "@painchain/testing/nats_cluster";

const TOTAL = 20_000;
/** Publishes in flight at once. */
const WINDOW = 200;
/** The leader is killed once this many publishes were acknowledged. */
const KILL_AFTER = 6_000;
const TTL = 6_000;
const HEARTBEAT_MS = 1_000;
const INTERVAL_S = 5;

// deno-lint-ignore no-console
const report = (msg: string) => console.log(`[cluster] ${msg}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Tries `fn` until it succeeds or `deadlineMs` passes; counts the failures. */
async function retrying<T>(
  fn: () => Promise<T>,
  deadlineMs: number,
  onFail: (err: unknown) => void,
): Promise<T> {
  const end = Date.now() + deadlineMs;
  for (let attempt = 0;; attempt++) {
    try {
      return await fn();
    } catch (err) {
      onFail(err);
      if (Date.now() > end) throw err;
      await sleep(Math.min(1_000, 100 * (attempt + 1)));
    }
  }
}

Deno.test({
  name: "a three-node JetStream cluster: a leader killed mid-ingest loses and doubles nothing; leases hold",
  ignore: skipWithout("nats-server"),
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async (t) => {
    const cluster: NatsCluster = await startNatsCluster(3);
    const db = await createTestDb();
    const n = names(`t_${randomSuffix()}`);
    const sql = postgres(db.url, { max: 2, onnotice: () => {} });
    const services: Record<string, Service> = {};
    let nats: Nats | null = null;
    let fastJsm: JetStreamManager | null = null;
    let pub: NatsConnection | null = null;
    let fake: FakeGithub | null = null;
    const base = { NATS_URL: cluster.url, PAINCHAIN_PREFIX: n.prefix, PAINCHAIN_STREAM_REPLICAS: "3" };
    const clusterState = () =>
      cluster.nodes.map((x) => `--- ${x.name} (${x.proc ? "up" : "down"})\n${cluster.tail(x.name, 8)}`).join(
        "\n",
      );
    try {
      await t.step("the cluster elects a meta leader", async () => {
        const t0 = Date.now();
        const leader = await cluster.waitForMetaLeader(60_000);
        report(`meta leader ${leader} after ${Date.now() - t0} ms`);
      });

      await t.step("two stores start on it and make every stream and bucket R3", async () => {
        for (const id of ["store-a", "store-b"]) {
          services[id] = await startService(
            "store/main.ts",
            { ...base, DATABASE_URL: db.url, STORE_ACK_WAIT_MS: "5000", STORE_RETRY_DELAY_MS: "500" },
            /Store consuming/,
            120_000,
          );
        }
        nats = await openNats(cluster.url, "painchain-cluster-test");
        // Leader look-ups during an election answer late or not at all: a short timeout times the election finely.
        fastJsm = await nats.nc.jetstreamManager({ timeout: 500 });
        const info = await nats.jsm.streams.info(n.eventsStream);
        assert.equal(info.config.num_replicas, 3, "events stream replicas");
        assert.equal(info.cluster?.replicas?.length, 2, "the leader has two followers");
        const kv = await nats.jsm.streams.info(`KV_${n.leasesBucket}`);
        assert.equal(kv.config.num_replicas, 3, "leases bucket replicas");
        const consumer = await nats.jsm.consumers.info(n.eventsStream, n.storeConsumer);
        assert.equal(consumer.cluster?.replicas?.length, 2, "the store's consumer is replicated too");
      });

      let killed = "";
      await t.step(`${TOTAL} events published while the stream leader is killed: ${TOTAL} rows`, async () => {
        // An outside publisher: a plain nats.js client on all three nodes, as any producer would be.
        pub = await connect({
          servers: cluster.url.split(","),
          name: "outside-publisher",
          maxReconnectAttempts: -1,
          reconnectTimeWait: 250,
        });
        const js: JetStreamClient = pub.jetstream({ timeout: 5_000 });
        const events = Array.from({ length: TOTAL }, (_, i) => sampleEvent(i));
        const bodies = events.map((e) => ({
          subject: n.eventSubject(e.data.connector, e.data.eventType),
          data: encoder.encode(JSON.stringify(e)),
          msgID: messageId(cloudEventSchema.parse(e)),
        }));
        const leader0 = (await nats!.jsm.streams.info(n.eventsStream)).cluster?.leader;
        assert.ok(leader0, "the events stream has a leader");
        let acked = 0;
        let failures = 0;
        let duplicates = 0;
        let lastAck = Date.now();
        let maxStall = 0;
        const errors = new Map<string, number>();
        let next = 0;
        let killAt = 0;
        let electedAt = 0;
        const killing = (async () => {
          await waitFor(() => acked >= KILL_AFTER, 300_000, `${KILL_AFTER} acknowledged publishes`);
          // The worst case: the store consumer's leader dies with the stream's (pull requests in flight are lost
          // with it). Step the consumer's leadership over until it sits on the stream leader's node.
          const consumerLeaderOf = async () =>
            (await nats!.jsm.consumers.info(n.eventsStream, n.storeConsumer).catch(() => null))?.cluster
              ?.leader;
          let consumerLeader = await consumerLeaderOf();
          for (let i = 0; i < 12 && consumerLeader !== leader0; i++) {
            await nats!.nc.request(
              `$JS.API.CONSUMER.LEADER.STEPDOWN.${n.eventsStream}.${n.storeConsumer}`,
              undefined,
              {
                timeout: 5_000,
              },
            ).catch(() => {});
            await new Promise((r) => setTimeout(r, 500));
            consumerLeader = await consumerLeaderOf();
          }
          killed = leader0;
          killAt = Date.now();
          await cluster.kill(killed);
          report(
            `killed stream leader ${killed} (SIGKILL) after ${acked} acks; the store consumer's leader was ${
              consumerLeader ?? "unknown"
            }`,
          );
          const newLeader = await waitFor(
            async () => {
              const info = await fastJsm!.streams.info(n.eventsStream).catch(() => null);
              const l = info?.cluster?.leader;
              return l && l !== killed ? l : null;
            },
            60_000,
            "a new events stream leader",
          ).catch((err) => {
            throw new Error(`${err.message}\n${clusterState()}`);
          });
          electedAt = Date.now();
          report(`new stream leader ${newLeader} after ${electedAt - killAt} ms`);
        })();
        const worker = async () => {
          while (next < bodies.length) {
            const b = bodies[next++]!;
            const ack = await retrying(
              () => js.publish(b.subject, b.data, { msgID: b.msgID, timeout: 5_000 }),
              120_000,
              (err) => {
                failures++;
                const k = String((err as Error)?.message ?? err).slice(0, 60);
                errors.set(k, (errors.get(k) ?? 0) + 1);
              },
            );
            if (ack.duplicate) duplicates++;
            acked++;
            const now = Date.now();
            maxStall = Math.max(maxStall, now - lastAck);
            lastAck = now;
          }
        };
        const t0 = Date.now();
        await Promise.all([...Array.from({ length: WINDOW }, worker), killing]);
        const publishMs = Date.now() - t0;
        report(
          `published ${acked} in ${publishMs} ms (${Math.round(acked / (publishMs / 1000))}/s); ` +
            `${failures} failed attempts retried (${JSON.stringify(Object.fromEntries(errors))}), ` +
            `${duplicates} acks were duplicates, longest gap between acks ${maxStall} ms`,
        );
        assert.equal(acked, TOTAL);
        assert.ok(killAt > 0 && electedAt > 0, "the leader was killed during the run and a new one elected");

        const count = async () =>
          Number((await sql`SELECT count(*)::int AS n FROM change_events`.catch(() => [{ n: -1 }]))[0]!.n);
        const stored = await waitFor(async () => (await count()) >= TOTAL, 300_000, `${TOTAL} rows`).catch(
          async (err) => {
            throw new Error(
              `${err.message}: ${await count()} rows\nstore-a:\n${
                services["store-a"]!.output().slice(-1500)
              }\nstore-b:\n${services["store-b"]!.output().slice(-1500)}\n${clusterState()}`,
            );
          },
        );
        report(`all ${TOTAL} rows in Postgres ${Date.now() - t0} ms after the first publish (${stored})`);
        // Let any redelivery (acks lost with the old consumer leader) come through before judging.
        const consumerDone = await waitFor(
          async () => {
            const ci = await nats!.jsm.consumers.info(n.eventsStream, n.storeConsumer).catch(() => null);
            return ci && ci.num_pending === 0 && ci.num_ack_pending === 0 ? ci : null;
          },
          120_000,
          "the store's consumer to have nothing pending",
        );
        report(
          `consumer done: delivered ${consumerDone.delivered.stream_seq}, redelivered ${consumerDone.num_redelivered}`,
        );
        const [row] = await sql`
          SELECT count(*)::int AS n, count(DISTINCT id)::int AS ids,
                 count(*) FILTER (WHERE version <> 1)::int AS rewritten,
                 count(*) FILTER (WHERE updated_at <> stored_at)::int AS touched
          FROM change_events`;
        assert.deepEqual(row, { n: TOTAL, ids: TOTAL, rewritten: 0, touched: 0 });
        const ids = await sql`SELECT id FROM change_events ORDER BY id`;
        assert.deepEqual(
          new Set(ids.map((r) => r.id)),
          new Set(events.map((e) => e.id)),
          "exactly the published ids",
        );
        const si = await nats!.jsm.streams.info(n.eventsStream);
        assert.equal(si.state.messages, TOTAL, "the stream holds each event once (the msgID dedupe held)");
        for (const id of ["store-a", "store-b"]) {
          assert.equal(
            services[id]!.proc.pid > 0 && (await isRunning(services[id]!)),
            true,
            `${id} survived`,
          );
        }
      });

      await t.step("the killed node rejoins and catches up", async () => {
        const t0 = Date.now();
        await cluster.start(killed);
        await cluster.waitForMetaLeader(60_000);
        await waitFor(
          async () => {
            const info = await nats!.jsm.streams.info(n.eventsStream).catch(() => null);
            const peers = [...(info?.cluster?.replicas ?? [])];
            const back = peers.find((p) => p.name === killed);
            return back?.current === true;
          },
          120_000,
          `${killed} current again on the events stream`,
        );
        report(`${killed} restarted and current on the events stream after ${Date.now() - t0} ms`);
      });

      await t.step("leases on the cluster: two GitHub replicas, four connections, a node down", async (t) => {
        fake = await new FakeGithub().start();
        const buckets: Buckets = await openBuckets(nats!, n, { replicas: 3 });
        const repos = Array.from({ length: 4 }, (_, i) => `octo/c${i}`);
        for (const [i, r] of repos.entries()) {
          await fake.addPull(r, { number: 1, at: Date.now() - 3600_000 - i * 1000 });
        }
        const env = (id: string) => ({
          ...base,
          CONNECTOR_HOST: "127.0.0.1",
          INSTANCE_ID: id,
          HEARTBEAT_MS: String(HEARTBEAT_MS),
          LEASE_TTL_MS: String(TTL),
          PAINCHAIN_UPSTREAM_ALLOW: "127.0.0.1",
        });
        for (const id of ["replica-a", "replica-b"]) {
          services[id] = await startService(
            "connectors/github/main.ts",
            env(id),
            /Connector started/,
            120_000,
          );
        }
        await waitFor(
          async () =>
            (await readRegistry(buckets.registry)).find((r) => r.metadata.id === "github")?.instances
              .length ===
              2,
          30_000,
          "2 replicas registered",
        );
        const stamp = new Date().toISOString();
        for (const [i, repo] of repos.entries()) {
          await buckets.connections.put(
            connectionKey("github", `c${i}`),
            encoder.encode(JSON.stringify({
              id: `c${i}`,
              connector: "github",
              name: `c${i}`,
              enabled: true,
              pollInterval: INTERVAL_S,
              tags: [],
              config: {
                repositories: [repo],
                baseUrl: fake.url,
                commits: false,
                releases: false,
                tagsTracked: false,
                workflowRuns: false,
                deployments: false,
              },
              secrets: {},
              createdAt: stamp,
              updatedAt: stamp,
            })),
          );
        }
        const holders = () => connectionHolders(buckets.registry, "github");
        const pullsOf = (repo: string, from: number, to = Infinity) =>
          fake!.log.filter((r) => r.path === `/repos/${repo}/pulls` && r.at >= from && r.at < to);
        const connectorRows = async () =>
          Number(
            (await sql`SELECT count(*)::int AS n FROM change_events WHERE connection_id <> 'test'`)[0]!.n,
          );

        let spread: Record<string, string[]> = {};
        await t.step("each connection is held by exactly one replica, both replicas hold some", async () => {
          spread = await waitForSpread(holders, { connections: 4, replicas: 2, min: 1 }, 60_000);
          report(`lease spread: ${JSON.stringify(spread)}`);
          await waitFor(async () => (await connectorRows()) === 4, 60_000, "the first four PRs stored");
        });

        await t.step("each connection is polled once per interval", async () => {
          const from = Date.now();
          await sleep(3 * INTERVAL_S * 1000);
          for (const repo of repos) {
            const polls = pullsOf(repo, from).length;
            assert.ok(polls >= 2 && polls <= 4, `${repo} polled ${polls} times in three intervals`);
          }
        });

        let down = "";
        await t.step("the node leading the leases bucket is killed: polling goes on, once each", async () => {
          const leasesLeader = (await nats!.jsm.streams.info(`KV_${n.leasesBucket}`)).cluster?.leader;
          assert.ok(leasesLeader, "the leases bucket has a leader");
          down = leasesLeader;
          const killedAt = Date.now();
          await cluster.kill(down);
          report(`killed ${down}, leader of the leases bucket`);
          const leaseLeader = await waitFor(
            async () => {
              const l = (await fastJsm!.streams.info(`KV_${n.leasesBucket}`).catch(() => null))?.cluster
                ?.leader;
              return l && l !== down ? l : null;
            },
            60_000,
            "a new leases leader",
          );
          report(`leases bucket leader ${leaseLeader} after ${Date.now() - killedAt} ms`);
          for (const repo of repos) await fake!.addPull(repo, { number: 2, at: Date.now() - 1000 });
          await waitFor(
            async () => (await connectorRows()) === 8,
            60_000,
            "the new PRs stored with a node down",
          )
            .catch(async (err) => {
              throw new Error(`${err.message}: ${await connectorRows()} rows\n${clusterState()}`);
            });
          report(`4 PRs added after the kill stored ${Date.now() - killedAt} ms after it`);
          const from = Date.now();
          await sleep(3 * INTERVAL_S * 1000);
          for (const repo of repos) {
            const polls = pullsOf(repo, from).length;
            assert.ok(
              polls >= 2 && polls <= 4,
              `${repo} polled ${polls} times in three intervals (node down)`,
            );
          }
          const h = await holders();
          const all = Object.values(h).flat();
          assert.deepEqual(
            all.sort(),
            ["c0", "c1", "c2", "c3"],
            `each still held once: ${JSON.stringify(h)}`,
          );
          assert.equal(await connectorRows(), 8, "nothing doubled");
        });

        await t.step("with the node still down, a killed replica's connections are taken over", async () => {
          const [victim, owned] = Object.entries(await holders()).find(([, c]) => c.length > 0)!;
          const survivor = victim === "replica-a" ? "replica-b" : "replica-a";
          const killedAt = Date.now();
          services[victim]!.proc.kill("SIGKILL");
          await services[victim]!.proc.status;
          delete services[victim];
          for (const c of owned) await fake!.addPull(`octo/${c}`, { number: 3, at: Date.now() - 1000 });
          const takeover = await waitFor(
            () => {
              const times = owned.map((c) => pullsOf(`octo/${c}`, killedAt + 1)[0]?.at);
              return times.every((x) => x !== undefined) ? Math.max(...(times as number[])) - killedAt : null;
            },
            60_000,
            "takeover",
          );
          report(
            `kill -9 of ${victim} with ${down} down: ${owned.length} connections polled again after ${takeover} ms ` +
              `(TTL ${TTL} ms, interval ${INTERVAL_S} s)`,
          );
          assert.ok(takeover <= INTERVAL_S * 1000 + 2 * TTL + 5_000, `takeover took ${takeover} ms`);
          const expected = 8 + owned.length;
          await waitFor(
            async () => (await connectorRows()) === expected,
            60_000,
            "the takeover's PRs stored",
          );
          await waitFor(
            async () => (await holders())[survivor]?.length === 4,
            30_000,
            `${survivor} holds all four`,
          );
          await sleep(2 * INTERVAL_S * 1000);
          const [row] = await sql`
            SELECT count(*)::int AS n, count(DISTINCT id)::int AS ids FROM change_events
            WHERE connection_id <> 'test'`;
          assert.deepEqual(row, { n: expected, ids: expected });
        });
      });
    } finally {
      for (const s of Object.values(services)) await s.stop().catch(() => {});
      await (pub as NatsConnection | null)?.close().catch(() => {});
      await (nats as Nats | null)?.nc.close().catch(() => {});
      await (fake as FakeGithub | null)?.stop().catch(() => {});
      await sql.end().catch(() => {});
      await db.drop().catch(() => {});
      await cluster.stop();
    }
  },
});

async function isRunning(s: Service): Promise<boolean> {
  const exited = await Promise.race([s.proc.status.then(() => true), sleep(10).then(() => false)]);
  return !exited;
}
