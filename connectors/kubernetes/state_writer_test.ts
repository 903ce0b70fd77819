import assert from "node:assert/strict";
import { memoryStateStore, type StateStore } from "@painchain/shared";
import { fingerprints, stateWriter } from "./state_writer.ts";

/** A memory store that records each batch written. */
function recording() {
  const inner = memoryStateStore();
  const batches: [string, unknown | null][][] = [];
  const store: StateStore = {
    ...inner,
    putMany: (entries) => {
      batches.push(structuredClone(entries));
      return inner.putMany(entries);
    },
  };
  return { store, batches, inner };
}

// A long window: only explicit flushes write (no timing in these tests).
const opts = { windowMs: 3_600_000 };

Deno.test("writes of one key within a window are coalesced: the latest wins", async () => {
  const { store, batches, inner } = recording();
  const w = stateWriter(store, new Map(), opts);
  for (let i = 1; i <= 5; i++) await w.stage([["obj.pods.a.p1", { rv: String(i), restarts: i }]]);
  await w.stage([["obj.pods.a.p2", { rv: "9", restarts: 0 }]]);
  assert.equal(batches.length, 0, "nothing before the flush");
  await w.flush();
  assert.deepEqual(batches, [[["obj.pods.a.p1", { rv: "5", restarts: 5 }], ["obj.pods.a.p2", {
    rv: "9",
    restarts: 0,
  }]]]);
  assert.deepEqual(await inner.get("obj.pods.a.p1"), { rv: "5", restarts: 5 });
  assert.equal(w.written, 2);
  await w.close();
});

Deno.test("a write that changes only the resourceVersion is not sent; any other change is", async () => {
  const { store, batches } = recording();
  const held = fingerprints(new Map([["obj.pods.a.p1", { rv: "1", owner: "web", restarts: 0 }]]));
  const w = stateWriter(store, held, opts);
  await w.stage([["obj.pods.a.p1", { rv: "2", owner: "web", restarts: 0 }]]);
  await w.flush();
  assert.equal(batches.length, 0);
  assert.equal(w.skipped, 1);
  await w.stage([["obj.pods.a.p1", { rv: "3", owner: "web", restarts: 1 }]]);
  await w.flush();
  assert.deepEqual(batches, [[["obj.pods.a.p1", { rv: "3", owner: "web", restarts: 1 }]]]);
  await w.close();
});

Deno.test("deleting a key KV never held is no write; written then deleted in one window is none either", async () => {
  const { store, batches, inner } = recording();
  const w = stateWriter(store, new Map(), opts);
  await w.stage([["obj.events.a.e1", null]]);
  await w.stage([["obj.events.a.e2", { rv: "1" }], ["obj.events.a.e2", null]]);
  await w.flush();
  assert.equal(batches.length, 0);
  await w.stage([["obj.events.a.e3", { rv: "1" }]]);
  await w.flush();
  await w.stage([["obj.events.a.e3", null]]);
  await w.flush();
  assert.deepEqual(batches, [[["obj.events.a.e3", { rv: "1" }]], [["obj.events.a.e3", null]]]);
  assert.equal(await inner.get("obj.events.a.e3"), null);
  await w.close();
});

Deno.test("too much pending flushes before stage returns; a failed write fails every later call", async () => {
  const { store, batches } = recording();
  const w = stateWriter(store, new Map(), { ...opts, maxPending: 3 });
  await w.stage([["k.1", 1], ["k.2", 2]]);
  assert.equal(batches.length, 0);
  await w.stage([["k.3", 3]]);
  assert.equal(batches.length, 1, "flushed at three pending");
  await w.close();

  const failing: StateStore = { ...memoryStateStore(), putMany: () => Promise.reject(new Error("KV away")) };
  const f = stateWriter(failing, new Map(), opts);
  await f.stage([["k.1", 1]]);
  await assert.rejects(f.flush(), /KV away/);
  await assert.rejects(f.stage([["k.2", 2]]), /KV away/);
  await assert.rejects(f.flush(), /KV away/);
  await f.close();
});
