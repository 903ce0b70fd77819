import assert from "node:assert/strict";
import { change } from "./testing.ts";
import {
  CARD_HEIGHT,
  cardHeightFor,
  COMPACT_BELOW,
  COMPACT_CARD_HEIGHT,
  firstVisible,
  GROUP_HEIGHT,
  layoutRows,
  scrollToReveal,
  visibleRows,
} from "./rows.ts";

const now = Date.parse("2026-11-30T12:00:00Z");
const at = (minutesAgo: number, id: string) =>
  change({ id, time: new Date(now - minutesAgo * 60_000).toISOString() });

Deno.test("layoutRows puts a group label before each recency group and stacks cards at a fixed height", () => {
  const list = [at(1, "a"), at(30, "b"), at(120, "c"), at(3 * 1440, "d")];
  const { rows, height } = layoutRows(list, now);
  assert.deepEqual(
    rows.map((r) => (r.kind === "group" ? r.label : r.e.id)),
    ["Last hour", "a", "b", "Today", "c", "This week", "d"],
  );
  assert.deepEqual(rows.map((r) => r.top), [0, 30, 94, 158, 188, 252, 282]);
  assert.equal(height, 3 * GROUP_HEIGHT + 4 * CARD_HEIGHT);
  const events = rows.filter((r) => r.kind === "event");
  assert.deepEqual(events.map((r) => r.kind === "event" && r.index), [0, 1, 2, 3]);
});

Deno.test("cards are compact (taller, three lines) in a narrow list", () => {
  assert.equal(cardHeightFor(1200), CARD_HEIGHT);
  assert.equal(cardHeightFor(COMPACT_BELOW), CARD_HEIGHT);
  assert.equal(cardHeightFor(COMPACT_BELOW - 1), COMPACT_CARD_HEIGHT);
  assert.equal(cardHeightFor(0), CARD_HEIGHT, "not measured yet");
  const { height } = layoutRows([at(1, "a"), at(2, "b")], now, COMPACT_CARD_HEIGHT);
  assert.equal(height, GROUP_HEIGHT + 2 * COMPACT_CARD_HEIGHT);
});

Deno.test("firstVisible and visibleRows find the rows in a viewport by binary search", () => {
  const list = Array.from({ length: 1000 }, (_, i) => at(i / 100, `e${i}`));
  const { rows } = layoutRows(list, now);
  assert.equal(firstVisible(rows, 0), 0);
  assert.equal(firstVisible(rows, GROUP_HEIGHT), 1);
  assert.equal(firstVisible(rows, GROUP_HEIGHT + CARD_HEIGHT * 10 + 5), 11);
  const [start, end] = visibleRows(rows, GROUP_HEIGHT + CARD_HEIGHT * 100, CARD_HEIGHT * 10, 8);
  assert.equal(start, 101 - 8);
  assert.equal(end, 111 + 8 + 1);
  assert.deepEqual(visibleRows([], 0, 500), [0, 0]);
});

Deno.test("scrollToReveal scrolls only as far as needed to show a row", () => {
  const row = { top: 1000, height: CARD_HEIGHT };
  assert.equal(scrollToReveal(row, 900, 400), 900, "already in view");
  assert.equal(scrollToReveal(row, 1100, 400), 1000 - GROUP_HEIGHT, "above: with room for a group label");
  assert.equal(scrollToReveal(row, 500, 400), 1000 + CARD_HEIGHT - 400, "below: its bottom at the bottom");
  assert.equal(scrollToReveal({ top: 10, height: 64 }, 50, 400), 0);
});
