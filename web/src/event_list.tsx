/**
 * The list of changes: grouped by recency, virtualized (only the rows in view are in the DOM, so 10,000 loaded
 * changes scroll smoothly), infinite scroll by cursor, keyboard navigation, and a "N new changes" bar for live
 * updates instead of the list jumping under the reader.
 */
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import type { ChangeEvent } from "./api.ts";
import { absolute, isSafeUrl, recencyGroup, relative } from "./format.ts";
import {
  events,
  hoverRange,
  hoverTime,
  loadError,
  loading,
  loadMore,
  metaById,
  navigate,
  nextCursor,
  pending,
  selected,
  setFilters,
  showPending,
} from "./state.ts";

export const CARD_HEIGHT = 64;
export const GROUP_HEIGHT = 30;
const OVERSCAN = 8;

export function Logo({ connector, size = 20 }: { connector: string; size?: number }) {
  return (
    <img
      class="logo"
      src={`/api/connectors/${connector}/logo`}
      width={size}
      height={size}
      alt=""
      loading="lazy"
    />
  );
}

export function Badge({ connector }: { connector: string }) {
  const m = metaById.value.get(connector);
  return (
    <span class="badge" style={{ borderColor: m?.color ?? "#888", color: m?.color ?? "#ccc" }}>
      {m?.displayName ?? connector}
    </span>
  );
}

function Card({ e, top }: { e: ChangeEvent; top: number }) {
  const typeName = metaById.value.get(e.connector)?.eventTypes[e.eventType]?.displayName ?? e.eventType;
  const active = selected.value?.id === e.id;
  const t = Date.parse(e.time);
  const range = hoverRange.value;
  const lit = range !== null && t >= range[0] && t < range[1];
  return (
    <li
      class={`card ${active ? "active" : ""} ${lit ? "lit" : ""}`}
      style={{ transform: `translateY(${top}px)`, height: `${CARD_HEIGHT}px` }}
      tabIndex={0}
      data-id={e.id}
      aria-selected={active}
      onClick={() => (selected.value = e)}
      onMouseEnter={() => (hoverTime.value = t)}
      onMouseLeave={() => (hoverTime.value = null)}
      onFocus={() => (hoverTime.value = t)}
    >
      <Logo connector={e.connector} />
      <div class="card-main">
        <div class="card-title">
          {isSafeUrl(e.url)
            ? (
              <a
                href={e.url}
                target="_blank"
                rel="noopener noreferrer"
                tabIndex={-1}
                onClick={(x) => x.stopPropagation()}
              >
                {e.title}
              </a>
            )
            : <span>{e.title}</span>}
        </div>
        <div class="card-meta">
          <Badge connector={e.connector} />
          <span class="type">{typeName}</span>
          {e.author && (
            <button
              type="button"
              class="link"
              tabIndex={-1}
              title={`Only changes by ${e.author}`}
              onClick={(x) => {
                x.stopPropagation();
                setFilters({ author: [e.author] });
              }}
            >
              {e.author}
            </button>
          )}
          <time dateTime={e.time} title={absolute(e.time)}>{relative(e.time)}</time>
          {e.tags.slice(0, 4).map((tag) => <span class="tag" key={tag}>{tag}</span>)}
        </div>
      </div>
      {e.status && <span class={`status status-${e.status.toLowerCase()}`}>{e.status}</span>}
    </li>
  );
}

type Row = { kind: "group"; label: string; top: number } | {
  kind: "event";
  e: ChangeEvent;
  top: number;
  index: number;
};

export function layoutRows(list: ChangeEvent[], now = Date.now()): { rows: Row[]; height: number } {
  const rows: Row[] = [];
  let top = 0;
  let group = "";
  list.forEach((e, index) => {
    const g = recencyGroup(e.time, now);
    if (g !== group) {
      rows.push({ kind: "group", label: g, top });
      top += GROUP_HEIGHT;
      group = g;
    }
    rows.push({ kind: "event", e, top, index });
    top += CARD_HEIGHT;
  });
  return { rows, height: top };
}

/** Index of the first row whose bottom is below `y` (rows are sorted by top). */
function firstVisible(rows: Row[], y: number): number {
  let lo = 0;
  let hi = rows.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const r = rows[mid]!;
    const bottom = r.top + (r.kind === "group" ? GROUP_HEIGHT : CARD_HEIGHT);
    if (bottom <= y) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function EventList() {
  const scroller = useRef<HTMLDivElement>(null);
  const [view, setView] = useState({ top: 0, height: 800 });
  const list = events.value;
  const { rows, height } = useMemo(() => layoutRows(list), [list]);

  useEffect(() => {
    const el = scroller.current!;
    const update = () => setView({ top: el.scrollTop, height: el.clientHeight });
    update();
    const ro = new ResizeObserver(update);
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  // Infinite scroll: near the end of what is loaded, fetch the next page.
  useEffect(() => {
    if (height > 0 && view.top + view.height > height - 10 * CARD_HEIGHT) void loadMore();
  }, [view, height]);

  const start = Math.max(0, firstVisible(rows, view.top) - OVERSCAN);
  const end = Math.min(rows.length, firstVisible(rows, view.top + view.height) + OVERSCAN + 1);
  const visible = rows.slice(start, end);

  const move = (delta: number) => {
    const i = selected.value ? list.findIndex((x) => x.id === selected.value!.id) : -1;
    const next = list[Math.max(0, Math.min(list.length - 1, i + delta))];
    if (!next) return;
    selected.value = next;
    const row = rows.find((r) => r.kind === "event" && r.e.id === next.id)!;
    const el = scroller.current!;
    if (row.top < el.scrollTop) el.scrollTop = row.top - GROUP_HEIGHT;
    else if (row.top + CARD_HEIGHT > el.scrollTop + el.clientHeight) {
      el.scrollTop = row.top + CARD_HEIGHT - el.clientHeight;
    }
    requestAnimationFrame(() =>
      (el.querySelector(`[data-id="${CSS.escape(next.id)}"]`) as HTMLElement | null)?.focus()
    );
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
          {pending.value.length} new {pending.value.length === 1 ? "change" : "changes"} — show
        </button>
      )}
      {loadError.value && <div class="error" role="alert">Could not load changes: {loadError.value}</div>}
      <div
        class="scroller"
        ref={scroller}
        onScroll={(e) => setView({ top: e.currentTarget.scrollTop, height: e.currentTarget.clientHeight })}
        onKeyDown={(k) => {
          if (k.key === "ArrowDown" || k.key === "j") {
            k.preventDefault();
            move(1);
          } else if (k.key === "ArrowUp" || k.key === "k") {
            k.preventDefault();
            move(-1);
          } else if (k.key === "Escape") selected.value = null;
          else if (k.key === "Enter" && document.activeElement instanceof HTMLElement) {
            const id = document.activeElement.dataset.id;
            const e = list.find((x) => x.id === id);
            if (e) selected.value = e;
          }
        }}
      >
        {!loading.value && !loadError.value && list.length === 0 && <EmptyState />}
        {loading.value && list.length === 0 && <div class="skeleton" aria-busy="true">Loading changes…</div>}
        <ul
          class="cards"
          style={{ height: `${height}px` }}
          role="listbox"
          aria-label={`${list.length} changes loaded`}
        >
          {visible.map((r) =>
            r.kind === "group"
              ? (
                <li
                  class="group"
                  key={`g-${r.label}`}
                  style={{ transform: `translateY(${r.top}px)` }}
                  role="presentation"
                >
                  {r.label}
                </li>
              )
              : <Card key={r.e.id} e={r.e} top={r.top} />
          )}
        </ul>
        <div class="sentinel">
          {loading.value && list.length > 0
            ? "Loading…"
            : nextCursor.value
            ? ""
            : list.length
            ? `${list.length} ${list.length === 1 ? "change" : "changes"} · no older changes in this range`
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
