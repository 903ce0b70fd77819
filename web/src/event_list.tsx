/** The list of changes, grouped by recency, with a "N new changes" bar for live updates. */
import { useEffect, useRef } from "preact/hooks";
import type { ChangeEvent } from "./api.ts";
import { absolute, isSafeUrl, recencyGroup, relative } from "./format.ts";
import {
  events,
  loadError,
  loading,
  loadMore,
  metaById,
  nextCursor,
  pending,
  selected,
  setFilters,
  showPending,
} from "./state.ts";

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

function Card({ e }: { e: ChangeEvent }) {
  const typeName = metaById.value.get(e.connector)?.eventTypes[e.eventType]?.displayName ?? e.eventType;
  const active = selected.value?.id === e.id;
  return (
    <li
      class={`card ${active ? "active" : ""}`}
      tabIndex={0}
      data-id={e.id}
      onClick={() => (selected.value = e)}
      onKeyDown={(k) => {
        if (k.key === "Enter") selected.value = e;
      }}
    >
      <Logo connector={e.connector} />
      <div class="card-main">
        <div class="card-title">
          {isSafeUrl(e.url)
            ? (
              <a href={e.url} target="_blank" rel="noopener noreferrer" onClick={(x) => x.stopPropagation()}>
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
              onClick={(x) => {
                x.stopPropagation();
                setFilters({ author: [e.author] });
              }}
            >
              {e.author}
            </button>
          )}
          <time dateTime={e.time} title={absolute(e.time)}>{relative(e.time)}</time>
          {e.tags.map((t) => <span class="tag" key={t}>{t}</span>)}
        </div>
      </div>
      {e.status && <span class={`status status-${e.status.toLowerCase()}`}>{e.status}</span>}
    </li>
  );
}

export function EventList() {
  const sentinel = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const io = new IntersectionObserver((entries) => {
      if (entries.some((x) => x.isIntersecting)) void loadMore();
    });
    if (sentinel.current) io.observe(sentinel.current);
    return () => io.disconnect();
  }, []);
  const list = events.value;
  let group = "";
  return (
    <section class="events" aria-label="Changes">
      {pending.value.length > 0 && (
        <button type="button" class="new-bar" onClick={showPending}>
          {pending.value.length} new {pending.value.length === 1 ? "change" : "changes"} — show
        </button>
      )}
      {loadError.value && <div class="error">Could not load changes: {loadError.value}</div>}
      {!loading.value && !loadError.value && list.length === 0 && <EmptyState />}
      <ul class="cards">
        {list.map((e) => {
          const g = recencyGroup(e.time);
          const header = g !== group ? <li class="group" key={`g-${g}`}>{g}</li> : null;
          group = g;
          return [header, <Card key={e.id} e={e} />];
        })}
      </ul>
      <div ref={sentinel} class="sentinel">
        {loading.value ? "Loading…" : nextCursor.value ? "" : list.length ? "No older changes" : ""}
      </div>
    </section>
  );
}

function EmptyState() {
  return (
    <div class="empty">
      <h2>No changes in this view</h2>
      <p>
        Widen the time range or clear filters. No connection yet? Open <a href="/settings">Settings</a>{" "}
        and add one: PainChain starts collecting changes right away.
      </p>
    </div>
  );
}
