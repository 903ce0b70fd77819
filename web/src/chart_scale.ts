/** Where a moment falls across the chart: its bins span [start, end), start aligned to the bin width. */
import type { Gap, Timeline } from "./api.ts";

export interface Scale {
  start: number;
  end: number;
  binMs: number;
  /** Percent across the chart (may fall outside 0–100). */
  pct(t: number): number;
  /** The moment at a fraction across the chart. */
  at(fraction: number): number;
}

export function scaleOf(tl: Timeline): Scale {
  const binMs = tl.binSeconds * 1000;
  const start = Math.floor(Date.parse(tl.from) / binMs) * binMs;
  const end = start + Math.max(1, tl.bins.length) * binMs;
  return {
    start,
    end,
    binMs,
    pct: (t) => ((t - start) / (end - start)) * 100,
    at: (f) => start + Math.max(0, Math.min(1, f)) * (end - start),
  };
}

/** A gap clipped to the chart, as left and width in percent; null when it falls outside. */
export function gapBox(g: Gap, s: Scale): { left: number; width: number } | null {
  const a = Math.max(Date.parse(g.from), s.start);
  const b = Math.min(Date.parse(g.to), s.end);
  if (!(b > a)) return null;
  return { left: s.pct(a), width: s.pct(b) - s.pct(a) };
}
