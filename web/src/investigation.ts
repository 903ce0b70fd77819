/**
 * Incident mode's state: the investigation (from the URL, kept in it), its answer from /api/investigate and the
 * chart of its range. Adjusting the weights, the service or the environment re-ranks in place (the chart stays);
 * a new moment or window reads the chart again.
 */
import { signal } from "@preact/signals";
import { api, ApiError, type Investigation, type Timeline } from "./api.ts";
import { type Incident, incidentFromUrl, incidentRange, incidentToQuery, movement } from "./incident.ts";

/** Suspects asked for: enough to scroll through, few enough to read. */
export const SUSPECTS = 50;

export const incident = signal<Incident>(
  incidentFromUrl(location.pathname.startsWith("/investigate") ? location.search : ""),
);
export const answer = signal<Investigation | null>(null);
export const answerLoading = signal(false);
export const answerError = signal<string | null>(null);
export const incidentTimeline = signal<Timeline | null>(null);
/** How each suspect moved since the previous answer to the same question (the weights or window changed). */
export const moves = signal<Map<string, number | "new">>(new Map());

/** The investigation's URL; `event` keeps the open change, so a shared link opens it too. */
export function incidentUrl(i: Incident = incident.value, event?: string | null): string {
  const qs = incidentToQuery(i);
  if (event) qs.set("event", event);
  return `/investigate?${qs}`;
}

/** Reads the investigation from the URL (a link opened, or Back). */
export function incidentFromLocation() {
  incident.value = incidentFromUrl(location.search);
}

/** Changes the investigation, keeps it in the URL and answers again (re-ranking in place when only the ranking
 * changed). A new moment is a new history entry; adjustments replace the current one. */
export function setIncident(next: Partial<Incident>) {
  const before = incident.value;
  const after = { ...before, ...next };
  incident.value = after;
  const event = new URLSearchParams(location.search).get("event");
  const url = incidentUrl(after, event);
  if (after.at !== before.at) history.pushState(null, "", url);
  else history.replaceState(null, "", url);
  void runInvestigation(after.at === before.at && after.at !== "");
}

let generation = 0;
let chartKey = "";

/** Asks /api/investigate (and /api/timeline for the chart when the range moved). */
export async function runInvestigation(rerank = false) {
  const i = incident.value;
  const range = incidentRange(i);
  const gen = ++generation;
  if (!i.at || !range) {
    answer.value = null;
    incidentTimeline.value = null;
    chartKey = "";
    answerError.value = i.at ? `"${i.at}" is not a moment PainChain can read` : null;
    answerLoading.value = false;
    return;
  }
  answerLoading.value = true;
  answerError.value = null;
  const before = rerank && answer.value ? answer.value.changes.map((c) => c.event.id) : null;
  // The chart: the window and the half hour after, but not past now (nothing has happened there yet).
  const key = `${range.from}|${range.to}`;
  const chartTo = Math.max(range.at + 60_000, Math.min(range.to, Date.now()));
  const needChart = key !== chartKey || !incidentTimeline.value;
  try {
    const [a, tl] = await Promise.all([
      api.investigate(incidentToQuery(i, SUSPECTS).toString()),
      needChart
        ? api.timeline(
          new URLSearchParams({
            from: new Date(range.from).toISOString(),
            to: new Date(chartTo).toISOString(),
          }).toString(),
        )
        : Promise.resolve(incidentTimeline.value),
    ]);
    if (gen !== generation) return;
    moves.value = movement(before, a.changes.map((c) => c.event.id));
    answer.value = a;
    incidentTimeline.value = tl;
    chartKey = key;
  } catch (err) {
    if (gen !== generation) return;
    answerError.value = (err as Error).message;
    // A refused question has no answer; a server or network failure keeps the last one in view.
    if (err instanceof ApiError && err.status >= 400 && err.status < 500) answer.value = null;
  } finally {
    if (gen === generation) answerLoading.value = false;
  }
}
