/**
 * `deno task test` (the whole suite, as CI runs it) and its tiers:
 *   deno task test:unit         no services; seconds
 *   deno task test:integration  NATS and Postgres
 *   deno task test:system       whole stacks, browsers, fault injection
 * Tests that need a Debian package (chromium, kubectl, docker-compose, curl) get it installed first when this runs
 * as root with apt; otherwise they are skipped, each skip saying what is missing. Extra arguments go to `deno test`.
 */
import { type Tool, TOOLS } from "@painchain/testing/tools";

type Tier = "unit" | "integration" | "system";
const root = new URL("..", import.meta.url).pathname;
const tier = (["unit", "integration", "system"] as const).find((t) => Deno.args[0] === t);
const passthrough = tier ? Deno.args.slice(1) : Deno.args;
const say = (s: string) => Deno.stdout.writeSync(new TextEncoder().encode(`${s}\n`));

/** Whole stacks, browsers and fault injection. */
const SYSTEM = new Set([
  "tests/a11y_test.ts",
  "tests/browser_test.ts",
  "tests/cluster_test.ts",
  "tests/compose_test.ts",
  "tests/demo_test.ts",
  "tests/fault_test.ts",
  "tests/gateways_test.ts",
  "tests/incident_catalog_test.ts",
  "tests/incident_mode_test.ts",
  "tests/nats_restart_test.ts",
  "tests/new_connector_test.ts",
  "tests/poll_once_test.ts",
  "tests/replicas_test.ts",
  "tests/sandbox_test.ts",
  "tests/stack_test.ts",
]);
/** What makes a test file need NATS or Postgres. */
const SERVICES =
  /createTestNats|createTestDb|startPipeline|serviceTest|natsTest|pipelineTest|gatewayFixture|startService|startStack|NATS_URL/;

async function testFiles(): Promise<Record<Tier, string[]>> {
  const out: Record<Tier, string[]> = { unit: [], integration: [], system: [] };
  const walk = async (dir: string) => {
    for await (const e of Deno.readDir(`${root}${dir}`)) {
      const path = dir ? `${dir}/${e.name}` : e.name;
      if (e.isDirectory) {
        if (!["node_modules", ".git", ".data", "dist"].includes(e.name)) await walk(path);
      } else if (e.name.endsWith("_test.ts") || e.name.endsWith("_test.tsx")) {
        // Beside the code: unit tests, unless they open NATS or Postgres. Under tests/: cross-service tests.
        if (SYSTEM.has(path)) out.system.push(path);
        else if (path.startsWith("tests/") || SERVICES.test(await Deno.readTextFile(`${root}${path}`))) {
          out.integration.push(path);
        } else out.unit.push(path);
      }
    }
  };
  await walk("");
  for (const t of Object.values(out)) t.sort();
  return out;
}

function have(tool: string): boolean {
  return new Deno.Command("sh", { args: ["-c", `command -v ${tool}`], stdout: "null", stderr: "null" })
    .outputSync()
    .success;
}

/** Installs missing Debian packages when root with apt-get; returns what is still missing. */
async function ensureTools(): Promise<string[]> {
  const missing = (Object.keys(TOOLS) as Tool[]).filter((t) => !have(t));
  if (missing.length === 0) return [];
  const isRoot = Deno.uid?.() === 0;
  if (isRoot && have("apt-get")) {
    say(`Installing ${missing.join(", ")} (Debian packages the tests use)…`);
    const env = { ...Deno.env.toObject(), DEBIAN_FRONTEND: "noninteractive" };
    await new Deno.Command("apt-get", { args: ["update", "-qq"], env, stdout: "null", stderr: "null" })
      .output();
    const r = await new Deno.Command("apt-get", {
      args: ["install", "-y", "-qq", ...missing],
      env,
      stdout: "null",
      stderr: "piped",
    }).output();
    if (!r.success) {
      say(`Could not install them: ${new TextDecoder().decode(r.stderr).trim().split("\n").pop()}`);
    }
  }
  const still = missing.filter((t) => !have(t));
  for (const t of still) say(`SKIP: tests that need ${t} are skipped (${TOOLS[t as Tool]})`);
  return still;
}

const files = await testFiles();
const tiers: Tier[] = tier ? [tier] : ["unit", "integration", "system"];
const missing = tier === "unit" ? [] : await ensureTools();
const selected = tiers.flatMap((t) => files[t]);
say(`Running ${selected.length} test files (${tiers.join(", ")})`);
const child = new Deno.Command(Deno.execPath(), {
  args: ["test", "-A", ...passthrough, ...selected],
  cwd: root,
  stdout: "piped",
  stderr: "inherit",
}).spawn();
let summary = "";
const dec = new TextDecoder();
for await (const chunk of child.stdout) {
  Deno.stdout.writeSync(chunk);
  const text = dec.decode(chunk);
  // deno-lint-ignore no-control-regex -- colour codes around Deno's summary line
  const m = /^(?:ok|FAILED) \| .*$/m.exec(text.replace(/\x1b\[[0-9;]*m/g, ""));
  if (m) summary = m[0];
}
const status = await child.status;
const num = (re: RegExp) => Number(re.exec(summary)?.[1] ?? 0);
if (summary) {
  say(
    `\n${num(/(\d+) passed/)} passed, ${num(/(\d+) failed/)} failed, ${num(/(\d+) ignored/)} skipped` +
      (missing.length ? ` (missing: ${missing.join(", ")})` : ""),
  );
}
Deno.exit(status.code);
