/** Where a change happened: its subject (repository, project, object), service and environment. */
import type { ChangeEvent } from "./api.ts";

export type EnvKind = "prod" | "staging" | "dev" | "other";

const KINDS: [EnvKind, Set<string>][] = [
  ["prod", new Set(["prod", "production", "prd", "live"])],
  ["staging", new Set(["staging", "stage", "stg", "preprod", "uat", "canary"])],
  ["dev", new Set(["dev", "development", "test", "testing", "qa", "sandbox", "local", "preview", "review"])],
];

/** Rough class of an environment name, by its words, for its colour: `eu-prod` is production. */
export function envKind(env: string): EnvKind {
  const words = env.toLowerCase().replace("pre-prod", "preprod").split(/[^a-z]+/).filter(Boolean);
  for (const [kind, names] of KINDS) if (words.some((w) => names.has(w))) return kind;
  return "other";
}

/** The subject of a change as a short place: `acme/checkout#12`, `shop/Deployment/checkout`; "" when none. */
export function whereOf(e: Pick<ChangeEvent, "subject">): string {
  return (e.subject ?? "").trim();
}
