/**
 * `deno task compose:flags`: writes the Deno permission flags of every service into compose.yaml, the store's and
 * gateway's in compose.cluster.yaml (which name three NATS nodes), and the Dockerfile's CMD, from dev/permissions.ts (run it after adding a variable to a service's config schema or a new
 * connector; tests/compose_test.ts fails until the files agree).
 */
import {
  COMPOSE_CLUSTER_PLACES,
  COMPOSE_PLACES,
  permissionFlags,
  type Service,
  v8Flags,
} from "./permissions.ts";

const root = new URL("../", import.meta.url);
const composePath = new URL("compose.yaml", root);
const clusterPath = new URL("compose.cluster.yaml", root);
const dockerfilePath = new URL("Dockerfile", root);

/** Replaces the `--allow…` (and `--v8-flags`) lines of the command that runs `entry`. */
function withFlags(compose: string, entry: string, flags: string[]): string {
  const escaped = entry.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const re = new RegExp(
    `(command: \\[\\n(\\s+)"deno",\\n\\s+"run",\\n)((?:\\s+"--allow[^\\n]*\\n)+)((?:\\s+"--v8[^\\n]*\\n)?\\s+"${escaped}",)`,
  );
  const m = re.exec(compose);
  if (!m) throw new Error(`compose.yaml: no deno command runs ${entry}`);
  const indent = m[2]!;
  const lines = flags.map((f) => `${indent}${JSON.stringify(f)},\n`).join("");
  const last = m[4]!.replace(/^\s+"--v8[^\n]*\n/, "");
  return compose.slice(0, m.index) + m[1] + lines + last + compose.slice(m.index + m[0].length);
}

let compose = await Deno.readTextFile(composePath);
const entries: [string, Service, string?][] = [["store/main.ts", "store"], ["gateway/main.ts", "gateway"]];
for (const m of compose.matchAll(/"connectors\/([a-z0-9_-]+)\/main\.ts"/g)) {
  entries.push([`connectors/${m[1]}/main.ts`, "connector", m[1]]);
}
for (const [entry, service, connector] of entries) {
  const flags = [...permissionFlags(service, COMPOSE_PLACES, connector), ...v8Flags(service, connector)];
  compose = withFlags(compose, entry, flags);
}
await Deno.writeTextFile(composePath, compose);

let cluster = await Deno.readTextFile(clusterPath);
for (const [entry, service] of entries.filter(([, s]) => s !== "connector")) {
  cluster = withFlags(cluster, entry, [
    ...permissionFlags(service, COMPOSE_CLUSTER_PLACES),
    ...v8Flags(service),
  ]);
}
await Deno.writeTextFile(clusterPath, cluster);

const flags = permissionFlags("gateway", COMPOSE_PLACES);
const cmd = `CMD ${JSON.stringify(["deno", "run", ...flags, "gateway/main.ts"]).replaceAll('","', '", "')}`;
const dockerfile = await Deno.readTextFile(dockerfilePath);
await Deno.writeTextFile(dockerfilePath, dockerfile.replace(/^CMD \["deno", "run".*$/m, cmd));
// deno-lint-ignore no-console
console.log(
  `compose.yaml, compose.cluster.yaml and Dockerfile: permissions of ${entries.length} services written`,
);
