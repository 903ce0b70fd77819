/** Response examples from GitHub's official OpenAPI description (npm:@octokit/openapi). */
import { fileURLToPath } from "node:url";

const SPEC = fileURLToPath(
  new URL("../../node_modules/@octokit/openapi/generated/api.github.com.json", import.meta.url),
);

export type { Json } from "../json.ts";
import type { Json } from "../json.ts";

let cached: Record<string, Json> | null = null;

/** `components.examples[name].value`, deep-copied so callers may change it. */
export async function example(name: string): Promise<Json> {
  if (!cached) {
    const spec = JSON.parse(await Deno.readTextFile(SPEC));
    cached = {};
    for (const [k, v] of Object.entries(spec.components.examples as Record<string, { value: Json }>)) {
      cached[k] = v.value;
    }
  }
  const v = cached[name];
  if (v === undefined) throw new Error(`No example "${name}" in the GitHub OpenAPI description`);
  return structuredClone(v);
}
