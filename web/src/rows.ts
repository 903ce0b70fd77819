/**
 * Row layout of the virtualized list: recency groups and cards at fixed heights, so the rows in view are found by
 * binary search and only those are rendered. Cards take three lines in a narrow list, two otherwise.
 */
import type { ChangeEvent } from "./api.ts";
import { recencyGroup } from "./format.ts";

export const CARD_HEIGHT = 64;
export const COMPACT_CARD_HEIGHT = 86;
export const GROUP_HEIGHT = 30;
/** Below this list width (px) cards are compact; styles/list.css has the same number in its container query. */
export const COMPACT_BELOW = 560;

export function cardHeightFor(listWidth: number): number {
  return listWidth > 0 && listWidth < COMPACT_BELOW ? COMPACT_CARD_HEIGHT : CARD_HEIGHT;
}

export type Row =
  | { kind: "group"; label: string; top: number; height: number }
  | { kind: "event"; e: ChangeEvent; top: number; height: number; index: number };

export function layoutRows(
  list: ChangeEvent[],
  now = Date.now(),
  cardHeight = CARD_HEIGHT,
): { rows: Row[]; height: number } {
  const rows: Row[] = [];
  let top = 0;
  let group = "";
  list.forEach((e, index) => {
    const g = recencyGroup(e.time, now);
    if (g !== group) {
      rows.push({ kind: "group", label: g, top, height: GROUP_HEIGHT });
      top += GROUP_HEIGHT;
      group = g;
    }
    rows.push({ kind: "event", e, top, height: cardHeight, index });
    top += cardHeight;
  });
  return { rows, height: top };
}

/** Index of the first row whose bottom is below `y` (rows are sorted by top). */
export function firstVisible(rows: Row[], y: number): number {
  let lo = 0;
  let hi = rows.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const r = rows[mid]!;
    if (r.top + r.height <= y) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The slice of rows to render for a viewport, with `overscan` rows either side. */
export function visibleRows(rows: Row[], top: number, height: number, overscan = 8): [number, number] {
  if (rows.length === 0) return [0, 0];
  const start = Math.max(0, firstVisible(rows, top) - overscan);
  const end = Math.min(rows.length, firstVisible(rows, top + height) + overscan + 1);
  return [start, end];
}

/** The scrollTop that brings a row fully into view (unchanged when it already is). */
export function scrollToReveal(
  row: { top: number; height: number },
  scrollTop: number,
  viewHeight: number,
  headroom = GROUP_HEIGHT,
): number {
  if (row.top < scrollTop) return Math.max(0, row.top - headroom);
  if (row.top + row.height > scrollTop + viewHeight) return row.top + row.height - viewHeight;
  return scrollTop;
}
