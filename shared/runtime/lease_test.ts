import assert from "node:assert/strict";
import { natsTest } from "@painchain/testing";
import { createLeases } from "./lease.ts";

natsTest("leases: one holder, and a holder's own renewals never race each other", async (tn) => {
  const a = createLeases(tn.buckets.leases, "replica-a", 5_000);
  const b = createLeases(tn.buckets.leases, "replica-b", 5_000);
  assert.ok(await a.acquire("k"));
  // A renewal timer firing while the loop renews: both keep the lease.
  assert.deepEqual(await Promise.all([a.acquire("k"), a.acquire("k"), b.acquire("k")]), [
    true,
    true,
    false,
  ]);
  assert.equal(await b.acquire("k"), false);
  // A release waits for a renewal in flight, so the lease is really given up.
  const renewal = a.acquire("k");
  await a.release("k");
  assert.ok(await renewal);
  assert.ok(await b.acquire("k"), "replica-b takes the released lease");
});
