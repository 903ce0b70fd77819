/**
 * `deno task start`: PainChain on this machine as separate processes, as compose runs them: store, gateway and
 * every connector, each with its own narrow Deno permissions and only its own variables. Uses NATS_URL and
 * DATABASE_URL when set; otherwise starts nats-server (from PATH) and an embedded Postgres (PGlite) under .data/.
 * A process that dies is restarted with backoff, as compose's `restart: unless-stopped` would. Logs go to
 * .data/logs/<process>.log (or to the terminal with --verbose); the terminal gets a short banner.
 */
import { createConnection } from "node:net";
import { fileURLToPath } from "node:url";
import { connectorEnvSchema } from "../shared/runtime/config.ts";
import { gatewayEnvSchema } from "../gateway/config.ts";
import { storeEnvSchema } from "../store/config.ts";
import { hostsOf, permissionFlags, type Places, type Service, v8Flags } from "./permissions.ts";

const root = fileURLToPath(new URL("..", import.meta.url)).replace(/\/$/, "");
const env = Deno.env.toObject();
const verbose = Deno.args.includes("--verbose") || env.PAINCHAIN_VERBOSE === "1";
const dataDir = env.PAINCHAIN_DATA_DIR ?? `${root}/.data`;
const logsDir = `${dataDir}/logs`;
const enc = new TextEncoder();
let stopping = false;

/** One line to the terminal, written at once (never interleaved with another process's line). */
const say = (line: string) => Deno.stdout.writeSync(enc.encode(`${line}\n`));

function reachable(host: string, port: number, timeoutMs = 1_000): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createConnection({ host, port });
    const done = (ok: boolean) => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(timeoutMs, () => done(false));
    s.once("connect", () => done(true));
    s.once("error", () => done(false));
  });
}

async function waitReachable(host: string, port: number, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await reachable(host, port)) return true;
    await new Promise((r) => setTimeout(r, 200));
  }
  return false;
}

interface Managed {
  name: string;
  proc: Deno.ChildProcess | null;
  /** The last lines it wrote, shown when it keeps failing. */
  tail: string[];
}
const managed: Managed[] = [];

/** Copies a process's output line by line: prefixed to the terminal (--verbose) or to its log file. */
async function copyLines(m: Managed, stream: ReadableStream<Uint8Array>, file: Deno.FsFile | null) {
  const dec = new TextDecoder();
  let buf = "";
  const prefix = `[${m.name}]`.padEnd(14);
  const emit = (line: string) => {
    m.tail.push(line);
    if (m.tail.length > 20) m.tail.shift();
    if (file) file.writeSync(enc.encode(`${line}\n`));
    else say(`${prefix} ${line}`);
  };
  for await (const chunk of stream) {
    buf += dec.decode(chunk, { stream: true });
    let nl: number;
    while ((nl = buf.indexOf("\n")) >= 0) {
      emit(buf.slice(0, nl));
      buf = buf.slice(nl + 1);
    }
  }
  if (buf) emit(buf);
}

/** Runs a process and keeps it running: restarted with backoff when it exits, until `deno task start` stops. */
function supervise(name: string, cmd: string, args: string[], childEnv: Record<string, string>) {
  const m: Managed = { name, proc: null, tail: [] };
  managed.push(m);
  const file = verbose ? null : Deno.openSync(`${logsDir}/${name}.log`, { create: true, append: true });
  (async () => {
    let failures = 0;
    while (!stopping) {
      const started = Date.now();
      try {
        m.proc = new Deno.Command(cmd, {
          args,
          cwd: root,
          env: childEnv,
          clearEnv: true,
          stdout: "piped",
          stderr: "piped",
        })
          .spawn();
      } catch (err) {
        say(`✗ ${name} could not start: ${(err as Error).message}`);
        return;
      }
      const copied = Promise.all([copyLines(m, m.proc.stdout, file), copyLines(m, m.proc.stderr, file)]);
      const status = await m.proc.status;
      await copied.catch(() => {});
      if (stopping) return;
      failures = Date.now() - started > 60_000 ? 1 : failures + 1;
      const wait = Math.min(30_000, 1_000 * 2 ** (failures - 1));
      say(`! ${name} exited (code ${status.code}); restarting in ${wait / 1000} s`);
      if (failures >= 3) {
        say(`  its last lines${file ? ` (all in ${logsDir}/${name}.log)` : ""}:`);
        for (const l of m.tail.slice(-5)) say(`    ${l.slice(0, 300)}`);
      }
      await new Promise((r) => setTimeout(r, wait));
    }
  })();
  return m;
}

async function shutdown(code = 0) {
  if (stopping) return;
  stopping = true;
  say("Stopping PainChain…");
  for (const m of [...managed].reverse()) {
    try {
      m.proc?.kill("SIGTERM");
    } catch { /* already gone */ }
    await Promise.race([m.proc?.status, new Promise((r) => setTimeout(r, 5_000))]);
  }
  Deno.exit(code);
}
Deno.addSignalListener("SIGINT", () => shutdown(0));
Deno.addSignalListener("SIGTERM", () => shutdown(0));

await Deno.mkdir(logsDir, { recursive: true });
const deno = Deno.execPath();
const randomBytes = (n: number) => crypto.getRandomValues(new Uint8Array(n));
const hex = (n: number) => Array.from(randomBytes(n), (b) => b.toString(16).padStart(2, "0")).join("");

/** The variables any Deno process needs to run (cache, paths), none of them secret. */
const BASE_ENV = [
  "PATH",
  "HOME",
  "DENO_DIR",
  "XDG_CACHE_HOME",
  "TMPDIR",
  "NO_COLOR",
  "TZ",
  "LANG",
  "DENO_NO_UPDATE_CHECK",
];
const pick = (keys: string[], patterns: RegExp[] = []) =>
  Object.fromEntries(
    Object.entries(env).filter(([k]) =>
      BASE_ENV.includes(k) || keys.includes(k) || patterns.some((p) => p.test(k))
    ),
  );
const keysOf = (schema: { shape: Record<string, unknown> }) => Object.keys(schema.shape);

// NATS: NATS_URL if it answers, else nats-server -js from PATH.
const natsUrl = env.NATS_URL ?? "nats://127.0.0.1:4222";
let natsToken = env.NATS_TOKEN;
const firstNats = new URL(natsUrl.split(",")[0]!.replace(/^nats:/, "http:"));
if (!(await reachable(firstNats.hostname, Number(firstNats.port || 4222)))) {
  if (env.NATS_URL) {
    say(`✗ NATS_URL is set (${natsUrl}) but NATS does not answer there.`);
    Deno.exit(1);
  }
  await Deno.mkdir(`${dataDir}/nats`, { recursive: true });
  // Our own NATS gets a token (NATS access is admin access), kept like the admin token.
  natsToken = (await persistentSecret(undefined, "nats.token", () => hex(24))).value;
  try {
    supervise(
      "nats",
      "nats-server",
      ["-js", "-a", "127.0.0.1", "-p", "4222", "-sd", `${dataDir}/nats`, "--auth", natsToken],
      pick([]),
    );
  } catch {
    say(
      "✗ NATS is not running and nats-server is not on PATH: install it (apt-get install nats-server) or set NATS_URL.",
    );
    Deno.exit(1);
  }
  if (!(await waitReachable("127.0.0.1", 4222, 30_000))) {
    say(`✗ nats-server did not come up on 127.0.0.1:4222 (see ${logsDir}/nats.log)`);
    await shutdown(1);
  }
}
say(`✓ NATS       ${natsUrl}`);

// Postgres: DATABASE_URL, or embedded PGlite served over the wire protocol.
let databaseUrl = env.DATABASE_URL;
if (databaseUrl) {
  const [pg] = hostsOf(databaseUrl, 5432);
  const [h, p] = pg!.split(":");
  if (!(await waitReachable(h!, Number(p), 10_000))) {
    say(`✗ DATABASE_URL is set but Postgres does not answer at ${pg}.`);
    await shutdown(1);
  }
  say(`✓ Postgres   ${pg}`);
} else {
  const port = Number(env.PGLITE_PORT ?? "5433");
  supervise(
    "pglite",
    deno,
    ["run", "--quiet", "-A", "dev/pglite.ts", String(port), `${dataDir}/pglite`],
    pick([]),
  );
  if (!(await waitReachable("127.0.0.1", port, 60_000))) {
    say(`✗ The embedded Postgres did not come up (see ${logsDir}/pglite.log)`);
    await shutdown(1);
  }
  databaseUrl = `postgres://postgres@127.0.0.1:${port}/postgres`;
  say(`✓ Postgres   embedded (PGlite), data in ${dataDir}/pglite`);
}

// The web bundle.
const build = await new Deno.Command(deno, { args: ["run", "--quiet", "-A", "web/build.ts"], cwd: root })
  .output();
if (!build.success) say(`! The web bundle did not build; the gateway serves a placeholder.`);

/** A secret from the environment, or one generated once and kept (mode 0600) under the data directory. */
async function persistentSecret(envValue: string | undefined, file: string, make: () => string) {
  if (envValue) return { value: envValue, file: null };
  const path = `${dataDir}/${file}`;
  try {
    return { value: (await Deno.readTextFile(path)).trim(), file: path };
  } catch {
    const value = make();
    await Deno.writeTextFile(path, `${value}\n`, { mode: 0o600 });
    return { value, file: path };
  }
}

// The key that seals connection secrets, and the admin token (sign-in and API).
const secretKey = (await persistentSecret(
  env.PAINCHAIN_SECRET_KEY,
  "secret.key",
  () => btoa(String.fromCharCode(...randomBytes(32))),
)).value;
const admin = await persistentSecret(
  env.PAINCHAIN_ADMIN_TOKEN,
  "admin.token",
  () => hex(24),
);

const port = env.PORT ?? "8000";
const places: Places = {
  app: root,
  secretsDir: env.PAINCHAIN_SECRETS_DIR ?? "/run/secrets",
  nats: hostsOf(natsUrl, 4222),
  postgres: [...hostsOf(databaseUrl, 5432), ...hostsOf(env.DATABASE_READ_URL, 5432)],
  listen: `${env.HOST ?? "0.0.0.0"}:${port}`,
  // Exactly the configuration files given, nothing around them.
  config: [env.PAINCHAIN_CONNECTIONS_FILE, env.PAINCHAIN_CATALOG_FILE].filter((f): f is string => !!f),
};
const run = (service: Service, entry: string, connector?: string) => [
  "run",
  "--quiet",
  ...permissionFlags(service, places, connector),
  ...v8Flags(service, connector),

  entry,
];
const CONNECTION_SECRETS = /^CONNECTION_SECRET_/;

supervise("store", deno, run("store", "store/main.ts"), {
  ...pick(keysOf(storeEnvSchema), [/^PG/]),
  NATS_URL: natsUrl,
  ...(natsToken ? { NATS_TOKEN: natsToken } : {}),
  DATABASE_URL: databaseUrl,
});
supervise("gateway", deno, run("gateway", "gateway/main.ts"), {
  ...pick(keysOf(gatewayEnvSchema), [/^PG/, CONNECTION_SECRETS]),
  NATS_URL: natsUrl,
  ...(natsToken ? { NATS_TOKEN: natsToken } : {}),
  DATABASE_URL: databaseUrl,
  PAINCHAIN_SECRET_KEY: secretKey,
  PAINCHAIN_ADMIN_TOKEN: admin.value,
  PORT: port,
});
// Every connector folder with a main.ts is a service; connectors never see the admin token or the database.
const connectors: string[] = [];
for await (const e of Deno.readDir(`${root}/connectors`)) {
  if (!e.isDirectory || e.name.startsWith("_")) continue;
  try {
    await Deno.stat(`${root}/connectors/${e.name}/main.ts`);
  } catch {
    continue;
  }
  connectors.push(e.name);
}
for (const id of connectors.sort()) {
  supervise(id, deno, run("connector", `connectors/${id}/main.ts`, id), {
    ...pick(keysOf(connectorEnvSchema), [CONNECTION_SECRETS]),
    NATS_URL: natsUrl,
    ...(natsToken ? { NATS_TOKEN: natsToken } : {}),
    CONNECTOR_HOST: "127.0.0.1",
    PAINCHAIN_SECRET_KEY: secretKey,
  });
}

// Up means the gateway answers its health check, which asks NATS and Postgres.
const url = `http://localhost:${port}`;
let healthy = false;
for (let i = 0; i < 240 && !healthy; i++) {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/api/health`);
    healthy = res.ok;
    await res.body?.cancel();
  } catch { /* not yet */ }
  if (!healthy) await new Promise((r) => setTimeout(r, 250));
}
if (!healthy) {
  say(
    `✗ The gateway did not become healthy within a minute (see ${
      verbose ? "the lines above" : `${logsDir}/gateway.log`
    }).`,
  );
  await shutdown(1);
}
say(`✓ Services   store, gateway, ${connectors.join(", ")}`);
say("");
say(`PainChain is up: ${url}`);
say(
  admin.file
    ? `Sign in with the admin token in ${admin.file}`
    : "Sign in with the token in PAINCHAIN_ADMIN_TOKEN",
);
say(
  verbose
    ? "Logs: on this terminal (--verbose)"
    : `Logs: ${logsDir}/<process>.log (or deno task start --verbose)`,
);
say("Stop: Ctrl+C");
