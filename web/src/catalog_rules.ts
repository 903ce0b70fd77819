/**
 * Service catalog rules as Settings edits them: a form's strings to a rule and back, checked as the API checks
 * them (shared/catalog.ts), and moved up or down (order matters: the first matching rule that sets a value wins).
 */
import type { CatalogRule } from "./api.ts";

export type MatchField = keyof CatalogRule["match"];
export type SetField = "service" | "environment" | "team";

/** What a rule can match on, as the catalog reads it from a change. */
export const MATCH_FIELDS: { key: MatchField; label: string; example: string }[] = [
  { key: "connector", label: "Connector", example: "github" },
  { key: "repository", label: "Repository or project", example: "acme/checkout" },
  { key: "namespace", label: "Namespace", example: "shop" },
  { key: "cluster", label: "Cluster", example: "eu-*" },
  { key: "image", label: "Image", example: "registry.acme.dev/checkout:*" },
  { key: "tag", label: "Tag", example: "team-checkout" },
  { key: "subject", label: "Subject", example: "shop/Deployment/checkout" },
];

export const SET_FIELDS: { key: SetField; label: string; example: string }[] = [
  { key: "service", label: "Service", example: "checkout" },
  { key: "environment", label: "Environment", example: "production" },
  { key: "team", label: "Team", example: "team-checkout" },
];

export interface RuleDraft {
  match: Record<MatchField, string>;
  service: string;
  environment: string;
  team: string;
}

export function emptyDraft(): RuleDraft {
  return {
    match: Object.fromEntries(MATCH_FIELDS.map((f) => [f.key, ""])) as Record<MatchField, string>,
    service: "",
    environment: "",
    team: "",
  };
}

export function draftOf(r: CatalogRule): RuleDraft {
  const d = emptyDraft();
  for (const f of MATCH_FIELDS) d.match[f.key] = r.match[f.key] ?? "";
  for (const f of SET_FIELDS) d[f.key] = r[f.key] ?? "";
  return d;
}

/** The rule a form makes, or what is wrong with it (the API's limits: patterns ≤ 200, names ≤ 100 characters). */
export function ruleOf(d: RuleDraft): { rule: CatalogRule } | { error: string } {
  const match: CatalogRule["match"] = {};
  for (const f of MATCH_FIELDS) {
    const v = d.match[f.key].trim();
    if (v.length > 200) return { error: `${f.label}: at most 200 characters` };
    if (v) match[f.key] = v;
  }
  if (Object.keys(match).length === 0) return { error: "Give at least one thing to match" };
  const rule: CatalogRule = { match };
  for (const f of SET_FIELDS) {
    const v = d[f.key].trim();
    if (v.length > 100) return { error: `${f.label}: at most 100 characters` };
    if (v) rule[f.key] = v;
  }
  if (!rule.service && !rule.environment && !rule.team) {
    return { error: "A rule sets a service, an environment or a team" };
  }
  return { rule };
}

/** The list with item `i` moved by `delta` places (clamped to the ends). */
export function moved<T>(list: T[], i: number, delta: number): T[] {
  const j = Math.max(0, Math.min(list.length - 1, i + delta));
  if (i === j || i < 0 || i >= list.length) return list;
  const out = list.slice();
  const [x] = out.splice(i, 1);
  out.splice(j, 0, x!);
  return out;
}

/** "repository acme/checkout, connector github" */
export function describeMatch(r: CatalogRule): string {
  return MATCH_FIELDS.filter((f) => r.match[f.key]).map((f) => `${f.label.toLowerCase()} ${r.match[f.key]}`)
    .join(", ");
}

/** "service checkout, team team-checkout" */
export function describeSets(r: CatalogRule): string {
  return SET_FIELDS.filter((f) => r[f.key]).map((f) => `${f.label.toLowerCase()} ${r[f.key]}`).join(", ");
}

/** Whether two rule lists say the same (to know if there is something to save). */
export function sameRules(a: CatalogRule[], b: CatalogRule[]): boolean {
  return JSON.stringify(a.map(normal)) === JSON.stringify(b.map(normal));
}

function normal(r: CatalogRule) {
  return {
    match: Object.fromEntries(MATCH_FIELDS.filter((f) => r.match[f.key]).map((f) => [f.key, r.match[f.key]])),
    ...Object.fromEntries(SET_FIELDS.filter((f) => r[f.key]).map((f) => [f.key, r[f.key]])),
  };
}
