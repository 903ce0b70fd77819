/**
 * Good, bad or in between: the colour a status, an environment, a connection pill or a diff cell is shown in
 * (`.tone-*` in list.css).
 */
import { envKind } from "./place.ts";

export type Tone = "ok" | "bad" | "warn";

const STATUSES: [Tone, Set<string>][] = [
  ["ok", new Set(["merged", "success", "created", "enabled", "completed", "published", "pushed"])],
  ["bad", new Set(["failed", "failure", "deleted", "error", "closed", "canceled", "cancelled", "disabled"])],
  ["warn", new Set(["running", "in_progress", "queued", "pending", "open", "updated", "draft"])],
];

/** A status as a class name: lower case, letters, digits, `_` and `-` only. */
export const statusSlug = (status: string): string => status.toLowerCase().replace(/[^a-z0-9_-]/g, "");

/** The tone of a change's status, or null for one with no colour of its own. */
export function statusTone(status: string): Tone | null {
  const slug = statusSlug(status);
  for (const [tone, names] of STATUSES) if (names.has(slug)) return tone;
  return null;
}

/** The class that gives a tone its colours. */
export const toneClass = (tone: Tone | null): string => tone ? `tone-${tone}` : "";

/** An environment's tone by its kind: production stands out as bad, staging as in between, dev as ok. */
export function envTone(env: string): Tone | null {
  const kind = envKind(env);
  return kind === "prod" ? "bad" : kind === "staging" ? "warn" : kind === "dev" ? "ok" : null;
}
