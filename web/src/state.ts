/** UI state as module-level signals; filters mirror the URL so a link reproduces the view. */
import { computed, signal } from "@preact/signals";
import { api, type ChangeEvent, type Connection, type ConnectorMeta, type Timeline } from "./api.ts";

export type View = "timeline" | "settings";

export interface Filters {
  connector: string[];
  eventType: string[];
  status: string[];
  tag: string[];
  author: string[];
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

export function filtersFromUrl(search: string): Filters {
  const p = new URLSearchParams(search);
  return {
    connector: p.getAll("connector"),
    eventType: p.getAll("eventType"),
    status: p.getAll("status"),
    tag: p.getAll("tag"),
    author: p.getAll("author"),
    q: p.get("q") ?? "",
    range: p.get("range") ?? (p.get("from") ? "" : "24h"),
    from: p.get("from") ?? "",
    to: p.get("to") ?? "",
  };
}

export function filtersToQuery(f: Filters, opts: { resolveRange?: boolean } = {}): URLSearchParams {
  const p = new URLSearchParams();
  for (const k of LIST_KEYS) for (const v of f[k]) p.append(k, v);
  if (f.q) p.set("q", f.q);
  if (opts.resolveRange && f.range && RANGES[f.range]) {
    const to = new Date();
    p.set("from", new Date(to.getTime() - RANGES[f.range]!).toISOString());
    p.set("to", to.toISOString());
  } else if (f.range && !opts.resolveRange) p.set("range", f.range);
  else {
    if (f.from) p.set("from", f.from);
    if (f.to) p.set("to", f.to);
  }
  return p;
}

export const view = signal<View>(location.pathname.startsWith("/settings") ? "settings" : "timeline");
export const filters = signal<Filters>(filtersFromUrl(location.search));
export const metadata = signal<ConnectorMeta[]>([]);
export const metadataError = signal<string | null>(null);
export const events = signal<ChangeEvent[]>([]);
export const nextCursor = signal<string | null>(null);
export const loading = signal(false);
export const loadError = signal<string | null>(null);
export const timeline = signal<Timeline | null>(null);
export const selected = signal<ChangeEvent | null>(null);
export const pending = signal<ChangeEvent[]>([]);
export const connections = signal<Connection[]>([]);
export const useUtc = signal(localStorage.getItem("painchain.utc") === "1");

export const metaById = computed(() => new Map(metadata.value.map((m) => [m.id, m])));

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
}

export async function loadMetadata() {
  try {
    metadata.value = await api.metadata();
    metadataError.value = null;
  } catch (err) {
    metadataError.value = (err as Error).message;
  }
}

export async function loadConnections() {
  connections.value = await api.connections();
}

let generation = 0;
export async function reload() {
  const gen = ++generation;
  loading.value = true;
  loadError.value = null;
  pending.value = [];
  const qs = filtersToQuery(filters.value, { resolveRange: true });
  try {
    const [page, tl] = await Promise.all([api.events(`${qs}&limit=100`), api.timeline(qs.toString())]);
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
  loading.value = true;
  const qs = filtersToQuery(filters.value, { resolveRange: true });
  qs.set("cursor", nextCursor.value);
  try {
    const page = await api.events(`${qs}&limit=100`);
    events.value = [...events.value, ...page.events];
    nextCursor.value = page.nextCursor;
  } finally {
    loading.value = false;
  }
}

/** Whether a live change belongs in the current view. */
export function matches(e: ChangeEvent, f: Filters): boolean {
  if (f.connector.length && !f.connector.includes(e.connector)) return false;
  if (f.eventType.length && !f.eventType.includes(e.eventType)) return false;
  if (f.status.length && !f.status.includes(e.status)) return false;
  if (f.author.length && !f.author.includes(e.author)) return false;
  if (f.tag.length && !e.tags.some((t) => f.tag.includes(t))) return false;
  if (f.q && !`${e.title} ${e.description} ${e.author}`.toLowerCase().includes(f.q.toLowerCase())) {
    return false;
  }
  if (!f.range && f.to) return false;
  return true;
}

export function connectLive() {
  const source = new EventSource("/api/events/stream");
  source.addEventListener("change", (msg) => {
    const e = JSON.parse((msg as MessageEvent).data) as ChangeEvent;
    if (!matches(e, filters.value)) return;
    const known = events.value.findIndex((x) => x.id === e.id);
    if (known >= 0) {
      // An update of a change already on screen is applied in place.
      const copy = events.value.slice();
      copy[known] = { ...copy[known]!, ...e };
      events.value = copy;
      return;
    }
    pending.value = [e, ...pending.value.filter((x) => x.id !== e.id)];
  });
  return source;
}

export function showPending() {
  const ids = new Set(pending.value.map((e) => e.id));
  events.value = [...pending.value, ...events.value.filter((e) => !ids.has(e.id))];
  pending.value = [];
  void api.timeline(filtersToQuery(filters.value, { resolveRange: true }).toString()).then((t) =>
    timeline.value = t
  );
}
