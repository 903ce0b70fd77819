/**
 * Field-level diffs of Kubernetes specs. Lists of named items (containers, env, ports, volumes) are matched by
 * name, so a diff reads `spec.template.spec.containers[web].image`, not an index that shifts.
 */
import { createHash } from "node:crypto";
import { canonicalJson } from "@painchain/shared";

export interface FieldChange {
  path: string;
  before: unknown;
  after: unknown;
}

/** Always left out: what controllers and the API server write, not people. */
export const DEFAULT_IGNORE = [
  "status",
  "metadata.managedFields",
  "metadata.resourceVersion",
  "metadata.generation",
];

const MAX_CHANGES = 100;
const MAX_VALUE = 500;

const isObject = (v: unknown): v is Record<string, unknown> =>
  !!v && typeof v === "object" && !Array.isArray(v);
const named = (v: unknown): v is { name: string }[] =>
  Array.isArray(v) && v.length > 0 && v.every((x) => isObject(x) && typeof x.name === "string");

function flatten(value: unknown, path: string, out: Map<string, unknown>) {
  if (isObject(value)) {
    const keys = Object.keys(value);
    if (keys.length === 0 && path) out.set(path, {});
    for (const k of keys) flatten(value[k], path ? `${path}.${k}` : k, out);
  } else if (named(value)) {
    for (const item of value) flatten(item, `${path}[${item.name}]`, out);
  } else {
    out.set(path, value);
  }
}

export function ignored(path: string, ignore: string[]): boolean {
  return ignore.some((p) => path === p || path.startsWith(`${p}.`) || path.startsWith(`${p}[`));
}

function clip(v: unknown): unknown {
  if (v === undefined) return null;
  const s = JSON.stringify(v);
  return s && s.length > MAX_VALUE ? `${s.slice(0, MAX_VALUE)}…` : v;
}

/** The changed leaves between two values, each with its path, before and after; ignored paths left out. */
export function diffObjects(
  before: unknown,
  after: unknown,
  ignore: string[] = [],
  root = "",
): FieldChange[] {
  const a = new Map<string, unknown>();
  const b = new Map<string, unknown>();
  flatten(before ?? {}, root, a);
  flatten(after ?? {}, root, b);
  const out: FieldChange[] = [];
  for (const path of [...new Set([...a.keys(), ...b.keys()])].sort()) {
    if (ignored(path, ignore)) continue;
    if (canonicalJson(a.get(path)) === canonicalJson(b.get(path))) continue;
    out.push({ path, before: clip(a.get(path)), after: clip(b.get(path)) });
    if (out.length >= MAX_CHANGES) break;
  }
  return out;
}

export function hashOf(value: unknown, salt = ""): string {
  return createHash("sha256").update(salt).update(canonicalJson(value)).digest("hex").slice(0, 16);
}
