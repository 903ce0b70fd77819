/** Live changes (SSE) applied to what is on screen: the chart's bins and the list, without a reload. */
import type { ChangeEvent, Timeline } from "./api.ts";

/** A change as the live stream sends it: the stored change, and whether the store inserted or updated it. */
export type LiveChange = ChangeEvent & { op?: string };

/** A change seen for the first time (an update of one already counted must not count twice). */
export function isNew(e: LiveChange): boolean {
  return e.op ? e.op === "inserted" : e.version === 1;
}

/**
 * Counts a new change into the chart's bins. Returns the new timeline; `null` when it does not count (an update,
 * or before the window); "stale" when it falls after the last bin, so the window must move (fetch it again).
 */
export function countLive(tl: Timeline, e: LiveChange, now = Date.now()): Timeline | null | "stale" {
  if (!isNew(e) || tl.bins.length === 0) return null;
  const t = Date.parse(e.time);
  const binMs = tl.binSeconds * 1000;
  const first = Date.parse(tl.bins[0]!.start);
  const i = Math.floor((t - first) / binMs);
  if (!Number.isFinite(t) || i < 0 || t < Date.parse(tl.from)) return null;
  if (i >= tl.bins.length) return "stale";
  const bins = tl.bins.slice();
  const bin = bins[i]!;
  bins[i] = {
    start: bin.start,
    counts: { ...bin.counts, [e.connector]: (bin.counts[e.connector] ?? 0) + 1 },
  };
  return {
    ...tl,
    to: new Date(Math.max(Date.parse(tl.to), Math.min(now, first + tl.bins.length * binMs))).toISOString(),
    bins,
    total: tl.total + 1,
    totals: { ...tl.totals, [e.connector]: (tl.totals[e.connector] ?? 0) + 1 },
  };
}

/** The list with live changes merged in, newest first (ties by id, as the API orders them). */
export function mergeNewest(incoming: ChangeEvent[], list: ChangeEvent[]): ChangeEvent[] {
  const ids = new Set(incoming.map((e) => e.id));
  return [...incoming, ...list.filter((e) => !ids.has(e.id))]
    .sort((a, b) => (a.time < b.time ? 1 : a.time > b.time ? -1 : a.id < b.id ? 1 : -1));
}
