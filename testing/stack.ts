/** Starts the stack with `deno task start` as a real user would, on free ports and an isolated prefix. */
import { fileURLToPath } from "node:url";
import { stopChild } from "./child.ts";
import { freePort, NATS_URL, randomSuffix, waitFor } from "./helpers.ts";

export const ROOT = fileURLToPath(new URL("..", import.meta.url));

export interface Proc {
  proc: Deno.ChildProcess;
  output: () => string;
  stop(): Promise<void>;
}

export function spawnProc(args: string[], env: Record<string, string>): Proc {
  const proc = new Deno.Command(Deno.execPath(), {
    args,
    cwd: ROOT,
    env: { ...env },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let out = "";
  const collect = async (s: ReadableStream<Uint8Array>) => {
    const dec = new TextDecoder();
    for await (const chunk of s) out += dec.decode(chunk, { stream: true });
  };
  const done = Promise.all([collect(proc.stdout), collect(proc.stderr)]);
  return {
    proc,
    output: () => out,
    async stop() {
      await stopChild(proc, 15_000);
      await done;
    },
  };
}

export interface Stack {
  url: string;
  prefix: string;
  /** The key sealing connection secrets; connectors started beside the stack need it. */
  secretKey: string;
  /** The admin token the stack was started with. */
  adminToken: string;
  /** fetch() of a path on the gateway, as the admin. */
  api(path: string, init?: RequestInit): Promise<Response>;
  proc: Proc;
  stop(): Promise<void>;
}

export async function startStack(env: Record<string, string>): Promise<Stack> {
  const port = freePort();
  const prefix = `s_${randomSuffix()}`;
  const secretKey = btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(32))));
  const adminToken = env.PAINCHAIN_ADMIN_TOKEN ?? `admin-${randomSuffix()}-${randomSuffix()}`;
  const proc = spawnProc(["task", "start", "--verbose"], {
    ...Deno.env.toObject(),
    NATS_URL,
    PAINCHAIN_PREFIX: prefix,
    PORT: String(port),
    HEARTBEAT_MS: "1000",
    PAINCHAIN_SECRET_KEY: secretKey,
    PAINCHAIN_ADMIN_TOKEN: adminToken,
    ...env,
  });
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitFor(
      async () => {
        try {
          const res = await fetch(`${url}/api/health`);
          await res.body?.cancel();
          return res.ok;
        } catch {
          return false;
        }
      },
      120_000,
      "gateway health",
    );
  } catch (err) {
    await proc.stop();
    throw new Error(`${(err as Error).message}\n${proc.output().slice(-4000)}`);
  }
  const api = (path: string, init: RequestInit = {}) => {
    const headers = new Headers(init.headers);
    if (!headers.has("authorization")) headers.set("authorization", `Bearer ${adminToken}`);
    return fetch(`${url}${path}`, { ...init, headers });
  };
  return { url, prefix, secretKey, adminToken, api, proc, stop: () => proc.stop() };
}

/** Starts the test-only connector (testing/fixtures/fake_connector) beside a stack, with its prefix and key. */
export function startFakeConnector(stack: Stack): Proc {
  return spawnProc(["run", "-A", "testing/fixtures/fake_connector/main.ts"], {
    ...Deno.env.toObject(),
    NATS_URL,
    PAINCHAIN_PREFIX: stack.prefix,
    CONNECTOR_HOST: "127.0.0.1",
    HEARTBEAT_MS: "1000",
    PAINCHAIN_SECRET_KEY: stack.secretKey,
  });
}
