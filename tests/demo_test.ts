/**
 * `deno task demo` as a newcomer runs it: it populates a live timeline from fake upstreams, prints its real token
 * once, and never touches another installation's data, whatever PAINCHAIN_PREFIX says.
 */
import assert from "node:assert/strict";
import {
  connectionKey,
  decoder,
  destroyAll,
  encoder,
  names,
  openBuckets,
  openNats,
} from "@painchain/shared/internal";
import {
  createTestDb,
  freePort,
  NATS_URL,
  randomSuffix,
  serviceTest,
  spawnProc,
  waitFor,
} from "@painchain/testing";

serviceTest("deno task demo shows a live timeline and leaves PAINCHAIN_PREFIX's data alone", async () => {
  // Someone's real installation, on the prefix their environment names.
  const victim = names(`x_${randomSuffix()}`);
  const nats = await openNats(NATS_URL, "demo-test");
  const buckets = await openBuckets(nats, victim);
  await buckets.connections.put(
    connectionKey("github", "prod"),
    encoder.encode(JSON.stringify({ id: "prod" })),
  );
  const db = await createTestDb();
  const port = freePort();
  const demoPrefix = `demo_${randomSuffix()}`;
  const demo = spawnProc(["task", "demo"], {
    ...Deno.env.toObject(),
    NATS_URL,
    PORT: String(port),
    PAINCHAIN_PREFIX: victim.prefix,
    DEMO_PREFIX: demoPrefix,
    DEMO_DATABASE_URL: db.url,
  });
  try {
    const token = await waitFor(
      () =>
        /The demo is live: open http:\/\/localhost:\d+ and sign in with ([0-9a-f]{32})/.exec(demo.output())
          ?.[1],
      120_000,
      "the demo's banner",
    ).catch((err) => {
      throw new Error(`${err.message}\n${demo.output().slice(-3000)}`);
    });
    const out = demo.output();
    assert.equal(out.split(token).length - 1, 1, "the token is printed once");
    assert.doesNotMatch(out, /Sign in with the token in PAINCHAIN_ADMIN_TOKEN/);
    assert.doesNotMatch(out, /Download https:\/\/registry/, "no npm download noise");
    // A populated timeline within seconds, from every kind of upstream.
    const connectors = await waitFor(
      async () => {
        const res = await fetch(`http://127.0.0.1:${port}/api/events?limit=500`, {
          headers: { authorization: `Bearer ${token}` },
        });
        const list = (await res.json()).events as { connector: string }[];
        const seen = new Set(list.map((e) => e.connector));
        return ["github", "gitlab", "kubernetes", "custom", "painchain"].every((c) => seen.has(c))
          ? seen
          : null;
      },
      60_000,
      "changes from every demo source",
    );
    assert.ok(connectors.size >= 5);
    const kept = await buckets.connections.get(connectionKey("github", "prod"));
    assert.equal(kept?.operation, "PUT");
    assert.equal(
      JSON.parse(decoder.decode(kept!.value)).id,
      "prod",
      "the other installation's data is intact",
    );
  } finally {
    await demo.stop();
    await destroyAll(nats.jsm, victim);
    await destroyAll(nats.jsm, names(demoPrefix));
    await nats.nc.close();
    await db.drop();
    await Deno.remove(new URL(`../.data/${demoPrefix}`, import.meta.url), { recursive: true }).catch(
      () => {},
    );
  }
});
