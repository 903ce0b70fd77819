/**
 * Queries at 1,000,000 events (4 connectors, 30 days, 50 team tags, realistic titles), over HTTP on loopback with
 * wrk at concurrency 1 and 16, against the gateway running as its own process.
 */
import postgres from "postgres";
import { createSql, migrate } from "@painchain/store";
import { createTestDb, createTestNats, freePort } from "@painchain/testing";
import { TEST_ADMIN_TOKEN } from "@painchain/testing/pipeline";

/** Every query carries the admin token, so the figures include authentication. */
const AUTH = { authorization: `Bearer ${TEST_ADMIN_TOKEN}` };
import { ensureWrk, type LoadResult, log, type Results, sampleRss, startService, wrk } from "./util.ts";

/** One slice of the data set, rows [lo, hi] of `total`, straight into change_events with SQL. */
function seedSlice(total: number, lo: number, hi: number): string {
  return `
    INSERT INTO change_events (connector, id, event_type, connection_id, source, subject, title, description,
      author, url, status, tags, refs, declared_service, service, declared_environment, environment, metadata,
      occurred_at, recorded_at, content_hash, search, links)
    SELECT *, change_event_search(title, author, subject, description, tags, refs, service, environment),
      change_event_links(refs)
    FROM (SELECT c, c || '-' || t || '-q' || g, t, 'bench', '/painchain/connectors/' || c || '/connections/bench',
      'acme/service-' || (g % 40) AS subject,
      (ARRAY['Deploy','Rollback','Merge','Bump','Fix','Scale'])[1 + g % 6] || ' ' || svc || ' ' ||
        (ARRAY['to v2.' || (g % 30), 'after incident ' || (g % 900), 'with retries', 'behind a flag', 'for latency'])[1 + g % 5] AS title,
      'Change ' || g || ' of the benchmark data set' AS description, 'user' || (g % 200) AS author,
      'https://example.com/c/' || g, (ARRAY['success','failed','merged','running'])[1 + g % 4],
      ARRAY['team-' || (g % 50), CASE WHEN g % 3 = 0 THEN 'staging' ELSE 'prod' END] AS tags,
      -- Four changes share a commit (a PR, its push, its run, its deployment), and deployments an image of it.
      ARRAY['sha:' || md5((g / 4)::text), 'repo:acme/service-' || (g % 40)] ||
        CASE WHEN t = 'deployment' THEN ARRAY['image:registry.acme.dev/' || svc || ':' || left(md5((g / 4)::text), 8)]
             ELSE '{}'::text[] END AS refs,
      svc, svc AS service, env, env AS environment, jsonb_build_object('n', g),
      now() - (g * (30 * 86400.0 / ${total})) * interval '1 second', now(), md5(g::text)
    FROM generate_series(${lo}, ${hi}) g,
      LATERAL (SELECT (ARRAY['github','gitlab','kubernetes','painchain'])[1 + g % 4] AS c,
        (ARRAY['pull_request','pipeline','deployment','commit'])[1 + (g / 4) % 4] AS t,
        (ARRAY['checkout','payments','search','auth','inventory','gateway','billing'])[1 + g % 7] AS svc,
        CASE WHEN g % 3 = 0 THEN 'staging' ELSE 'production' END AS env) x) r`;
}

/**
 * Seeds `total` events over the last 30 days straight into the partitioned table with generate_series, as a
 * restore would: indexes and the hourly-count trigger off, slices written by parallel connections, then the
 * keys, the hourly counts and the indexes (the migration's own definitions) built once.
 */
export async function seedMillion(url: string, total = 1_000_000): Promise<void> {
  const sql = postgres(url, { max: 4, onnotice: () => {} });
  const indexes = await sql<{ def: string }[]>`
    SELECT indexdef AS def FROM pg_indexes WHERE schemaname = 'public'
      AND tablename IN ('change_events', 'change_event_keys') AND indexname <> 'change_event_keys_pkey'`;
  await sql.unsafe(`
    TRUNCATE change_events, change_event_keys, change_event_hours, change_event_minutes;
    DROP INDEX IF EXISTS change_events_time_idx, change_events_connector_time_idx, change_events_tags_idx,
      change_events_refs_idx, change_events_search_idx, change_events_links_idx, change_events_service_time_idx,
      change_events_environment_time_idx, change_events_team_time_idx, change_event_keys_time_idx;
    ALTER TABLE change_event_keys DROP CONSTRAINT change_event_keys_pkey;
    ALTER TABLE change_events DISABLE TRIGGER change_event_hours_insert;
    SELECT change_events_ensure_partition(now() - k * interval '1 month') FROM generate_series(-1, 2) k;
  `);
  const slices = Number(Deno.env.get("BENCH_SEED_WORKERS") ?? 2);
  const step = Math.ceil(total / slices);
  await Promise.all(
    Array.from(
      { length: slices },
      (_, i) => sql.unsafe(seedSlice(total, 1 + i * step, Math.min(total, (i + 1) * step))),
    ),
  );
  await sql.unsafe(`
    ALTER TABLE change_events ENABLE TRIGGER change_event_hours_insert;
    INSERT INTO change_event_keys (connector, id, occurred_at, recorded_at, content_hash, connection_id)
    SELECT connector, id, occurred_at, recorded_at, content_hash, connection_id FROM change_events;
    INSERT INTO change_event_hours (bin, connector, event_type, n)
    SELECT date_trunc('hour', occurred_at, 'UTC'), connector, event_type, count(*) FROM change_events
    GROUP BY 1, 2, 3;
    INSERT INTO change_event_minutes (bin, connector, event_type, n)
    SELECT date_bin('5 minutes', occurred_at, timestamptz '1970-01-01Z'), connector, event_type, count(*)
    FROM change_events GROUP BY 1, 2, 3;
  `);
  // The indexes, two at a time (one per core), keys first.
  // pg_indexes gives a partitioned index as "ON ONLY" (the parent alone): built here on every partition.
  const defs = [
    "ALTER TABLE change_event_keys ADD PRIMARY KEY (connector, id)",
    ...indexes.map((i) => i.def.replace(" ON ONLY ", " ON ")),
  ];
  let next = 0;
  await Promise.all([0, 1].map(async () => {
    const reserved = await sql.reserve();
    try {
      await reserved.unsafe("SET maintenance_work_mem = '512MB'");
      while (next < defs.length) await reserved.unsafe(defs[next++]!);
    } finally {
      reserved.release();
    }
  }));
  await sql`ANALYZE change_events`;
  await sql`ANALYZE change_event_keys`;
  await sql.end();
}

export interface QueryBench {
  url: string;
  dbUrl: string;
  stop(): Promise<void>;
}

/** Seeds a database with `total` events (BENCH_ROWS) and starts a gateway on it; for the query and UI benchmarks. */
export async function startMillion(total = 1_000_000): Promise<QueryBench> {
  // BENCH_DB_URL keeps a seeded database between runs (seeded once, never dropped): for iterating on queries.
  const kept = Deno.env.get("BENCH_DB_URL");
  const db = kept ? { url: kept, drop: async () => {} } : await createTestDb();
  const sql = createSql(db.url);
  await migrate(sql);
  const [row] = await sql<{ n: number }[]>`SELECT count(*)::int AS n FROM change_events`;
  const n = row?.n ?? 0;
  await sql.end();
  if (n < total) {
    const t0 = performance.now();
    await seedMillion(db.url, total);
    log(`seeded ${total} events in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  } else log(`reusing ${n} events in ${db.url}`);

  const tn = await createTestNats();
  const port = freePort();
  const gw = await startService("gateway/main.ts", {
    DATABASE_URL: db.url,
    PAINCHAIN_PREFIX: tn.names.prefix,
    PORT: String(port),
    HOST: "127.0.0.1",
    PAINCHAIN_ADMIN_TOKEN: TEST_ADMIN_TOKEN,
  }, /Gateway listening/);
  return {
    url: `http://127.0.0.1:${port}`,
    dbUrl: db.url,
    async stop() {
      await gw.stop();
      await tn.cleanup();
      await db.drop();
    },
    // deno-lint-ignore no-explicit-any
    ...({ gateway: gw } as any),
  };
}

export async function benchQueries(
  results: Results,
  qb: QueryBench & { gateway?: { pid: number } },
  seconds = 5,
) {
  await ensureWrk();
  const now = Date.now();
  const iso = (ms: number) => new Date(ms).toISOString();
  const scenarios: [string, string][] = [
    ["events_page", "/api/events?limit=50"],
    ["events_connector", "/api/events?connector=gitlab&limit=50"],
    ["events_tag", "/api/events?tag=team-7&limit=50"],
    ["events_time", `/api/events?from=${iso(now - 10 * 86400_000)}&to=${iso(now - 9 * 86400_000)}&limit=50`],
    ["events_filtered", `/api/events?connector=github&tag=team-12&from=${iso(now - 7 * 86400_000)}&limit=50`],
    ["timeline_24h", `/api/timeline?from=${iso(now - 86400_000)}&to=${iso(now)}`],
    ["timeline_30d", `/api/timeline?from=${iso(now - 30 * 86400_000)}&to=${iso(now)}`],
    ["search", `/api/events?q=payments%20rollback&limit=50`],
    ["search_filtered", `/api/events?q=incident&connector=kubernetes&limit=50`],
  ];
  const rows: Record<string, Record<number, LoadResult>> = {};
  const rss = qb.gateway ? sampleRss(qb.gateway.pid) : null;
  for (const [name, path] of scenarios) {
    // Warm up, and make sure the route answers 200.
    const res = await fetch(qb.url + path, { headers: AUTH });
    if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
    await res.body?.cancel();
    rows[name] = {};
    for (const c of [1, 16]) {
      const r = await wrk(qb.url + path, c, seconds, AUTH);
      if (r.non2xx || r.errors) throw new Error(`${name}: ${r.non2xx} non-2xx, ${r.errors} errors`);
      rows[name]![c] = r;
      log(
        `${name.padEnd(18)} c=${String(c).padStart(2)}  p50 ${r.p50.toFixed(1)} ms  p95 ${
          r.p95.toFixed(1)
        } ms  p99 ${r.p99.toFixed(1)} ms  (${r.requests} requests)`,
      );
      results[`${name}_c${c}_p50_ms`] = { value: +r.p50.toFixed(2), unit: "ms" };
      results[`${name}_c${c}_p95_ms`] = { value: +r.p95.toFixed(2), unit: "ms" };
      results[`${name}_c${c}_p99_ms`] = { value: +r.p99.toFixed(2), unit: "ms" };
    }
  }
  if (rss) {
    results.gateway_load_rss_mb = {
      value: +rss.stop().toFixed(1),
      unit: "MB",
      note: "peak RSS under query load",
    };
  }
  const eventsP95 = Math.max(
    ...["events_page", "events_connector", "events_tag", "events_time", "events_filtered"].map((k) =>
      rows[k]![1]!.p95
    ),
  );
  results.events_p95_ms = {
    value: +eventsP95.toFixed(2),
    unit: "ms",
    note: "worst /api/events page scenario, concurrency 1",
  };
  results.timeline_30d_p95_ms = {
    value: +rows.timeline_30d![1]!.p95.toFixed(2),
    unit: "ms",
    note: "concurrency 1",
  };
  results.search_p95_ms = {
    value: +Math.max(rows.search![1]!.p95, rows.search_filtered![1]!.p95).toFixed(2),
    unit: "ms",
    note: "full-text search, concurrency 1",
  };
}
