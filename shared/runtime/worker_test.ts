/**
 * The per-connection loop against real KV buckets, one replica's worker at a time with the other replica played
 * by hand (its lease and its claims): a take-over waits for the interval since the last poll in the record, a
 * poll by another replica moves the holder's next poll on, a "sync now" is not carried into a later take-over,
 * and a sync now on the holder polls at once.
 */
import assert from "node:assert/strict";
import { natsTest, type TestNats, waitFor } from "@painchain/testing";
import { type Connection, connectionKey } from "../connection.ts";
import { silentLogger } from "../log.ts";
import { createCursors } from "./cursors.ts";
import { createLeases } from "./lease.ts";
import { memoryStateStore } from "./state_store.ts";
import { createStatusBoard } from "./status.ts";
import { startWorker, type Worker } from "./worker.ts";

const INTERVAL_MS = 2_000;
const TTL = 900;

const connection = (id: string): Connection => ({
  id,
  connector: "fake",
  name: id,
  enabled: true,
  pollInterval: INTERVAL_MS / 1000,
  tags: [],
  config: {},
  secrets: {},
  createdAt: "2026-11-01T00:00:00Z",
  updatedAt: "2026-11-01T00:00:00Z",
});

/** One replica's worker for connection `id`; `owner()` says which replica should hold it. */
function replica(tn: TestNats, instanceId: string, id: string, owner: () => string, signal: AbortSignal) {
  const polls: number[] = [];
  const worker: Worker = startWorker(connection(id), {
    poll: () => {
      polls.push(Date.now());
      return Promise.resolve({ cursor: polls.length });
    },
    connector: "fake",
    instanceId,
    leases: createLeases(tn.buckets.leases, instanceId, TTL),
    cursors: createCursors(tn.buckets.cursors, "fake", instanceId, () => new Date()),
    statuses: createStatusBoard({
      ...tn.nats,
      names: tn.names,
      connector: "fake",
      instanceId,
      log: silentLogger,
    }),
    ownerOf: owner,
    publish: (changes) => Promise.resolve(changes.length),
    open: (c) => Promise.resolve(c),
    provenance: () => ({ fromFile: false, references: [] }),
    state: () => memoryStateStore(),
    fetch,
    now: () => new Date(),
    log: silentLogger,
    beat: () => Promise.resolve(),
  }, signal);
  return { polls, worker };
}

/** The other replica, played by hand: its lease and its claims on the shared record. */
function other(tn: TestNats, id: string) {
  const leases = createLeases(tn.buckets.leases, "replica-a", TTL);
  const cursors = createCursors(tn.buckets.cursors, "fake", "replica-a", () => new Date());
  return {
    leases,
    key: connectionKey("fake", id),
    /** A poll by replica-a now; returns when it started. */
    async poll(force = false) {
      const claim = await cursors.claim(id, { intervalMs: INTERVAL_MS, nextInMs: INTERVAL_MS, force });
      assert.ok("record" in claim, "replica-a claims the poll");
      return Date.parse(claim.record.polledAt!);
    },
  };
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

natsTest("connection worker: once per interval across replicas", async (tn, t) => {
  const ac = new AbortController();
  const workers: Worker[] = [];
  try {
    await t.step("a take-over waits for the interval since the last poll by another replica", async () => {
      const a = other(tn, "takeover");
      const polledAt = await a.poll();
      const b = replica(tn, "replica-b", "takeover", () => "replica-b", ac.signal);
      workers.push(b.worker);
      await waitFor(() => b.polls.length > 0, 3 * INTERVAL_MS, "the take-over's first poll");
      const gap = b.polls[0]! - polledAt;
      assert.ok(gap >= INTERVAL_MS, `replica-b polled ${gap} ms after replica-a`);
      assert.ok(gap < INTERVAL_MS + 1_500, `replica-b waited ${gap} ms`);
    });

    await t.step("a new connection is polled at once", async () => {
      const started = Date.now();
      const b = replica(tn, "replica-b", "fresh", () => "replica-b", ac.signal);
      workers.push(b.worker);
      await waitFor(() => b.polls.length > 0, INTERVAL_MS, "the first poll");
      assert.ok(b.polls[0]! - started < INTERVAL_MS / 2);
    });

    await t.step("a poll by another replica in between moves the holder's next poll on", async () => {
      const a = other(tn, "moved");
      const b = replica(tn, "replica-b", "moved", () => "replica-b", ac.signal);
      workers.push(b.worker);
      await waitFor(() => b.polls.length > 0, INTERVAL_MS, "replica-b's first poll");
      // replica-b's lease ran out unnoticed (a stalled process) and replica-a polled meanwhile.
      await pause(INTERVAL_MS / 2);
      const byA = await a.poll(true);
      await waitFor(() => b.polls.length > 1, 3 * INTERVAL_MS, "replica-b's next poll");
      const gap = b.polls[1]! - byA;
      assert.ok(gap >= INTERVAL_MS, `replica-b polled ${gap} ms after replica-a`);
    });

    await t.step(
      "a sync now reaches only the holder, and is not carried into a later take-over",
      async () => {
        const a = other(tn, "handover");
        let owner = "replica-a";
        assert.ok(await a.leases.acquire(a.key));
        const b = replica(tn, "replica-b", "handover", () => owner, ac.signal);
        workers.push(b.worker);
        await pause(TTL / 2);
        assert.equal(b.worker.holding, false, "a standby worker does not hold the connection");
        assert.equal(b.worker.wake(), false, "a sync now is for the holder");
        const byA = await a.poll();
        await a.leases.release(a.key);
        owner = "replica-b";
        await waitFor(() => b.polls.length > 0, 3 * INTERVAL_MS, "replica-b's first poll");
        const gap = b.polls[0]! - byA;
        assert.ok(gap >= INTERVAL_MS, `replica-b polled ${gap} ms after replica-a`);
        assert.equal(b.worker.holding, true);
      },
    );

    await t.step("a sync now on the holder polls at once, and the interval runs from it", async () => {
      const b = replica(tn, "replica-b", "sync", () => "replica-b", ac.signal);
      workers.push(b.worker);
      await waitFor(() => b.polls.length > 0 && b.worker.holding, INTERVAL_MS, "the first poll");
      await pause(INTERVAL_MS / 4);
      const asked = Date.now();
      assert.equal(b.worker.wake(), true);
      await waitFor(() => b.polls.length > 1, INTERVAL_MS / 2, "the synced poll");
      assert.ok(b.polls[1]! - asked < INTERVAL_MS / 4, "polled at once");
      await waitFor(() => b.polls.length > 2, 3 * INTERVAL_MS, "the next poll");
      const gap = b.polls[2]! - b.polls[1]!;
      assert.ok(gap >= INTERVAL_MS, `the next poll came ${gap} ms after the synced one`);
    });
  } finally {
    ac.abort();
    await Promise.all(workers.map((w) => w.stop()));
  }
});
