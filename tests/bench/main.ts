/**
 * `deno task bench`: ingest, store drain, query, footprint, UI and Kubernetes-at-scale benchmarks. Prints a table
 * and writes every figure, with its unit, to BENCH_OUT (default bench-results.json). Needs Postgres and NATS up
 * (as for the tests) and wrk. BENCH_ONLY=ingest|query runs one part (`deno task bench:query`: the queries at 10M).
 */
import { benchDrain } from "./drain.ts";
import { benchFootprint } from "./footprint.ts";
import { benchIngest } from "./ingest.ts";
import { benchKubeScale } from "./kube_scale.ts";
import { benchQueries, startMillion } from "./query.ts";
import { benchInvestigate } from "./investigate.ts";
import { benchBundle, benchFirstRender, benchScroll } from "./ui.ts";
import { log, type Results } from "./util.ts";

const out = Deno.env.get("BENCH_OUT") ?? "bench-results.json";
const events = Number(Deno.env.get("BENCH_EVENTS") ?? 200_000);
// The query bench alone runs at 10M rows; the whole bench at 1M.
const rows = Number(
  Deno.env.get("BENCH_ROWS") ?? (Deno.env.get("BENCH_ONLY") === "query" ? 10_000_000 : 1_000_000),
);
const results: Results = {};
const started = performance.now();

const only = Deno.env.get("BENCH_ONLY") ?? "";
const part = (name: string) => only === "" || only === name;

if (part("all")) await benchBundle(results);
if (part("ingest")) {
  await benchIngest(results, events);
  await benchDrain(results, events);
  results.store_drain_vs_ceiling_ratio = {
    value: +(results.store_drain_events_per_s!.value / results.pg_ceiling_events_per_s!.value).toFixed(3),
    unit: "ratio",
    note: "store drain rate / raw batched INSERT rate (the schema's ceiling)",
  };
}
if (part("all")) {
  await benchFootprint(results);
  await benchKubeScale(results);
}
if (part("query")) {
  const qb = await startMillion(rows);
  try {
    await benchQueries(results, qb);
    await benchInvestigate(results, qb);
    if (part("all")) {
      await benchFirstRender(results, qb.url);
      await benchScroll(results, qb.url);
    }
  } finally {
    await qb.stop();
  }
}
results.bench_seconds = { value: Math.round((performance.now() - started) / 1000), unit: "s" };

const TARGETS: Record<string, [string, (v: number) => boolean]> = {
  ingest_events_per_s: [">= 20000", (v) => v >= 20_000],
  store_drain_events_per_s: [">= 20000", (v) => v >= 20_000],
  ingest_vs_seed_ratio: [">= 8", (v) => v >= 8],
  store_vs_ceiling_ratio: [">= 0.5", (v) => v >= 0.5],
  events_p95_ms: ["<= 30", (v) => v <= 30],
  events_filtered_c1_p95_ms: ["<= 50", (v) => v <= 50],
  timeline_30d_p95_ms: ["<= 100", (v) => v <= 100],
  search_p95_ms: ["<= 150", (v) => v <= 150],
  investigate_p95_ms: ["<= 100", (v) => v <= 100],
  chain_p95_ms: ["<= 50", (v) => v <= 50],
  connector_idle_rss_mb: ["<= 96", (v) => v <= 96],
  store_load_rss_mb: ["<= 256", (v) => v <= 256],
  kube_memory_mb: ["<= 256", (v) => v <= 256],
  bundle_gzip_kb: ["<= 80", (v) => v <= 80],
  first_render_ms: ["<= 1500", (v) => v <= 1500],
};
const lines = ["| figure | value | target | |", "|---|---|---|---|"];
for (const [k, r] of Object.entries(results)) {
  const t = TARGETS[k];
  lines.push(
    `| ${k} | ${r.value} ${r.unit} | ${t ? t[0] : ""} | ${t ? (t[1](r.value) ? "met" : "missed") : ""} |`,
  );
}
// deno-lint-ignore no-console
console.log(`\n${lines.join("\n")}\n`);
await Deno.writeTextFile(out, JSON.stringify(results, null, 2));
log(`wrote ${out} (${results.bench_seconds.value} s)`);
