/**
 * Ingest: 200,000 ChangeEvents published to JetStream the way connectors publish them, until the last is visible
 * in Postgres through the store (a separate process). In the same run, on the same events: the seed's approach
 * (a SELECT then an INSERT per event), the Postgres ceiling (raw batched INSERT … ON CONFLICT DO NOTHING) and the
 * NATS ceiling (raw JetStream publish and consume).
 */
import postgres from "postgres";
import { AckPolicy } from "nats";
import {
  cloudEventSchema,
  createPublisher,
  encoder,
  messageId,
  type PainchainCloudEvent,
  silentLogger,
} from "@painchain/shared/internal";
import { createSql, ensurePartitions, migrate, toRow } from "@painchain/store";
import { createTestDb, createTestNats } from "@painchain/testing";
import { cpuMeter, log, type Results, sampleRss, startService, waitUntil } from "./util.ts";

const CONNECTORS = ["github", "gitlab", "kubernetes", "painchain"];
const TYPES = ["pull_request", "workflow_run", "deployment", "commit"];

export function benchEvent(i: number, base = Date.UTC(2026, 9, 1)): PainchainCloudEvent {
  const connector = CONNECTORS[i % 4]!;
  const eventType = TYPES[(i >> 2) % 4]!;
  const time = new Date(base + i * 13_000).toISOString();
  return cloudEventSchema.parse({
    specversion: "1.0",
    id: `${connector}-${eventType}-b${i}`,
    source: `/painchain/connectors/${connector}/connections/bench`,
    type: `dev.painchain.${connector}.${eventType}`,
    subject: `acme/service-${i % 40}`,
    time,
    recordedtime: time,
    datacontenttype: "application/json",
    data: {
      title: `Deploy service-${i % 40} build ${i}: bump dependency ${i % 97}`,
      description: "Automated change from the benchmark",
      author: `user${i % 53}`,
      url: `https://example.com/changes/${i}`,
      status: ["success", "failed", "merged", "running"][i % 4],
      eventType,
      connector,
      connectionId: "bench",
      tags: [`team-${i % 50}`, i % 3 ? "prod" : "staging"],
      refs: [`sha:${(i * 2654435761 % 2 ** 32).toString(16).padStart(8, "0")}`],
      metadata: { build: i, durationSeconds: i % 600, files: ["a.ts", "b.ts"] },
    },
  });
}

export async function benchIngest(results: Results, total = 200_000, seedRefCount = 40_000): Promise<void> {
  log(`generating ${total} events`);
  const events = Array.from({ length: total }, (_, i) => benchEvent(i));

  // (c) NATS ceiling: raw publish, then raw consume, of the same payloads.
  {
    log("NATS ceiling…");
    const tn = await createTestNats();
    const payloads = events.map((e) => encoder.encode(JSON.stringify(e)));
    const subject = tn.names.eventSubject("github", "raw");
    const t0 = performance.now();
    for (let i = 0; i < total; i += 1000) {
      await Promise.all(
        payloads.slice(i, i + 1000).map((p, j) => tn.nats.js.publish(subject, p, { msgID: `raw-${i + j}` })),
      );
    }
    const pubRate = total / ((performance.now() - t0) / 1000);
    await tn.nats.jsm.consumers.add(tn.names.eventsStream, {
      durable_name: "raw",
      ack_policy: AckPolicy.Explicit,
      max_ack_pending: 20_000,
    });
    const consumer = await tn.nats.js.consumers.get(tn.names.eventsStream, "raw");
    const t1 = performance.now();
    let n = 0;
    while (n < total) {
      const batch = await consumer.fetch({ max_messages: 1000, expires: 2000 });
      for await (const m of batch) {
        m.ack();
        n++;
      }
    }
    const subRate = total / ((performance.now() - t1) / 1000);
    results.nats_publish_events_per_s = { value: Math.round(pubRate), unit: "events/s" };
    results.nats_consume_events_per_s = { value: Math.round(subRate), unit: "events/s" };
    log(`NATS ceiling: publish ${Math.round(pubRate)}/s, consume ${Math.round(subRate)}/s`);
    await tn.cleanup();
  }

  // (b) Postgres ceiling: raw batched INSERT … ON CONFLICT DO NOTHING of the same rows into the same table.
  {
    log("Postgres ceiling…");
    const db = await createTestDb();
    const sql = createSql(db.url);
    await migrate(sql);
    // The schema's own cost: each row with its search vector and links (as the store sends them) and its key,
    // one multi-row INSERT per 1,000, with no version checks.
    const rows = events.map((e) => toRow(e));
    await ensurePartitions(sql, rows.map((r) => r.occurred_at));
    const t0 = performance.now();
    for (let i = 0; i < total; i += 1000) {
      await sql`
        WITH x AS MATERIALIZED (SELECT * FROM jsonb_to_recordset(${
        sql.json(rows.slice(i, i + 1000) as never)
      }::jsonb)
          AS x(connector text, id text, event_type text, connection_id text, source text, subject text, title text,
            description text, author text, url text, status text, tags text[], refs text[], declared_service text,
            declared_environment text, service text, environment text, team text, catalog_version integer,
            metadata jsonb, occurred_at timestamptz, recorded_at timestamptz, content_hash text, search tsvector,
            links text[])),
        k AS (INSERT INTO change_event_keys (connector, id, occurred_at, recorded_at, content_hash, connection_id)
          SELECT connector, id, occurred_at, recorded_at, content_hash, connection_id FROM x)
        INSERT INTO change_events (connector, id, event_type, connection_id, source, subject, title, description,
          author, url, status, tags, refs, declared_service, declared_environment, service, environment, team,
          catalog_version, metadata, occurred_at, recorded_at, content_hash, search, links)
        SELECT connector, id, event_type, connection_id, source, subject, title, description, author, url, status,
          tags, refs, declared_service, declared_environment, service, environment, team, catalog_version, metadata,
          occurred_at, recorded_at, content_hash, search, links FROM x`;
    }
    const rate = total / ((performance.now() - t0) / 1000);
    results.pg_ceiling_events_per_s = {
      value: Math.round(rate),
      unit: "events/s",
      note: "raw batched INSERT of rows and keys (search vector and links given), one connection",
    };
    log(`Postgres ceiling: ${Math.round(rate)}/s`);
    await sql.end();
    await db.drop();
  }

  // (a) The seed's approach: per event, a SELECT for a duplicate, then an INSERT.
  {
    log("seed approach…");
    const db = await createTestDb();
    const sql = createSql(db.url, { max: 1 });
    await migrate(sql);
    const rows = events.slice(0, seedRefCount).map((e) => toRow(e));
    await ensurePartitions(sql, rows.map((r) => r.occurred_at));
    const t0 = performance.now();
    for (const r of rows) {
      const [exists] =
        await sql`SELECT 1 FROM change_events WHERE connector = ${r.connector} AND id = ${r.id}`;
      if (exists) continue;
      // deno-lint-ignore no-explicit-any
      await sql`INSERT INTO change_events ${(sql as any)(r, Object.keys(r))}`;
    }
    const rate = seedRefCount / ((performance.now() - t0) / 1000);
    results.seed_approach_events_per_s = {
      value: Math.round(rate),
      unit: "events/s",
      note: `measured on the first ${seedRefCount} of the same events`,
    };
    log(`Seed approach: ${Math.round(rate)}/s`);
    await sql.end();
    await db.drop();
  }

  // End to end: connector-style publishing -> JetStream -> store process -> Postgres.
  {
    log("end to end…");
    const db = await createTestDb();
    const tn = await createTestNats();
    const sql = postgres(db.url, { max: 1, onnotice: () => {} });
    const store = await startService("store/main.ts", {
      DATABASE_URL: db.url,
      PAINCHAIN_PREFIX: tn.names.prefix,
      NATS_URL: Deno.env.get("NATS_URL") ?? "nats://127.0.0.1:4222",
      ...(Deno.env.get("STORE_BATCH_MAX") ? { STORE_BATCH_MAX: Deno.env.get("STORE_BATCH_MAX")! } : {}),
      ...(Deno.env.get("STORE_CONCURRENCY") ? { STORE_CONCURRENCY: Deno.env.get("STORE_CONCURRENCY")! } : {}),
    }, /Store consuming/);
    const rss = sampleRss(store.pid);
    const meter = cpuMeter({
      publisher: { pid: Deno.pid },
      nats: { comm: "nats-server" },
      store: { pid: store.pid },
      postgres: { comm: "postgres" },
    });
    const count = async () => Number((await sql`SELECT count(*)::int AS n FROM change_events`)[0]!.n);
    const publisher = createPublisher({ js: tn.nats.js, names: tn.names, log: silentLogger, window: 1000 });
    const t0 = performance.now();
    for (let i = 0; i < total; i += 10_000) await publisher.publish(events.slice(i, i + 10_000));
    const published = performance.now();
    await waitUntil(async () => (await count()) >= total, 300_000, 100);
    const elapsed = (performance.now() - t0) / 1000;
    const rate = total / elapsed;
    for (const [part, ms] of Object.entries(meter.stop())) {
      results[`ingest_${part}_cpu_ms_per_1k`] = {
        value: +(ms / (total / 1000)).toFixed(1),
        unit: "CPU-ms",
        note: part === "postgres"
          ? "every postgres process on the machine (other databases' work included)"
          : part === "publisher"
          ? "the bench process: publishing, and polling the row count"
          : undefined,
      };
    }
    results.ingest_events_per_s = { value: Math.round(rate), unit: "events/s" };
    results.ingest_seconds = { value: +elapsed.toFixed(2), unit: "s" };
    results.ingest_publish_seconds = { value: +((published - t0) / 1000).toFixed(2), unit: "s" };
    log(`End to end: ${total} in ${elapsed.toFixed(2)} s = ${Math.round(rate)}/s`);

    // Re-ingest the same 200,000 with fresh message ids (past JetStream's duplicate window): all duplicates.
    const info0 = await tn.nats.jsm.consumers.info(tn.names.eventsStream, tn.names.storeConsumer);
    const t1 = performance.now();
    for (let i = 0; i < total; i += 1000) {
      await Promise.all(
        events.slice(i, i + 1000).map((e, j) =>
          tn.nats.js.publish(
            tn.names.eventSubject(e.data.connector, e.data.eventType),
            encoder.encode(JSON.stringify(e)),
            {
              msgID: `again-${i + j}-${messageId(e)}`,
            },
          )
        ),
      );
    }
    await waitUntil(
      async () => {
        const info = await tn.nats.jsm.consumers.info(tn.names.eventsStream, tn.names.storeConsumer);
        return info.ack_floor.stream_seq >= info0.delivered.stream_seq + total;
      },
      300_000,
      100,
    );
    const reSeconds = (performance.now() - t1) / 1000;
    results.reingest_duplicates_seconds = {
      value: +reSeconds.toFixed(2),
      unit: "s",
      note: `${total} duplicates, none stored`,
    };
    results.reingest_duplicates_per_s = { value: Math.round(total / reSeconds), unit: "events/s" };
    const [{ n, v }] =
      await sql`SELECT count(*)::int AS n, max(version)::int AS v FROM change_events` as unknown as [
        { n: number; v: number },
      ];
    if (n !== total || v !== 1) throw new Error(`Duplicates changed the table: ${n} rows, max version ${v}`);
    log(`Re-ingest of ${total} duplicates: ${reSeconds.toFixed(2)} s`);
    results.store_load_rss_mb = {
      value: +rss.stop().toFixed(1),
      unit: "MB",
      note: "peak RSS of the store process during ingest",
    };
    await store.stop();
    await sql.end();
    await tn.cleanup();
    await db.drop();
  }

  results.ingest_vs_seed_ratio = {
    value: +(results.ingest_events_per_s!.value / results.seed_approach_events_per_s!.value).toFixed(1),
    unit: "x",
  };
  results.store_vs_ceiling_ratio = {
    value: +(results.ingest_events_per_s!.value / results.pg_ceiling_events_per_s!.value).toFixed(3),
    unit: "ratio",
    note: "end-to-end ingest rate / raw batched INSERT rate",
  };
}
