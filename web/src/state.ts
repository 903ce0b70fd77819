/** UI state as module-level signals; filters mirror the URL so a link reproduces the view. */
import { computed, effect, signal } from "@preact/signals";
import {
  api,
  type ChangeEvent,
  type Connection,
  type ConnectorMeta,
  type Session,
  type Team,
  type Timeline,
} from "./api.ts";

export type View = "timeline" | "settings";

export interface Filters {
  connector: string[];
  eventType: string[];
  status: string[];
  tag: string[];
  author: string[];
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

const LIST_KEYS = ["connector", "eventType", "status", "tag", "author"] as const;
const PAGE = 200;

export function filtersFromUrl(search: string): Filters {
  const p = new URLSearchParams(search);
  return {
    connector: p.getAll("connector"),
    eventType: p.getAll("eventType"),
    status: p.getAll("status"),
    tag: p.getAll("tag"),
    author: p.getAll("author"),
    team: p.get("team") ?? "",
    q: p.get("q") ?? "",
    range: p.get("range") ?? (p.get("from") ? "" : "24h"),
    from: p.get("from") ?? "",
    to: p.get("to") ?? "",
  };
}

/** The URL form (keeps `range`), or the API form (`range` resolved to from/to now). */
export function filtersToQuery(f: Filters, opts: { api?: boolean; teams?: Team[] } = {}): URLSearchParams {
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
      const to = new Date();
      p.set("from", new Date(to.getTime() - RANGES[f.range]!).toISOString());
      p.set("to", to.toISOString());
    } else p.set("range", f.range);
  } else {
    if (f.from) p.set("from", f.from);
    if (f.to) p.set("to", f.to);
  }
  return p;
}

export const view = signal<View>(location.pathname.startsWith("/settings") ? "settings" : "timeline");
export const filters = signal<Filters>(filtersFromUrl(location.search));
export const metadata = signal<ConnectorMeta[]>([]);
export const metadataLoaded = signal(false);
export const metadataError = signal<string | null>(null);
export const events = signal<ChangeEvent[]>([]);
export const nextCursor = signal<string | null>(null);
export const loading = signal(false);
export const loadError = signal<string | null>(null);
export const timeline = signal<Timeline | null>(null);
export const selected = signal<ChangeEvent | null>(null);
export const pending = signal<ChangeEvent[]>([]);
export const connections = signal<Connection[]>([]);
export const teams = signal<Team[]>([]);
export const useUtc = signal(localStorage.getItem("painchain.utc") === "1");
export const theme = signal<"dark" | "light">(
  localStorage.getItem("painchain.theme") === "light" ? "light" : "dark",
);
export const density = signal(localStorage.getItem("painchain.density") === "1");
/** The time under the pointer, in the chart or the list, drawn as a line on the chart. */
export const hoverTime = signal<number | null>(null);
/** The chart bin under the pointer; matching cards are highlighted. */
export const hoverRange = signal<[number, number] | null>(null);

effect(() => {
  document.documentElement.dataset.theme = theme.value;
  localStorage.setItem("painchain.theme", theme.value);
});
effect(() => localStorage.setItem("painchain.density", density.value ? "1" : "0"));

export const metaById = computed(() => new Map(metadata.value.map((m) => [m.id, m])));

// --- Field visibility, per "connector.eventType", persisted in the browser. ---
const VIS_KEY = "painchain.visibility";
function readVisibility(): Record<string, Record<string, boolean>> {
  try {
    return JSON.parse(localStorage.getItem(VIS_KEY) ?? "{}");
  } catch {
    return {};
  }
}
export const visibility = signal(readVisibility());
export function setFieldVisible(type: string, key: string, visible: boolean) {
  visibility.value = { ...visibility.value, [type]: { ...visibility.value[type], [key]: visible } };
  localStorage.setItem(VIS_KEY, JSON.stringify(visibility.value));
}
export function resetVisibility(type: string) {
  const next = { ...visibility.value };
  delete next[type];
  visibility.value = next;
  localStorage.setItem(VIS_KEY, JSON.stringify(next));
}

export function apiQuery(): URLSearchParams {
  return filtersToQuery(filters.value, { api: true, teams: teams.value });
}

export function setFilters(next: Partial<Filters>) {
  filters.value = { ...filters.value, ...next };
  const qs = filtersToQuery(filters.value).toString();
  history.replaceState(null, "", `/${qs ? `?${qs}` : ""}`);
  void reload();
}

export function navigate(to: View) {
  view.value = to;
  history.pushState(null, "", to === "settings" ? "/settings" : `/?${filtersToQuery(filters.value)}`);
  if (to === "settings") void loadConnections();
  else void reload();
}

/** Who is signed in; null until /api/auth/me answered. */
export const session = signal<Session | null>(null);
/** The dashboard is usable: signed in, or reads are public. */
export const canRead = computed(() =>
  !!session.value && (session.value.authenticated || session.value.publicRead)
);
export const canWrite = computed(() =>
  !!session.value?.principal &&
  (session.value.principal.kind === "admin" || session.value.principal.scopes.includes("write"))
);
export const isAdmin = computed(() => session.value?.principal?.kind === "admin");

export async function loadSession() {
  try {
    session.value = await api.me();
  } catch (err) {
    metadataError.value = (err as Error).message;
    session.value = { authenticated: false, principal: null, publicRead: false };
  }
}

export async function loadMetadata() {
  try {
    metadata.value = await api.metadata();
    metadataError.value = null;
  } catch (err) {
    metadataError.value = (err as Error).message;
  } finally {
    metadataLoaded.value = true;
  }
}

export async function loadConnections() {
  connections.value = await api.connections();
}

export async function loadTeams() {
  teams.value = await api.teams().catch(() => []);
}

let generation = 0;
export async function reload() {
  const gen = ++generation;
  loading.value = true;
  loadError.value = null;
  pending.value = [];
  const qs = apiQuery();
  try {
    const [page, tl] = await Promise.all([api.events(`${qs}&limit=${PAGE}`), api.timeline(qs.toString())]);
    if (gen !== generation) return;
    events.value = page.events;
    nextCursor.value = page.nextCursor;
    timeline.value = tl;
  } catch (err) {
    if (gen === generation) loadError.value = (err as Error).message;
  } finally {
    if (gen === generation) loading.value = false;
  }
}

export async function loadMore() {
  if (!nextCursor.value || loading.value) return;
  const gen = generation;
  loading.value = true;
  const qs = apiQuery();
  qs.set("cursor", nextCursor.value);
  try {
    const page = await api.events(`${qs}&limit=${PAGE}`);
    if (gen !== generation) return;
    events.value = [...events.value, ...page.events];
    nextCursor.value = page.nextCursor;
  } catch (err) {
    loadError.value = (err as Error).message;
  } finally {
    if (gen === generation) loading.value = false;
  }
}

/** Whether a live change belongs in the current view. */
export function matches(e: ChangeEvent, f: Filters, teamTags: string[] = []): boolean {
  if (f.connector.length && !f.connector.includes(e.connector)) return false;
  if (f.eventType.length && !f.eventType.includes(e.eventType)) return false;
  if (f.status.length && !f.status.includes(e.status)) return false;
  if (f.author.length && !f.author.includes(e.author)) return false;
  const tags = [...f.tag, ...teamTags];
  if (tags.length && !e.tags.some((t) => tags.includes(t))) return false;
  if (f.q && !`${e.title} ${e.description} ${e.author}`.toLowerCase().includes(f.q.toLowerCase())) {
    return false;
  }
  // A fixed past window does not take live changes.
  if (!f.range && f.to && Date.parse(f.to) < Date.now()) return false;
  return true;
}

export function connectLive() {
  const source = new EventSource("/api/events/stream");
  source.addEventListener("change", (msg) => {
    const e = JSON.parse((msg as MessageEvent).data) as ChangeEvent;
    const teamTags = teams.value.find((t) => t.id === filters.value.team)?.tags ?? [];
    if (!matches(e, filters.value, teamTags)) return;
    const known = events.value.findIndex((x) => x.id === e.id);
    if (known >= 0) {
      // An update of a change already on screen is applied in place: the list does not jump.
      const copy = events.value.slice();
      copy[known] = { ...copy[known]!, ...e };
      events.value = copy;
      if (selected.value?.id === e.id) selected.value = copy[known]!;
      return;
    }
    pending.value = [e, ...pending.value.filter((x) => x.id !== e.id)];
  });
  return source;
}

export function showPending() {
  const ids = new Set(pending.value.map((e) => e.id));
  events.value = [...pending.value, ...events.value.filter((e) => !ids.has(e.id))]
    .sort((a, b) => (a.time < b.time ? 1 : a.time > b.time ? -1 : a.id < b.id ? 1 : -1));
  pending.value = [];
  void api.timeline(apiQuery().toString()).then((t) => (timeline.value = t));
}
