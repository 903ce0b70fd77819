/** Helpers for the benchmarks: process RSS, a sampler, subprocesses, timing and wrk. */
import { ROOT } from "@painchain/testing";

export type Results = Record<string, { value: number; unit: string; note?: string }>;

export function rssMb(pid: number): number {
  try {
    const status = Deno.readTextFileSync(`/proc/${pid}/status`);
    const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    return kb / 1024;
  } catch {
    return 0;
  }
}

/** Samples a process's RSS every `ms` until stopped; returns the peak. */
export function sampleRss(pid: number, ms = 200) {
  let peak = 0;
  const timer = setInterval(() => (peak = Math.max(peak, rssMb(pid))), ms);
  return { stop: () => (clearInterval(timer), Math.max(peak, rssMb(pid))) };
}

export const PERMISSIONS = ["--allow-net", "--allow-env", "--allow-read", "--allow-sys"];
/** The store's V8 flags, as compose runs it; BENCH_STORE_V8_FLAGS (space-separated) tries others. */
export const STORE_FLAGS = Deno.env.get("BENCH_STORE_V8_FLAGS")?.split(" ") ??
  ["--v8-flags=--max-semi-space-size=4"];

export interface Service {
  proc: Deno.ChildProcess;
  pid: number;
  stop(): Promise<void>;
  output(): string;
}

/** Starts `deno run <file>` with env; resolves once a log line matches `ready`. */
export async function startService(
  file: string,
  env: Record<string, string>,
  ready: RegExp,
  timeoutMs = 60_000,
  /** More `deno run` flags, e.g. --cpu-prof. */
  flags: string[] = [],
): Promise<Service> {
  const proc = new Deno.Command(Deno.execPath(), {
    args: ["run", ...PERMISSIONS, ...(file === "store/main.ts" ? STORE_FLAGS : []), ...flags, file],
    cwd: ROOT,
    env: { ...Deno.env.toObject(), LOG_LEVEL: "info", ...env },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let out = "";
  let resolveReady: () => void;
  const isReady = new Promise<void>((r) => (resolveReady = r));
  const read = async (s: ReadableStream<Uint8Array>) => {
    const dec = new TextDecoder();
    for await (const c of s) {
      out += dec.decode(c, { stream: true });
      if (out.length > 200_000) out = out.slice(-100_000);
      if (ready.test(out)) resolveReady();
    }
  };
  const done = Promise.all([read(proc.stdout), read(proc.stderr)]);
  const timer = setTimeout(() => resolveReady(), timeoutMs);
  await isReady;
  clearTimeout(timer);
  if (!ready.test(out)) throw new Error(`${file} did not start:\n${out.slice(-2000)}`);
  return {
    proc,
    pid: proc.pid,
    output: () => out,
    async stop() {
      try {
        proc.kill("SIGTERM");
      } catch { /* gone */ }
      const kill = setTimeout(() => {
        try {
          proc.kill("SIGKILL");
        } catch { /* gone */ }
      }, 10_000);
      await proc.status;
      clearTimeout(kill);
      await done;
    },
  };
}

export async function waitUntil(fn: () => Promise<boolean>, timeoutMs: number, everyMs = 50): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await fn()) return;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error("Timed out");
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

const WRK_SCRIPT = `done = function(summary, latency, requests)
  io.write(string.format("WRKJSON {\\"p50\\":%d,\\"p95\\":%d,\\"p99\\":%d,\\"requests\\":%d,\\"non2xx\\":%d,\\"errors\\":%d}\\n",
    latency:percentile(50), latency:percentile(95), latency:percentile(99), summary.requests,
    summary.errors.status, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
`;

export interface LoadResult {
  p50: number;
  p95: number;
  p99: number;
  requests: number;
  non2xx: number;
  errors: number;
}

/** Runs wrk (Debian's) against a URL; latencies in milliseconds. */
export async function wrk(
  url: string,
  connections: number,
  seconds: number,
  headers: Record<string, string> = {},
): Promise<LoadResult> {
  const script = await Deno.makeTempFile({ suffix: ".lua" });
  await Deno.writeTextFile(script, WRK_SCRIPT);
  const out = await new Deno.Command("wrk", {
    args: [
      `-t${Math.min(2, connections)}`,
      `-c${connections}`,
      `-d${seconds}s`,
      "--timeout",
      "10s",
      "-s",
      script,
      ...Object.entries(headers).flatMap(([k, v]) => ["-H", `${k}: ${v}`]),
      url,
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout);
  const m = /WRKJSON (\{.*\})/.exec(text);
  if (!m) throw new Error(`wrk failed: ${text}${new TextDecoder().decode(out.stderr)}`);
  const r = JSON.parse(m[1]!);
  return {
    p50: r.p50 / 1000,
    p95: r.p95 / 1000,
    p99: r.p99 / 1000,
    requests: r.requests,
    non2xx: r.non2xx,
    errors: r.errors,
  };
}

export async function ensureWrk(): Promise<void> {
  const ok = await new Deno.Command("wrk", { args: ["--version"], stdout: "null", stderr: "null" }).output()
    .then(
      () => true,
      () => false,
    );
  if (ok) return;
  const install = await new Deno.Command("apt-get", { args: ["install", "-y", "-qq", "wrk"], stdout: "null" })
    .output().catch((err) => ({ success: false, stderr: new TextEncoder().encode(String(err)) }));
  if (!install.success) {
    const why = new TextDecoder().decode(install.stderr).trim().split("\n").at(-1);
    throw new Error(
      `The query benchmarks need wrk: install it (apt-get install wrk). Installing failed: ${why}`,
    );
  }
}

export function log(msg: string) {
  // deno-lint-ignore no-console
  console.log(`[bench] ${msg}`);
}

/** CPU time (user + system) of a process so far, in ms; 0 when it is gone. */
export function cpuMs(pid: number): number {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    // Fields after the command name (which may hold spaces): utime is the 14th field, stime the 15th.
    const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const ticks = Number(rest[11]) + Number(rest[12]);
    return (ticks * 1000) / CLOCK_TICKS;
  } catch {
    return 0;
  }
}

/** Linux's USER_HZ: 100 on every mainstream build. */
const CLOCK_TICKS = 100;

/** Pids of running processes whose command name is `comm`. */
export function pidsOf(comm: string): number[] {
  const pids: number[] = [];
  for (const e of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(e.name)) continue;
    try {
      if (Deno.readTextFileSync(`/proc/${e.name}/comm`).trim() === comm) pids.push(Number(e.name));
    } catch { /* gone */ }
  }
  return pids;
}

/**
 * CPU used by each component between start() and stop(), in ms: the named processes (all of them, e.g. every
 * postgres backend, new ones included; ones that exit meanwhile are lost) and given pids.
 */
export function cpuMeter(parts: Record<string, { comm: string } | { pid: number }>) {
  const read = () => {
    const out: Record<string, Map<number, number>> = {};
    for (const [name, p] of Object.entries(parts)) {
      const pids = "comm" in p ? pidsOf(p.comm) : [p.pid];
      out[name] = new Map(pids.map((pid) => [pid, cpuMs(pid)]));
    }
    return out;
  };
  const before = read();
  return {
    stop(): Record<string, number> {
      const after = read();
      const used: Record<string, number> = {};
      for (const name of Object.keys(parts)) {
        let sum = 0;
        for (const [pid, ms] of after[name]!) sum += ms - (before[name]!.get(pid) ?? 0);
        used[name] = sum;
      }
      return used;
    },
  };
}
