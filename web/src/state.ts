/** UI state as module-level signals; filters mirror the URL so a link reproduces the view. */
import { computed, effect, signal } from "@preact/signals";
import {
  api,
  ApiError,
  type Chain,
  type ChangeEvent,
  type Connection,
  type ConnectorMeta,
  type Facets,
  type Gap,
  type Session,
  type Team,
  type Timeline,
} from "./api.ts";
import { connectorCss } from "./colors.ts";
import { countLive, type LiveChange, mergeNewest } from "./live.ts";
import { density, theme, writePref } from "./prefs.ts";
import { incidentUrl, runInvestigation } from "./investigation.ts";
import { type Filters, filtersFromUrl, filtersToQuery, matches } from "./query.ts";

export { density, theme, useUtc } from "./prefs.ts";
export { type Filters, filtersFromUrl, filtersToQuery, RANGES } from "./query.ts";

/** The screens: the timeline, incident mode, Settings and its service catalog. */
export type View = "timeline" | "investigate" | "settings" | "catalog";

const PAGE = 200;

export function viewOf(path: string): View {
  if (path.startsWith("/investigate")) return "investigate";
  if (path.startsWith("/settings/catalog")) return "catalog";
  if (path.startsWith("/settings")) return "settings";
  return "timeline";
}

export const view = signal<View>(viewOf(location.pathname));
/** The timeline's filters; another screen's query (incident mode's service, say) is not the timeline's. */
export const filters = signal<Filters>(filtersFromUrl(view.value === "timeline" ? location.search : ""));
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
/** The change whose card has the keyboard focus (the list's one tab stop). */
export const focusedChange = signal<string | null>(null);
export const connections = signal<Connection[]>([]);
export const teams = signal<Team[]>([]);
/** The time under the pointer, in the chart or the list, drawn as a line on the chart. */
export const hoverTime = signal<number | null>(null);
/** The chart bin under the pointer; matching cards are highlighted. */
export const hoverRange = signal<[number, number] | null>(null);
/** When PainChain was not watching, within the timeline's range (GET /api/coverage). */
export const coverage = signal<Gap[]>([]);
/** Coverage was read for the range shown (an empty list then means every connection was watched). */
export const coverageKnown = signal(false);
/** Every service, environment and team on record, for suggestions (GET /api/facets). */
export const facets = signal<Facets>({ services: [], environments: [], teams: [] });

/** Narrow windows show the detail panel as an overlay (a sheet) instead of beside the list. */
const narrowQuery = matchMedia("(max-width: 900px)");
export const narrow = signal(narrowQuery.matches);
narrowQuery.addEventListener("change", (e) => (narrow.value = e.matches));
/** Phones and very narrow windows (styles/narrow.css has the same breakpoint). */
const compactQuery = matchMedia("(max-width: 600px)");
export const compact = signal(compactQuery.matches);
compactQuery.addEventListener("change", (e) => (compact.value = e.matches));

effect(() => {
  document.documentElement.dataset.theme = theme.value;
  writePref("painchain.theme", theme.value);
});
effect(() => writePref("painchain.density", density.value ? "1" : "0"));

export const metaById = computed(() => new Map(metadata.value.map((m) => [m.id, m])));
/** Some replica holds a connection: only then can "every connection was watched" be said. */
export const anyConnection = computed(() =>
  metadata.value.some((m) => m.instances.some((i) => i.connections.some((c) => c.state !== "standby")))
);

// Connector colours: one stylesheet of `.source-badge.<id>` classes, rebuilt when the metadata changes.
const colorSheet = computed(() => connectorCss(metadata.value));
effect(() => {
  let style = document.getElementById("connector-colors");
  if (!style) {
    style = document.createElement("style");
    style.id = "connector-colors";
    document.head.append(style);
  }
  if (style.textContent !== colorSheet.value) style.textContent = colorSheet.value;
});

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
  writePref(VIS_KEY, JSON.stringify(visibility.value));
}
export function resetVisibility(type: string) {
  const next = { ...visibility.value };
  delete next[type];
  visibility.value = next;
  writePref(VIS_KEY, JSON.stringify(next));
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
  if (to === "settings") {
    history.pushState(null, "", "/settings");
    void loadConnections();
  } else if (to === "catalog") history.pushState(null, "", "/settings/catalog");
  else if (to === "investigate") {
    history.pushState(null, "", incidentUrl());
    void loadFacets();
    void runInvestigation();
  } else {
    const qs = filtersToQuery(filters.value).toString();
    history.pushState(null, "", `/${qs ? `?${qs}` : ""}`);
    void reload();
  }
}

export async function loadFacets() {
  try {
    facets.value = await api.facets();
  } catch { /* suggestions are a help, not a need */ }
}

// --- The open change's chain (GET /api/events/:id/chain), shown in the detail and marked on the charts. ---
export const chain = signal<Chain | null>(null);
export const chainError = signal<string | null>(null);
let chainFor: string | null = null;
let chainTimer: ReturnType<typeof setTimeout> | undefined;
effect(() => {
  const id = selected.value?.id ?? null;
  if (id === chainFor) return;
  chainFor = id;
  chain.value = null;
  chainError.value = null;
  clearTimeout(chainTimer);
  if (!id) return;
  // Arrowing through the list opens one change after another: follow the links of the one that stays open.
  chainTimer = setTimeout(() => {
    api.chain(id).then((c) => {
      if (chainFor === id) chain.value = c;
    }).catch((err) => {
      if (chainFor === id) chainError.value = (err as Error).message;
    });
  }, 120);
});
/** The ids of the open change's chain (when it has more than the change itself). */
export const chainIds = computed(() => {
  const c = chain.value;
  return c && c.members.length > 1 ? new Set(c.members.map((m) => m.event.id)) : new Set<string>();
});
export const chainMarks = computed(() => {
  const c = chain.value;
  if (!c || c.members.length < 2) return [];
  return c.members.map((m) => ({
    t: Date.parse(m.event.time),
    id: m.event.id,
    label: m.event.title,
    kind: "chain" as const,
  }));
});

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
    void loadCoverage(tl, gen);
  } catch (err) {
    if (gen !== generation) return;
    loadError.value = (err as Error).message;
    // A refused query (a malformed search) has no results: the previous ones must not stand under its error.
    // A server or network failure keeps what is shown.
    if (err instanceof ApiError && err.status >= 400 && err.status < 500) {
      events.value = [];
      nextCursor.value = null;
      timeline.value = null;
    }
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

/** The coverage gaps within the chart's range; none known (not "none") when the API cannot say. */
async function loadCoverage(tl: Timeline, gen: number) {
  try {
    const c = await api.coverage(tl.from, tl.to);
    if (gen !== generation) return;
    coverage.value = c.gaps;
    coverageKnown.value = true;
  } catch {
    if (gen !== generation) return;
    coverage.value = [];
    coverageKnown.value = false;
  }
}

/** Fetches the chart again (its window moved past the last bin), at most once every few seconds. */
let chartTimer: ReturnType<typeof setTimeout> | null = null;
function refreshChartSoon() {
  if (chartTimer !== null) return;
  const gen = generation;
  chartTimer = setTimeout(() => {
    chartTimer = null;
    if (gen !== generation) return;
    void api.timeline(apiQuery().toString()).then((t) => {
      if (gen !== generation) return;
      timeline.value = t;
      void loadCoverage(t, gen);
    }).catch(() => {});
  }, 2_000);
}

/** Applies one change from the live stream: in place when shown, behind the "new changes" bar otherwise. */
export function applyLive(e: LiveChange) {
  const teamTags = teams.value.find((t) => t.id === filters.value.team)?.tags ?? [];
  if (!matches(e, filters.value, teamTags)) return;
  // The chart advances at once, like the bar over the list.
  if (timeline.value) {
    const next = countLive(timeline.value, e);
    if (next === "stale") refreshChartSoon();
    else if (next) timeline.value = next;
  }
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
}

export function connectLive() {
  const source = new EventSource("/api/events/stream");
  source.addEventListener("change", (msg) => applyLive(JSON.parse((msg as MessageEvent).data) as LiveChange));
  // The server dropped changes this stream could not take in time: read the view again.
  source.addEventListener("reset", () => {
    pending.value = [];
    void reload();
  });
  return source;
}

export function showPending() {
  events.value = mergeNewest(pending.value, events.value);
  pending.value = [];
  // The chart counted them as they came; this re-reads it exactly (and moves a relative window on).
  const gen = generation;
  void api.timeline(apiQuery().toString()).then((t) => {
    if (gen !== generation) return;
    timeline.value = t;
    void loadCoverage(t, gen);
  }).catch(() => {});
}
