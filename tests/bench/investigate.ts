/**
 * "What changed?" at 1,000,000 events: /api/investigate at a random moment of the last 30 days (2 h window, a
 * service and an environment) and /api/events/:id/chain of a random change, one request at a time (concurrency
 * 1), against the gateway running as its own process.
 */
import postgres from "postgres";
import { TEST_ADMIN_TOKEN } from "@painchain/testing/pipeline";
import type { QueryBench } from "./query.ts";
import { log, type Results } from "./util.ts";

const AUTH = { authorization: `Bearer ${TEST_ADMIN_TOKEN}` };

/** Phases the gateway reports in Server-Timing, summed over the run. */
const phases = new Map<string, number[]>();

async function timed(url: string): Promise<number> {
  const t0 = performance.now();
  const res = await fetch(url, { headers: AUTH });
  if (!res.ok) throw new Error(`${url}: ${res.status} ${await res.text()}`);
  await res.arrayBuffer();
  for (const m of (res.headers.get("server-timing") ?? "").matchAll(/(\w+);dur=([\d.]+)/g)) {
    phases.set(m[1]!, [...phases.get(m[1]!) ?? [], Number(m[2])]);
  }
  return performance.now() - t0;
}

const p = (xs: number[], q: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * q))]!;

export async function benchInvestigate(results: Results, qb: QueryBench, n = 200): Promise<void> {
  const now = Date.now();
  const services = ["checkout", "payments", "search", "auth", "inventory", "gateway", "billing"];
  let seed = 7;
  const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const investigate: number[] = [];
  for (let i = 0; i < n + 10; i++) {
    const at = new Date(now - 3600_000 - rnd() * 29 * 86400_000).toISOString();
    const svc = services[Math.floor(rnd() * services.length)];
    const ms = await timed(
      `${qb.url}/api/investigate?at=${at}&window=2h&service=${svc}&environment=production`,
    );
    if (i >= 10) investigate.push(ms);
  }
  const sql = postgres(qb.dbUrl, { max: 1, onnotice: () => {} });
  const ids = (await sql`SELECT id FROM change_events TABLESAMPLE SYSTEM (1) LIMIT ${n + 10}`).map((r) =>
    r.id as string
  );
  await sql.end();
  const chain: number[] = [];
  for (const [i, id] of ids.entries()) {
    const ms = await timed(`${qb.url}/api/events/${encodeURIComponent(id)}/chain`);
    if (i >= 10) chain.push(ms);
  }
  results.investigate_p50_ms = { value: +p(investigate, 0.5).toFixed(2), unit: "ms" };
  results.investigate_p95_ms = {
    value: +p(investigate, 0.95).toFixed(2),
    unit: "ms",
    note: "BENCH_ROWS events, 2 h window, concurrency 1",
  };
  results.chain_p50_ms = { value: +p(chain, 0.5).toFixed(2), unit: "ms" };
  results.chain_p95_ms = {
    value: +p(chain, 0.95).toFixed(2),
    unit: "ms",
    note: "BENCH_ROWS events, concurrency 1",
  };
  log(`investigate p50 ${results.investigate_p50_ms.value} ms  p95 ${results.investigate_p95_ms.value} ms`);
  log(`  of which (p50): ${[...phases].map(([k, v]) => `${k} ${p(v, 0.5).toFixed(1)} ms`).join(", ")}`);

  log(`chain       p50 ${results.chain_p50_ms.value} ms  p95 ${results.chain_p95_ms.value} ms`);
}

if (import.meta.main) {
  const { startMillion } = await import("./query.ts");
  const results: Results = {};
  const qb = await startMillion(Number(Deno.env.get("BENCH_ROWS") ?? 1_000_000));
  try {
    await benchInvestigate(results, qb);
  } finally {
    await qb.stop();
  }
  // deno-lint-ignore no-console
  console.log(JSON.stringify(results, null, 2));
}
