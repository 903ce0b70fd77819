/**
 * `deno task start`: runs PainChain locally as separate processes, exactly as compose would: store, gateway and
 * every connector. Uses NATS_URL and DATABASE_URL when set; otherwise starts nats-server (from PATH) and an
 * embedded Postgres (PGlite) with data under .data/.
 */
import { createConnection } from "node:net";
import { fileURLToPath } from "node:url";
import { createLogger } from "@painchain/shared";

const root = fileURLToPath(new URL("..", import.meta.url));
const log = createLogger({ service: "start" });
const env = Deno.env.toObject();
const children: { name: string; proc: Deno.ChildProcess }[] = [];
let stopping = false;

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

async function waitReachable(host: string, port: number, what: string, timeoutMs = 30_000) {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await reachable(host, port)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${what} did not come up on ${host}:${port}`);
}

async function pipe(name: string, stream: ReadableStream<Uint8Array>, out: typeof Deno.stdout) {
  const prefix = new TextEncoder().encode(`[${name}] `.padEnd(14));
  let lineStart = true;
  for await (const chunk of stream) {
    // Prefix every line with the process name.
    const parts: Uint8Array[] = [];
    let from = 0;
    for (let i = 0; i < chunk.length; i++) {
      if (lineStart) {
        parts.push(prefix);
        lineStart = false;
      }
      if (chunk[i] === 10) {
        parts.push(chunk.subarray(from, i + 1));
        from = i + 1;
        lineStart = true;
      }
    }
    if (from < chunk.length) parts.push(chunk.subarray(from));
    for (const p of parts) await out.write(p);
  }
}

function spawn(name: string, cmd: string, args: string[], extraEnv: Record<string, string> = {}) {
  const proc = new Deno.Command(cmd, {
    args,
    cwd: root,
    env: { ...env, ...extraEnv },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  children.push({ name, proc });
  pipe(name, proc.stdout, Deno.stdout).catch(() => {});
  pipe(name, proc.stderr, Deno.stderr).catch(() => {});
  proc.status.then((s) => {
    if (!stopping) {
      log.error("A process exited; stopping everything", { process: name, code: s.code });
      shutdown(1);
    }
  });
  return proc;
}

async function shutdown(code = 0) {
  if (stopping) return;
  stopping = true;
  for (const c of [...children].reverse()) {
    try {
      c.proc.kill("SIGTERM");
    } catch { /* already gone */ }
    await Promise.race([c.proc.status, new Promise((r) => setTimeout(r, 5_000))]);
  }
  Deno.exit(code);
}
Deno.addSignalListener("SIGINT", () => shutdown(0));
Deno.addSignalListener("SIGTERM", () => shutdown(0));

const deno = Deno.execPath();
/** The same permissions the containers run with (see Dockerfile and compose.yaml). */
const PERMISSIONS = ["--allow-net", "--allow-env", "--allow-read", "--allow-sys"];
const dataDir = env.PAINCHAIN_DATA_DIR ?? `${root}.data`;

// NATS: use NATS_URL if it answers, else start nats-server -js from PATH.
const natsUrl = env.NATS_URL ?? "nats://127.0.0.1:4222";
const nu = new URL(natsUrl.split(",")[0]!.replace(/^nats:/, "http:"));
if (!(await reachable(nu.hostname, Number(nu.port || 4222)))) {
  if (env.NATS_URL) {
    log.error("NATS_URL is set but NATS does not answer", { natsUrl });
    Deno.exit(1);
  }
  await Deno.mkdir(`${dataDir}/nats`, { recursive: true });
  try {
    spawn("nats", "nats-server", ["-js", "-a", "127.0.0.1", "-p", "4222", "-sd", `${dataDir}/nats`]);
  } catch {
    log.error(
      "NATS is not running and nats-server is not on PATH. Install it (apt-get install nats-server, or " +
        "https://github.com/nats-io/nats-server/releases) or set NATS_URL.",
    );
    Deno.exit(1);
  }
  await waitReachable("127.0.0.1", 4222, "nats-server");
}

// Postgres: DATABASE_URL, or embedded PGlite served over the wire protocol.
let databaseUrl = env.DATABASE_URL;
if (!databaseUrl) {
  const port = Number(env.PGLITE_PORT ?? "5433");
  spawn("pglite", deno, ["run", "-A", "dev/pglite.ts", String(port), `${dataDir}/pglite`]);
  await waitReachable("127.0.0.1", port, "embedded Postgres", 60_000);
  databaseUrl = `postgres://postgres@127.0.0.1:${port}/postgres`;
}

// The web bundle.
const build = await new Deno.Command(deno, { args: ["run", "-A", "web/build.ts"], cwd: root }).output();
if (!build.success) {
  log.warn("Web build failed; the gateway serves a placeholder", {
    stderr: new TextDecoder().decode(build.stderr),
  });
}

/** A secret from the environment, or one generated once and kept (mode 0600) under the data directory. */
async function persistentSecret(
  envValue: string | undefined,
  file: string,
  make: () => string,
  what: string,
) {
  if (envValue) return { value: envValue, file: null };
  const path = `${dataDir}/${file}`;
  try {
    return { value: (await Deno.readTextFile(path)).trim(), file: path };
  } catch {
    await Deno.mkdir(dataDir, { recursive: true });
    const value = make();
    await Deno.writeTextFile(path, `${value}\n`, { mode: 0o600 });
    log.info(`Generated ${what}`, { file: path });
    return { value, file: path };
  }
}
const randomBytes = (n: number) => crypto.getRandomValues(new Uint8Array(n));
// The key that seals connection secrets, and the admin token (sign-in and API).
const secretKey = (await persistentSecret(
  env.PAINCHAIN_SECRET_KEY,
  "secret.key",
  () => btoa(String.fromCharCode(...randomBytes(32))),
  "a key for connection secrets",
)).value;
const admin = await persistentSecret(
  env.PAINCHAIN_ADMIN_TOKEN,
  "admin.token",
  () => Array.from(randomBytes(24), (b) => b.toString(16).padStart(2, "0")).join(""),
  "an admin token",
);

const shared = { NATS_URL: natsUrl, DATABASE_URL: databaseUrl, PAINCHAIN_SECRET_KEY: secretKey };
// The store keeps V8's young generation small: its batches are short-lived garbage.
spawn("store", deno, ["run", ...PERMISSIONS, "--v8-flags=--max-semi-space-size=4", "store/main.ts"], shared);
const port = env.PORT ?? "8000";
spawn("gateway", deno, ["run", ...PERMISSIONS, "gateway/main.ts"], {
  ...shared,
  PORT: port,
  PAINCHAIN_ADMIN_TOKEN: admin.value,
});
for await (const e of Deno.readDir(`${root}connectors`)) {
  if (!e.isDirectory) continue;
  try {
    await Deno.stat(`${root}connectors/${e.name}/main.ts`);
  } catch {
    continue;
  }
  spawn(e.name, deno, ["run", ...PERMISSIONS, `connectors/${e.name}/main.ts`], {
    NATS_URL: natsUrl,
    CONNECTOR_HOST: "127.0.0.1",
    PAINCHAIN_SECRET_KEY: secretKey,
  });
}
await waitReachable("127.0.0.1", Number(port), "gateway", 60_000);
log.info(`PainChain is up: open http://localhost:${port}`, { dashboard: `http://localhost:${port}` });
if (admin.file) log.info(`Sign in with the admin token in ${admin.file}`, { file: admin.file });
else log.info("Sign in with PAINCHAIN_ADMIN_TOKEN");
