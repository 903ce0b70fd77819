/**
 * Store drain: N events already in JetStream (published before, no publisher running), then the store (its own
 * process) starts; timed from its start until every row is in Postgres. CPU of the store and of Postgres (every
 * postgres process) per 1,000 events. BENCH_STORE_PROFILE=<dir> writes the store's V8 CPU profile there.
 */
import postgres from "postgres";
import { createPublisher, silentLogger } from "@painchain/shared/internal";
import { createTestDb, createTestNats } from "@painchain/testing";
import { benchEvent } from "./ingest.ts";
import { cpuMeter, cpuMs, log, type Results, sampleRss, startService, waitUntil } from "./util.ts";

export function storeEnv(dbUrl: string, prefix: string): Record<string, string> {
  const env: Record<string, string> = {
    DATABASE_URL: dbUrl,
    PAINCHAIN_PREFIX: prefix,
    NATS_URL: Deno.env.get("NATS_URL") ?? "nats://127.0.0.1:4222",
  };
  for (const k of ["STORE_BATCH_MAX", "STORE_CONCURRENCY", "STORE_BATCH_WINDOW_MS"]) {
    const v = Deno.env.get(k);
    if (v) env[k] = v;
  }
  return env;
}

export async function benchDrain(results: Results, total = 200_000): Promise<void> {
  log(`drain: pre-filling the stream with ${total} events…`);
  const db = await createTestDb();
  const tn = await createTestNats();
  const sql = postgres(db.url, { max: 1, onnotice: () => {} });
  try {
    const publisher = createPublisher({ js: tn.nats.js, names: tn.names, log: silentLogger, window: 1000 });
    for (let i = 0; i < total; i += 10_000) {
      await publisher.publish(
        Array.from({ length: Math.min(10_000, total - i) }, (_, j) => benchEvent(i + j)),
      );
    }
    const info = await tn.nats.jsm.streams.info(tn.names.eventsStream);
    if (info.state.messages < total) throw new Error(`Stream holds ${info.state.messages} of ${total}`);
    const lastSeq = info.state.last_seq;

    const profile = Deno.env.get("BENCH_STORE_PROFILE");
    const meter = cpuMeter({ postgres: { comm: "postgres" }, nats: { comm: "nats-server" } });
    const t0 = performance.now();
    const store = await startService(
      "store/main.ts",
      storeEnv(db.url, tn.names.prefix),
      /Store consuming/,
      60_000,
      profile ? ["--cpu-prof", `--cpu-prof-dir=${profile}`] : [],
    );
    const storeCpu0 = cpuMs(store.pid);
    const rss = sampleRss(store.pid);
    const ready = performance.now();
    // Done when the store has acknowledged the last message (acks follow commits); then the rows are counted.
    await waitUntil(
      async () => {
        const c = await tn.nats.jsm.consumers.info(tn.names.eventsStream, tn.names.storeConsumer);
        return c.ack_floor.stream_seq >= lastSeq;
      },
      600_000,
      50,
    );
    const done = performance.now();
    const storeCpu = cpuMs(store.pid) - storeCpu0;
    const rssPeak = rss.stop();
    const used = meter.stop();
    const [{ n }] = await sql`SELECT count(*)::int AS n FROM change_events` as unknown as [{ n: number }];
    if (n !== total) throw new Error(`Drained ${n} rows of ${total}`);
    await store.stop();

    const seconds = (done - ready) / 1000;
    results.store_drain_events_per_s = {
      value: Math.round(total / seconds),
      unit: "events/s",
      note: `${total} events from a pre-filled stream, from the store's start to the last ack`,
    };
    results.store_drain_seconds = { value: +seconds.toFixed(2), unit: "s" };
    results.drain_store_rss_mb = {
      value: +rssPeak.toFixed(1),
      unit: "MB",
      note: "the store's peak RSS while draining",
    };
    results.store_drain_startup_seconds = { value: +((ready - t0) / 1000).toFixed(2), unit: "s" };
    const per1k = (ms: number) => +(ms / (total / 1000)).toFixed(1);
    results.drain_store_cpu_ms_per_1k = { value: per1k(storeCpu), unit: "CPU-ms" };
    results.drain_postgres_cpu_ms_per_1k = {
      value: per1k(used.postgres!),
      unit: "CPU-ms",
      note: "every postgres process on the machine",
    };
    results.drain_nats_cpu_ms_per_1k = { value: per1k(used.nats!), unit: "CPU-ms" };
    log(
      `drain: ${total} in ${seconds.toFixed(2)} s = ${Math.round(total / seconds)}/s; CPU-ms per 1k: store ${
        per1k(storeCpu)
      }, postgres ${per1k(used.postgres!)}, nats ${per1k(used.nats!)}; store peak RSS ${
        rssPeak.toFixed(0)
      } MB`,
    );
  } finally {
    await sql.end();
    await tn.cleanup();
    await db.drop();
  }
}

if (import.meta.main) {
  const results: Results = {};
  await benchDrain(results, Number(Deno.env.get("BENCH_EVENTS") ?? 200_000));
  // deno-lint-ignore no-console
  console.log(JSON.stringify(results, null, 2));
}
