/**
 * The service catalog: rules that say which service, environment and team a change belongs to when the change does
 * not say so itself. A rule matches on what a change carries (connector, repository or project, namespace,
 * cluster, image, tag, subject; `*` is a wildcard) and sets any of service, environment and team. The first
 * matching rule that sets a value wins; what a change declares itself always wins over the catalog.
 */
import { createHash } from "node:crypto";
import { z } from "zod";

const pattern = z.string().trim().min(1).max(200);
const label = z.string().trim().min(1).max(100);

export const catalogRuleSchema = z.object({
  /** What to match; every given field must match (glob with `*`), and at least one must be given. */
  match: z.object({
    connector: pattern.optional(),
    repository: pattern.optional(),
    namespace: pattern.optional(),
    cluster: pattern.optional(),
    image: pattern.optional(),
    tag: pattern.optional(),
    subject: pattern.optional(),
  }).strict().refine((m) => Object.values(m).some(Boolean), "Give at least one thing to match"),
  service: label.optional(),
  environment: label.optional(),
  team: label.optional(),
}).strict().refine(
  (r) => r.service || r.environment || r.team,
  "A rule sets a service, an environment or a team",
);
export type CatalogRule = z.output<typeof catalogRuleSchema>;

export const catalogSchema = z.object({ rules: z.array(catalogRuleSchema).max(2000) }).strict();
export type Catalog = z.output<typeof catalogSchema>;

/** What a change carries that rules can match. */
export interface ChangeFacts {
  connector: string;
  subject: string | null;
  tags: string[];
  refs: string[];
  metadata: Record<string, unknown>;
}

export interface Derived {
  service: string;
  environment: string;
  team: string;
}

const globCache = new Map<string, RegExp>();
function glob(p: string): RegExp {
  let re = globCache.get(p);
  if (!re) {
    re = new RegExp(`^${p.split("*").map((s) => s.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*")}$`, "i");
    if (globCache.size > 10_000) globCache.clear();
    globCache.set(p, re);
  }
  return re;
}

const str = (v: unknown) => (typeof v === "string" && v ? v : null);

/** The values a rule field is matched against, from a change's refs, tags and metadata. */
export function factsOf(c: ChangeFacts): Record<keyof CatalogRule["match"], string[]> {
  const refs = (prefix: string) =>
    c.refs.filter((r) => r.startsWith(prefix)).map((r) => r.slice(prefix.length));
  const tagged = (prefix: string) =>
    c.tags.filter((t) => t.startsWith(prefix)).map((t) => t.slice(prefix.length));
  const m = c.metadata;
  const one = (...vs: unknown[]) => vs.map(str).filter((v): v is string => v !== null);
  return {
    connector: [c.connector],
    repository: [...new Set([...refs("repo:"), ...one(m.repository, m.project)])],
    namespace: [...new Set([...one(m.namespace), ...tagged("namespace:")])],
    cluster: [...new Set([...one(m.cluster), ...tagged("cluster:")])],
    image: refs("image:"),
    tag: c.tags,
    subject: one(c.subject),
  };
}

export function ruleMatches(rule: CatalogRule, facts: ReturnType<typeof factsOf>): boolean {
  for (const [field, p] of Object.entries(rule.match) as [keyof CatalogRule["match"], string | undefined][]) {
    if (!p) continue;
    const re = glob(p);
    if (!facts[field].some((v) => re.test(v))) return false;
  }
  return true;
}

/** Service, environment and team: declared values first, then the first matching rule that sets each. */
export function derive(
  catalog: Catalog,
  c: ChangeFacts,
  declared: { service: string; environment: string },
): Derived {
  const out: Derived = { service: declared.service, environment: declared.environment, team: "" };
  if (catalog.rules.length === 0) return out;
  const facts = factsOf(c);
  for (const r of catalog.rules) {
    if ((out.service || !r.service) && (out.environment || !r.environment) && (out.team || !r.team)) continue;
    if (!ruleMatches(r, facts)) continue;
    if (!out.service && r.service) out.service = r.service;
    if (!out.environment && r.environment) out.environment = r.environment;
    if (!out.team && r.team) out.team = r.team;
    if (out.service && out.environment && out.team) break;
  }
  return out;
}

/** A short, stable version of a catalog (rows remember which one derived them). */
export function catalogVersion(c: Catalog): number {
  if (c.rules.length === 0) return 0;
  return (createHash("sha256").update(JSON.stringify(c.rules)).digest().readUInt32BE(0) & 0x7fffffff) || 1;
}

/** The catalog in KV: rules given as code (`file`, written by the store from PAINCHAIN_CATALOG_FILE) and rules
 * edited through the API or Settings (`api`); the file's come first. */
export const CATALOG_KEYS = { file: "file", api: "api" } as const;

export interface StoredCatalog {
  rules: CatalogRule[];
  updatedAt: string;
  updatedBy: string;
}

export function effectiveCatalog(file: StoredCatalog | null, api: StoredCatalog | null): Catalog {
  return { rules: [...(file?.rules ?? []), ...(api?.rules ?? [])] };
}
