import assert from "node:assert/strict";
import { natsTest } from "@painchain/testing";
import { encoder, kvKeys } from "./nats.ts";

natsTest("kvKeys() lists a bucket's keys by filter, and answers while keys are rewritten", async (tn) => {
  const kv = tn.buckets.registry;
  for (const k of ["github.meta", "github.i1", "gitlab.meta", "gitlab.i2"]) {
    await kv.put(k, encoder.encode("{}"));
  }
  assert.deepEqual(await kvKeys(kv), ["github.i1", "github.meta", "gitlab.i2", "gitlab.meta"]);
  assert.deepEqual(await kvKeys(kv, "github.*"), ["github.i1", "github.meta"]);
  assert.deepEqual(await kvKeys(kv, "*.meta"), ["github.meta", "gitlab.meta"]);
  assert.deepEqual(await kvKeys(kv, "nothing.*"), []);
  // Heartbeats rewrite keys all the time (history 1): every listing still ends.
  let writing = true;
  const writer = (async () => {
    for (let i = 0; writing; i++) await kv.put(`github.i${i % 3}`, encoder.encode(String(i)));
  })();
  for (let i = 0; i < 30; i++) {
    const keys = await kvKeys(kv);
    assert.ok(keys.includes("github.meta") && keys.includes("gitlab.meta"));
  }
  writing = false;
  await writer;
});
