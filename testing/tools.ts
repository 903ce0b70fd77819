/**
 * Tools some tests need beyond Deno, NATS and Postgres (Debian packages). `deno task test` installs them when it
 * runs as root with apt; otherwise the tests that need a missing one are skipped, each with one line saying what
 * is missing and how to get it.
 */
export const TOOLS = {
  "docker-compose": "apt-get install docker-compose",
  chromium: "apt-get install chromium",
  kubectl: "apt-get install kubectl",
  curl: "apt-get install curl",
  // More NATS servers than the one the suite runs on: a JetStream cluster on loopback (testing/nats_cluster.ts).
  "nats-server": "apt-get install nats-server",
} as const;
export type Tool = keyof typeof TOOLS;

const found = new Map<Tool, boolean>();

/** True when the tool is on PATH. */
export function haveTool(tool: Tool): boolean {
  if (!found.has(tool)) {
    let ok = false;
    try {
      ok = new Deno.Command("sh", { args: ["-c", `command -v ${tool}`], stdout: "null", stderr: "null" })
        .outputSync().success;
    } catch {
      ok = false;
    }
    found.set(tool, ok);
  }
  return found.get(tool)!;
}

/** `ignore` for Deno.test: true (and one line printed) when a tool is missing. */
export function skipWithout(...tools: Tool[]): boolean {
  const missing = tools.filter((t) => !haveTool(t));
  if (missing.length === 0) return false;
  // deno-lint-ignore no-console
  console.log(`SKIP: needs ${missing.join(", ")} (${missing.map((t) => TOOLS[t]).join("; ")})`);
  return true;
}
