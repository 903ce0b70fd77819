/** Memory of a connector idle and during a 10,000-event backfill. */
import { connectionKey, encoder } from "@painchain/shared/internal";
import { createTestNats } from "@painchain/testing";
import { log, type Results, rssMb, sampleRss, startService, waitUntil } from "./util.ts";

export async function benchFootprint(results: Results): Promise<void> {
  const tn = await createTestNats();
  try {
    const env = { PAINCHAIN_PREFIX: tn.names.prefix, CONNECTOR_HOST: "127.0.0.1" };
    const idle = await startService("connectors/github/main.ts", env, /Connector started/);
    await new Promise((r) => setTimeout(r, 5_000));
    results.connector_idle_rss_mb = {
      value: +rssMb(idle.pid).toFixed(1),
      unit: "MB",
      note: "GitHub connector, no connections",
    };
    log(`idle GitHub connector: ${results.connector_idle_rss_mb.value} MB`);
    await idle.stop();

    const bf = await startService("testing/fixtures/backfill_connector/main.ts", {
      ...env,
      BACKFILL_EVENTS: "10000",
    }, /Connector started/);
    const rss = sampleRss(bf.pid, 50);
    const before = (await tn.nats.jsm.streams.info(tn.names.eventsStream)).state.messages;
    const stamp = new Date().toISOString();
    await tn.buckets.connections.put(
      connectionKey("backfill", "bench"),
      encoder.encode(JSON.stringify({
        id: "bench",
        connector: "backfill",
        name: "bench",
        enabled: true,
        pollInterval: 3600,
        tags: ["prod"],
        config: {},
        secrets: {},
        createdAt: stamp,
        updatedAt: stamp,
      })),
    );
    const t0 = performance.now();
    await waitUntil(
      async () => (await tn.nats.jsm.streams.info(tn.names.eventsStream)).state.messages >= before + 10_000,
      120_000,
      100,
    );
    const seconds = (performance.now() - t0) / 1000;
    results.connector_backfill_rss_mb = {
      value: +rss.stop().toFixed(1),
      unit: "MB",
      note: "peak during a 10,000-event backfill",
    };
    results.connector_backfill_events_per_s = { value: Math.round(10_000 / seconds), unit: "events/s" };
    log(
      `backfill of 10,000 events: ${
        seconds.toFixed(2)
      } s, peak ${results.connector_backfill_rss_mb.value} MB`,
    );
    await bf.stop();
  } finally {
    await tn.cleanup();
  }
}
