/** Filters and the URL: pure, so a link reproduces a view and the live stream applies the same rules. */
import { matchesSearch, parseSearch, searchText } from "@painchain/shared/search";
import type { ChangeEvent, Team } from "./api.ts";

export interface Filters {
  connector: string[];
  eventType: string[];
  status: string[];
  tag: string[];
  author: string[];
  service: string[];
  environment: string[];
  /** A team (id) from /api/teams: its tags. */
  team: string;
  q: string;
  range: string;
  from: string;
  to: string;
}

export const RANGES: Record<string, number> = {
  "15m": 15 * 60_000,
  "1h": 3600_000,
  "6h": 6 * 3600_000,
  "24h": 24 * 3600_000,
  "7d": 7 * 86400_000,
  "30d": 30 * 86400_000,
};

/** Filters that take several values (repeated in the URL and the API). */
export const LIST_KEYS = [
  "connector",
  "eventType",
  "status",
  "tag",
  "author",
  "service",
  "environment",
] as const;
export type ListKey = typeof LIST_KEYS[number];

export function filtersFromUrl(search: string): Filters {
  const p = new URLSearchParams(search);
  const lists = Object.fromEntries(LIST_KEYS.map((k) => [k, p.getAll(k)])) as Record<ListKey, string[]>;
  return {
    ...lists,
    team: p.get("team") ?? "",
    q: p.get("q") ?? "",
    range: p.get("range") ?? (p.get("from") ? "" : "24h"),
    from: p.get("from") ?? "",
    to: p.get("to") ?? "",
  };
}

/** The URL form (keeps `range`), or the API form (`range` resolved to from/to at `now`, a team to its tags). */
export function filtersToQuery(
  f: Filters,
  opts: { api?: boolean; teams?: Team[]; now?: number } = {},
): URLSearchParams {
  const p = new URLSearchParams();
  for (const k of LIST_KEYS) for (const v of f[k]) p.append(k, v);
  if (opts.api && f.team) {
    for (const t of opts.teams?.find((x) => x.id === f.team)?.tags ?? []) {
      if (!f.tag.includes(t)) p.append("tag", t);
    }
  } else if (f.team) p.set("team", f.team);
  if (f.q) p.set("q", f.q);
  if (f.range && RANGES[f.range]) {
    if (opts.api) {
      const to = new Date(opts.now ?? Date.now());
      p.set("from", new Date(to.getTime() - RANGES[f.range]!).toISOString());
      p.set("to", to.toISOString());
    } else p.set("range", f.range);
  } else {
    if (f.from) p.set("from", f.from);
    if (f.to) p.set("to", f.to);
  }
  return p;
}

/** How many filters narrow the view (the time range is not counted). */
export function activeFilters(f: Filters): number {
  return LIST_KEYS.reduce((n, k) => n + f[k].length, 0) + (f.q ? 1 : 0) + (f.team ? 1 : 0);
}

/** Every filter off; the time range stays. */
export function cleared(): Partial<Filters> {
  return { ...Object.fromEntries(LIST_KEYS.map((k) => [k, []])), q: "", team: "" };
}

/** Whether a live change belongs in the current view. */
export function matches(e: ChangeEvent, f: Filters, teamTags: string[] = [], now = Date.now()): boolean {
  if (f.connector.length && !f.connector.includes(e.connector)) return false;
  if (f.eventType.length && !f.eventType.includes(e.eventType)) return false;
  if (f.status.length && !f.status.includes(e.status)) return false;
  if (f.author.length && !f.author.includes(e.author)) return false;
  if (f.service.length && !f.service.includes(e.service)) return false;
  if (f.environment.length && !f.environment.includes(e.environment)) return false;
  const tags = [...f.tag, ...teamTags];
  if (tags.length && !e.tags.some((t) => tags.includes(t))) return false;
  if (f.q) {
    if (!matchesSearch(searchText(e), parseSearch(f.q))) return false;
  }
  // A fixed past window does not take live changes.
  if (!f.range && f.to && Date.parse(f.to) < now) return false;
  return true;
}

/** The distinct non-empty values of a field among changes, most frequent first (for filter suggestions). */
export function knownValues(list: ChangeEvent[], key: "service" | "environment", max = 50): string[] {
  const counts = new Map<string, number>();
  for (const e of list) if (e[key]) counts.set(e[key], (counts.get(e[key]) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, max).map(([v]) => v);
}
