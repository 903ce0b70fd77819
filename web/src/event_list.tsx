/**
 * The list of changes: grouped by recency, virtualized (only the rows in view are in the DOM, so 10,000 loaded
 * changes scroll smoothly), infinite scroll by cursor, keyboard navigation, and a "N new changes" bar for live
 * updates instead of the list jumping under the reader.
 *
 * For assistive technology it is a listbox: each change an option (aria-selected: the one in the detail panel,
 * aria-posinset/-setsize: its place among all loaded), one option in the tab order (roving tabindex), arrow keys
 * or j/k to move, Enter to open, Esc to close. Group labels are visual only; each option says how long ago.
 */
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { Card } from "./card.tsx";
import { plural } from "./format.ts";
import { cardHeightFor, layoutRows, scrollToReveal, visibleRows } from "./rows.ts";
import {
  events,
  focusedChange,
  loadError,
  loading,
  loadMore,
  metaById,
  narrow,
  navigate,
  nextCursor,
  pending,
  selected,
  showPending,
} from "./state.ts";

export function EventList() {
  const scroller = useRef<HTMLDivElement>(null);
  const [view, setView] = useState({ top: 0, height: 800, width: 0 });
  const list = events.value;
  const cardHeight = cardHeightFor(view.width);
  const { rows, height } = useMemo(() => layoutRows(list, Date.now(), cardHeight), [list, cardHeight]);

  useEffect(() => {
    const el = scroller.current!;
    const update = () => setView({ top: el.scrollTop, height: el.clientHeight, width: el.clientWidth });
    update();
    const ro = new ResizeObserver(update);
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  // Infinite scroll: near the end of what is loaded, fetch the next page.
  useEffect(() => {
    if (height > 0 && view.top + view.height > height - 10 * cardHeight) void loadMore();
  }, [view, height]);

  const [start, end] = visibleRows(rows, view.top, view.height);
  const visible = rows.slice(start, end);
  // Roving tabindex: the focused option, else the selected one, else the first rendered, is in the tab order.
  const rendered = new Set(visible.flatMap((r) => (r.kind === "event" ? [r.e.id] : [])));
  const tabId = [focusedChange.value, selected.value?.id].find((id) => id && rendered.has(id)) ??
    visible.find((r) => r.kind === "event")?.e.id;

  /** Focuses an option; one scrolled to may be rendered a few frames later, so it is looked for again. */
  const focusOption = (id: string, tries = 6) => {
    const el = scroller.current?.querySelector<HTMLElement>(`[data-id="${CSS.escape(id)}"]`);
    if (el) el.focus();
    else if (tries > 0) requestAnimationFrame(() => focusOption(id, tries - 1));
  };

  /** Moves by `delta` options: beside the list the detail follows; in a narrow window only the focus moves. */
  const move = (delta: number) => {
    const current = (document.activeElement as HTMLElement | null)?.dataset?.id ?? selected.value?.id;
    const i = current ? list.findIndex((x) => x.id === current) : -1;
    const next = list[Math.max(0, Math.min(list.length - 1, i + delta))];
    if (!next) return;
    if (!narrow.value) selected.value = next;
    focusedChange.value = next.id;
    const row = rows.find((r) => r.kind === "event" && r.e.id === next.id)!;
    const el = scroller.current!;
    el.scrollTop = scrollToReveal(row, el.scrollTop, el.clientHeight);
    focusOption(next.id);
  };

  return (
    <section class="events" aria-label="Changes">
      {pending.value.length > 0 && (
        <button
          type="button"
          class="new-bar"
          onClick={() => {
            showPending();
            scroller.current!.scrollTop = 0;
          }}
        >
          {plural(pending.value.length, "new change")} — show
        </button>
      )}
      {loadError.value && <div class="error" role="alert">Could not load changes: {loadError.value}</div>}
      <div
        class="scroller"
        ref={scroller}
        onScroll={(e) =>
          setView({
            top: e.currentTarget.scrollTop,
            height: e.currentTarget.clientHeight,
            width: e.currentTarget.clientWidth,
          })}
        onKeyDown={(k) => {
          if (!(k.target instanceof HTMLElement) || !k.target.dataset.id) return;
          if (k.key === "ArrowDown" || k.key === "j") {
            k.preventDefault();
            move(1);
          } else if (k.key === "ArrowUp" || k.key === "k") {
            k.preventDefault();
            move(-1);
          } else if (k.key === "Home" || k.key === "End") {
            k.preventDefault();
            move(k.key === "Home" ? -list.length : list.length);
          } else if (k.key === "Escape") selected.value = null;
          else if (k.key === "Enter" || k.key === " ") {
            k.preventDefault();
            const e = list.find((x) => x.id === (k.target as HTMLElement).dataset.id);
            if (e) selected.value = e;
          }
        }}
      >
        {!loading.value && !loadError.value && list.length === 0 && <EmptyState />}
        {loading.value && list.length === 0 && <div class="skeleton" aria-busy="true">Loading changes…</div>}
        {list.length > 0 && (
          <ul
            class="cards"
            style={{ height: `${height}px` }}
            role="listbox"
            aria-label={`${list.length} changes loaded`}
            aria-busy={loading.value}
          >
            {visible.map((r) =>
              r.kind === "group"
                ? (
                  <li
                    class="group"
                    key={`g-${r.label}`}
                    style={{ transform: `translateY(${r.top}px)` }}
                    role="presentation"
                    aria-hidden="true"
                  >
                    {r.label}
                  </li>
                )
                : (
                  <Card
                    key={r.e.id}
                    e={r.e}
                    top={r.top}
                    height={r.height}
                    index={r.index}
                    setSize={nextCursor.value ? -1 : list.length}
                    tabbable={r.e.id === tabId}
                  />
                )
            )}
          </ul>
        )}
        <div class="sentinel">
          {loading.value && list.length > 0
            ? "Loading…"
            : nextCursor.value
            ? ""
            : list.length
            ? `${plural(list.length, "change")} · no older changes in this range`
            : ""}
        </div>
      </div>
    </section>
  );
}

function EmptyState() {
  const noConnectors = metaById.value.size <= 1;
  return (
    <div class="empty">
      <h2>No changes in this view</h2>
      {noConnectors
        ? (
          <p>
            No connector has reported yet. Start PainChain with <code>deno task start</code> (or{" "}
            <code>deno task demo</code> for sample data).
          </p>
        )
        : (
          <p>
            Widen the time range or clear the filters. No connection yet?{" "}
            <a
              href="/settings"
              onClick={(e) => {
                e.preventDefault();
                navigate("settings");
              }}
            >
              Open Settings
            </a>{" "}
            and add one: PainChain starts collecting changes right away.
          </p>
        )}
    </div>
  );
}
