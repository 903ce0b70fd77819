import assert from "node:assert/strict";
import type { Connection } from "../connection.ts";
import { createWorkerPool } from "./pool.ts";
import type { Worker } from "./worker.ts";

const connection = (id: string, name = id): Connection => ({
  id,
  connector: "fake",
  name,
  enabled: true,
  pollInterval: 60,
  tags: [],
  config: {},
  secrets: {},
  createdAt: "2026-11-01T00:00:00Z",
  updatedAt: "2026-11-01T00:00:00Z",
});

Deno.test("worker pool: a connection stays counted while its worker restarts or stops", async () => {
  /** Ids the pool knew when each worker started, and while each stop was under way. */
  const seenAtStart: string[][] = [];
  const seenAtStop: string[][] = [];
  const pool = createWorkerPool((c): Worker => {
    seenAtStart.push(pool.ids());
    return {
      connection: c,
      holding: false,
      wake: () => false,
      stop: () => {
        seenAtStop.push(pool.ids());
        return new Promise((r) => setTimeout(r, 10));
      },
    };
  });
  await pool.apply(connection("a"), "a");
  await pool.apply(connection("b"), "b");
  assert.deepEqual(pool.ids(), ["a", "b"]);
  // New settings restart the worker; the other connections' split must not see "a" vanish meanwhile.
  await pool.apply(connection("a", "renamed"), "a");
  assert.deepEqual(seenAtStop, [["a", "b"]]);
  assert.deepEqual(seenAtStart.at(-1), ["a", "b"]);
  assert.equal(pool.get("a")?.connection.name, "renamed");
  // The same settings again keep the running worker.
  await pool.apply(connection("a", "renamed"), "a");
  assert.equal(seenAtStop.length, 1);
  await pool.apply(null, "a");
  assert.deepEqual(pool.ids(), ["b"]);
  await pool.apply({ ...connection("b"), enabled: false }, "b");
  assert.deepEqual(pool.ids(), []);
});
