/** One change in the list (a listbox option), and the pieces the detail panel shares: logo, badge, environment. */
import type { ChangeEvent } from "./api.ts";
import { absolute, relative } from "./format.ts";
import { envKind, whereOf } from "./place.ts";
import { envTone, statusSlug, statusTone, toneClass } from "./tone.ts";
import { chainIds, focusedChange, hoverRange, hoverTime, metaById, selected, setFilters } from "./state.ts";

export function Logo({ connector, size = 20 }: { connector: string; size?: number }) {
  return (
    <img
      class="logo"
      src={`/api/connectors/${encodeURIComponent(connector)}/logo`}
      width={size}
      height={size}
      alt=""
      loading="lazy"
    />
  );
}

/** The connector's name in its colour: `.source-badge.<id>` classes come from metadata (colors.ts). */
export function Badge({ connector }: { connector: string }) {
  return (
    <span class={`badge source-badge ${connector}`}>
      {metaById.value.get(connector)?.displayName ?? connector}
    </span>
  );
}

/** The environment a change happened in (its own, not its connection's tags). */
export function EnvPill({ env }: { env: string }) {
  if (!env) return null;
  return (
    <span class={`env env-${envKind(env)} ${toneClass(envTone(env))}`} title={`Environment: ${env}`}>
      <span class="sr-only">environment</span>
      {env}
    </span>
  );
}

export function Status({ status }: { status: string }) {
  if (!status) return null;
  return <span class={`status status-${statusSlug(status)} ${toneClass(statusTone(status))}`}>{status}</span>;
}

export function Card(
  { e, top, height, index, setSize, tabbable }: {
    e: ChangeEvent;
    top: number;
    height: number;
    index: number;
    setSize: number;
    tabbable: boolean;
  },
) {
  const typeName = metaById.value.get(e.connector)?.eventTypes[e.eventType]?.displayName ?? e.eventType;
  const active = selected.value?.id === e.id;
  const t = Date.parse(e.time);
  const range = hoverRange.value;
  const lit = range !== null && t >= range[0] && t < range[1];
  const where = whereOf(e);
  const inChain = chainIds.value.has(e.id);
  return (
    <li
      role="option"
      class={`card ${active ? "active" : ""} ${lit ? "lit" : ""} ${inChain ? "in-chain" : ""}`}
      style={{ transform: `translateY(${top}px)`, height: `${height}px` }}
      tabIndex={tabbable ? 0 : -1}
      data-id={e.id}
      aria-selected={active}
      aria-posinset={index + 1}
      aria-setsize={setSize}
      onClick={() => (selected.value = e)}
      onMouseEnter={() => (hoverTime.value = t)}
      onMouseLeave={() => (hoverTime.value = null)}
      onFocus={() => {
        hoverTime.value = t;
        focusedChange.value = e.id;
      }}
    >
      <Logo connector={e.connector} />
      <div class="card-title">{e.title}</div>
      <div class="card-side">
        <EnvPill env={e.environment} />
        <Status status={e.status} />
        <time dateTime={e.time} title={absolute(e.time)}>{relative(e.time)}</time>
      </div>
      <div class="card-meta">
        {inChain && <span class="chain-tag" title="In the open change's chain">chain</span>}
        <Badge connector={e.connector} />
        <span class="type">{typeName}</span>
        {where && (
          <span class="where" title={`Where: ${where}`}>
            <span class="sr-only">in</span> {where}
          </span>
        )}
        {e.service && (
          <span class="service" title={`Service: ${e.service}`}>
            <span class="sr-only">service</span> {e.service}
          </span>
        )}
        {e.author && (
          // A mouse shortcut (the detail panel has the same filter as a button): options hold no controls.
          <span
            class="author"
            title={`Only changes by ${e.author}`}
            onClick={(x) => {
              x.stopPropagation();
              setFilters({ author: [e.author] });
            }}
          >
            <span class="sr-only">by</span> {e.author}
          </span>
        )}
        {e.tags.slice(0, 4).map((tag) => <span class="tag" key={tag}>{tag}</span>)}
      </div>
    </li>
  );
}
