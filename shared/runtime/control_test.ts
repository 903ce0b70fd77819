import assert from "node:assert/strict";
import { natsTest } from "@painchain/testing";
import { silentLogger } from "../log.ts";
import { decoder, encoder } from "../nats.ts";
import { MAX_CONCURRENT_TESTS, serveTests } from "./control.ts";
import type { ConnectorDefinition } from "./types.ts";

natsTest("a replica runs a few connection tests at once and refuses the rest with a reason", async (tn) => {
  const ac = new AbortController();
  let release = () => {};
  const held = new Promise<void>((r) => (release = r));
  let started = 0;
  const def = {
    metadata: { id: "slow" },
    async test() {
      started++;
      await held;
      return "reached";
    },
  } as unknown as ConnectorDefinition;
  const subs = serveTests({
    nc: tn.nats.nc,
    names: tn.names,
    connector: "slow",
    def,
    open: (c) => Promise.resolve(c),
    context: () => ({}) as never,
    signal: ac.signal,
    log: silentLogger,
  });
  try {
    const connection = {
      id: "c",
      connector: "slow",
      name: "c",
      enabled: true,
      pollInterval: 60,
      tags: [],
      config: {},
      secrets: {},
      createdAt: new Date().toISOString(),
      updatedAt: new Date().toISOString(),
    };
    const ask = async () =>
      JSON.parse(decoder.decode(
        (await tn.nats.nc.request(
          tn.names.testSubject("slow"),
          encoder.encode(JSON.stringify(connection)),
          {
            timeout: 5_000,
          },
        )).data,
      ));
    const first = Array.from({ length: MAX_CONCURRENT_TESTS }, ask);
    while (started < MAX_CONCURRENT_TESTS) await new Promise((r) => setTimeout(r, 10));
    const refused = await ask();
    assert.deepEqual(refused, {
      ok: false,
      message: "Too many connection tests at once on this connector; try again in a moment",
    });
    release();
    for (const r of await Promise.all(first)) assert.deepEqual(r, { ok: true, message: "reached" });
    assert.deepEqual(await ask(), { ok: true, message: "reached" }, "a slot is free again");
  } finally {
    ac.abort();
    for (const s of subs) s.unsubscribe();
  }
});
