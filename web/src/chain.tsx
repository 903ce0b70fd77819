/**
 * The chain of a change in its detail: the changes linked to it through shared keys (pull request → push → run →
 * deployment → rollout …), in time order, each saying how it is linked — the same commit, pull request or image
 * exactly, or an image tag that is a prefix of a commit (a lower confidence). The timeline marks the same changes.
 */
import { useState } from "preact/hooks";
import type { ChainMember, ChangeEvent } from "./api.ts";
import { Badge } from "./card.tsx";
import { absolute, clock, howLong } from "./format.ts";
import { describeLink } from "./incident.ts";
import { chain, chainError, metaById, selected } from "./state.ts";

const FIRST = 12;

function offset(m: ChainMember, e: ChangeEvent): string {
  const d = Date.parse(m.event.time) - Date.parse(e.time);
  if (Math.abs(d) < 30_000) return "same time";
  return `${howLong(d)} ${d < 0 ? "before" : "after"}`;
}

export function ChainSection({ e }: { e: ChangeEvent }) {
  const [all, setAll] = useState(false);
  const c = chain.value;
  if (chainError.value) {
    return (
      <section class="chain" aria-labelledby="chain-title">
        <h3 id="chain-title">Chain</h3>
        <p class="muted small">Could not follow its links: {chainError.value}</p>
      </section>
    );
  }
  if (!c || c.id !== e.id) {
    return (
      <section class="chain" aria-labelledby="chain-title" aria-busy="true">
        <h3 id="chain-title">Chain</h3>
        <p class="muted small">Following its links…</p>
      </section>
    );
  }
  if (c.members.length <= 1) {
    return (
      <section class="chain" aria-labelledby="chain-title">
        <h3 id="chain-title">Chain</h3>
        <p class="muted small">
          No linked changes: no other change shares its commit, pull request, image or tag.
        </p>
      </section>
    );
  }
  const byId = new Map(c.members.map((m) => [m.event.id, m.event]));
  const members = all || c.members.length <= FIRST ? c.members : c.members.slice(0, FIRST);
  return (
    <section class="chain" aria-labelledby="chain-title">
      <h3 id="chain-title">Chain · {c.members.length} linked changes, oldest first</h3>
      <ol class="chain-list">
        {members.map((m, i) => {
          const current = m.event.id === e.id;
          const type = metaById.value.get(m.event.connector)?.eventTypes[m.event.eventType]?.displayName ??
            m.event.eventType;
          const prev = members[i - 1];
          // Say where it was reached from when that is not the change listed just above.
          const from = m.via && prev && m.via.from !== prev.event.id ? byId.get(m.via.from) : undefined;
          return (
            <li
              key={m.event.id}
              class={`${current ? "current" : ""} ${m.via?.confidence === "prefix" ? "prefix" : ""}`}
            >
              <span class="chain-when">
                <time dateTime={m.event.time} title={absolute(m.event.time)}>{clock(m.event.time)}</time>
                <span class="muted">{current ? "this change" : offset(m, e)}</span>
              </span>
              <span class="chain-body">
                {current ? <span class="chain-title">{m.event.title}</span> : (
                  <button
                    type="button"
                    class="link chain-open"
                    data-chain-id={m.event.id}
                    onClick={() => (selected.value = m.event)}
                  >
                    {m.event.title}
                  </button>
                )}
                <span class="chain-meta">
                  <Badge connector={m.event.connector} /> <span class="type">{type}</span>
                  {m.via
                    ? (() => {
                      const link = describeLink(m.via, m.event, byId.get(m.via.from));
                      return (
                        <span class={`via via-${link.exact ? "exact" : "prefix"}`}>
                          {link.text}
                          {link.exact ? "" : " — lower confidence"}
                          {from
                            ? from.id === e.id
                              ? " (to this change)"
                              : ` (to “${
                                from.title.length > 48 ? `${from.title.slice(0, 47)}…` : from.title
                              }”)`
                            : ""}
                        </span>
                      );
                    })()
                    : <span class="via">the chain was followed from here</span>}
                </span>
              </span>
            </li>
          );
        })}
      </ol>
      {members.length < c.members.length && (
        <button
          type="button"
          class="link small"
          onClick={() => setAll(true)}
        >
          Show all {c.members.length}
        </button>
      )}
      {c.truncated && <p class="muted small">It links further; the walk stopped at its bound.</p>}
    </section>
  );
}
