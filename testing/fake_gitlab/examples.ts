/** GitLab objects shaped as in GitLab's API documentation (testdata/), for the fake and the connector's tests. */
import type { Json } from "../json.ts";

const TESTDATA = new URL("./testdata/", import.meta.url);
const cache = new Map<string, Json>();

/** testdata/<name>.json, deep-copied so callers may change it. */
export function gitlabExample(name: string): Json {
  if (!cache.has(name)) cache.set(name, JSON.parse(Deno.readTextFileSync(new URL(`${name}.json`, TESTDATA))));
  return structuredClone(cache.get(name));
}
