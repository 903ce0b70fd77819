/** Connections as code: a YAML or JSON file holding a list (or a `connections:` list). */
import { parse as parseYaml } from "yaml";
import { type Connection, connectionSchema } from "../connection.ts";

export async function loadConnectionsFile(path: string, connector: string): Promise<Connection[]> {
  const raw = parseYaml(await Deno.readTextFile(path));
  const list = Array.isArray(raw) ? raw : raw?.connections ?? [];
  const stamp = new Date().toISOString();
  return (list as Record<string, unknown>[])
    .filter((c) => (c.connector ?? connector) === connector)
    .map((c) => {
      // References (env:NAME, file:/path) stay as they are and are resolved at each use.
      const secrets: Record<string, string> = {};
      for (const [k, v] of Object.entries((c.secrets ?? {}) as Record<string, string>)) {
        secrets[k] = String(v);
      }
      return connectionSchema.parse({
        enabled: true,
        pollInterval: 300,
        tags: [],
        config: {},
        createdAt: stamp,
        updatedAt: stamp,
        ...c,
        connector,
        secrets,
      });
    });
}
