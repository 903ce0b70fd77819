/**
 * Incident mode's answer: the most likely change first, with every reason and its weight, the other suspects as a
 * compact ranked list, the changes after the moment apart (they did not cause it), and every stretch PainChain was
 * not watching.
 */
import { useState } from "preact/hooks";
import type { ChangeEvent, Suspect } from "./api.ts";
import { Badge, EnvPill, Logo, Status } from "./card.tsx";
import { absolute, clock, dayClock, howLong, plural, windowText } from "./format.ts";
import { gapText, incidentRange, reasonLabel, score, signed, WINDOWS } from "./incident.ts";
import {
  answer,
  answerError,
  answerLoading,
  incident,
  incidentUrl,
  moves,
  setIncident,
} from "./investigation.ts";
import { whereOf } from "./place.ts";
import { chainIds, hoverTime, metaById, narrow, selected, useUtc } from "./state.ts";
import { asText, Weights } from "./investigate_form.tsx";

/** How many suspects, and changes after the moment, show before "Show all". */
const FIRST = 10;
const AFTER_FIRST = 6;

function Facts({ e }: { e: ChangeEvent }) {
  const typeName = metaById.value.get(e.connector)?.eventTypes[e.eventType]?.displayName ?? e.eventType;
  const where = whereOf(e);
  return (
    <span class="facts-line">
      <Badge connector={e.connector} />
      <span class="type">{typeName}</span>
      {e.service && <span class="service">{e.service}</span>}
      <EnvPill env={e.environment} />
      {where && <span class="where">{where}</span>}
      {e.author && <span class="author-name">by {e.author}</span>}
      <Status status={e.status} />
    </span>
  );
}

function after(at: number, e: ChangeEvent): string {
  const d = Date.parse(e.time) - at;
  return d < 60_000 ? "+<1 min" : `+${howLong(d)}`;
}

function before(at: number, e: ChangeEvent): string {
  const d = at - Date.parse(e.time);
  return d < 30_000 ? "just before" : `${howLong(d)} before`;
}

/** Opens a change in the detail panel (beside the answer, or a sheet in a narrow window). */
function open(e: ChangeEvent) {
  selected.value = e;
}

function Lead({ s, next, at }: { s: Suspect; next: Suspect | undefined; at: number }) {
  const e = s.event;
  const active = selected.value?.id === e.id;
  return (
    <section class={`lead ${active ? "active" : ""}`} aria-labelledby="lead-title">
      <p class="lead-kicker">
        Most likely
        <span class="lead-when">
          <time dateTime={e.time} title={absolute(e.time)}>{clock(e.time)}</time> · {before(at, e)}
        </span>
      </p>
      <div class="lead-head">
        <Logo connector={e.connector} size={28} />
        <h3 id="lead-title">{e.title}</h3>
      </div>
      <Facts e={e} />
      <table class="reasons" aria-label="Why it ranks first">
        <tbody>
          {s.reasons.map((r) => (
            <tr key={r.code} class={r.weight < 0 ? "neg" : ""}>
              <td class="w">{signed(r.weight)}</td>
              <td>{r.text}</td>
            </tr>
          ))}
        </tbody>
        <tfoot>
          <tr>
            <td class="w">= {score(s.score, next?.score)}</td>
            <td class="muted">
              {next
                ? s.score - next.score < Math.max(1, Math.abs(s.score) * 0.1)
                  ? `a close call: the next scores ${score(next.score, s.score)}`
                  : `${score(s.score - next.score)} ahead of the next (${score(next.score)})`
                : "the only change in the window"}
            </td>
          </tr>
        </tfoot>
      </table>
      <div class="lead-actions">
        <button type="button" class="primary" data-id={e.id} onClick={() => open(e)}>
          Details and chain
        </button>
        {e.url && /^https?:\/\//.test(e.url) && (
          <a href={e.url} target="_blank" rel="noopener noreferrer">Open upstream</a>
        )}
      </div>
    </section>
  );
}

function Move({ id }: { id: string }) {
  const m = moves.value.get(id);
  if (m === undefined || m === 0) return null;
  if (m === "new") return <span class="move new" title="New in this ranking">new</span>;
  return (
    <span
      class={`move ${m > 0 ? "up" : "down"}`}
      title={`${m > 0 ? "Up" : "Down"} ${Math.abs(m)} since the last ranking`}
    >
      <span aria-hidden="true">{m > 0 ? "▲" : "▼"}</span>
      <span class="sr-only">{m > 0 ? "up" : "down"}</span>
      {Math.abs(m)}
    </span>
  );
}

function SuspectRow({ s, rank, top, at }: { s: Suspect; rank: number; top: number; at: number }) {
  const e = s.event;
  const active = selected.value?.id === e.id;
  const inChain = chainIds.value.has(e.id);
  const t = Date.parse(e.time);
  return (
    <li
      class={`suspect ${active ? "active" : ""} ${inChain ? "in-chain" : ""}`}
      onMouseEnter={() => (hoverTime.value = t)}
      onMouseLeave={() => (hoverTime.value = null)}
    >
      <button
        type="button"
        class="suspect-open"
        data-id={e.id}
        aria-current={active ? "true" : undefined}
        onClick={() => open(e)}
        onFocus={() => (hoverTime.value = t)}
        onBlur={() => (hoverTime.value = null)}
      >
        <span class="rank">
          <span class="sr-only">Rank</span>
          {rank}
          <Move id={e.id} />
        </span>
        <span class="score" title={`Score ${score(s.score)}`}>
          <span class="sr-only">score</span>
          {score(s.score)}
          <span class="score-bar" aria-hidden="true">
            <span style={{ width: `${Math.max(0, Math.min(1, s.score / (top || 1))) * 100}%` }} />
          </span>
        </span>
        <span class="suspect-main">
          <span class="suspect-title">
            {inChain && <span class="chain-tag">chain</span>}
            {e.title}
          </span>
          <Facts e={e} />
        </span>
        <span class="suspect-when">
          <time dateTime={e.time} title={absolute(e.time)}>{clock(e.time)}</time>
          <span class="muted">{before(at, e)}</span>
        </span>
        <span class="chips">
          {s.reasons.map((r) => (
            <span
              key={r.code}
              class={`chip ${r.weight < 0 ? "neg" : ""}`}
              title={`${r.text}: ${signed(r.weight)}`}
            >
              <b>{signed(r.weight)}</b> {reasonLabel(r)}
            </span>
          ))}
        </span>
      </button>
    </li>
  );
}

function After({ list, at, more }: { list: ChangeEvent[]; at: number; more: boolean }) {
  const [all, setAll] = useState(false);
  const shown = all ? list : list.slice(0, AFTER_FIRST);
  return (
    <section class="after" aria-labelledby="after-title">
      <h3 id="after-title">
        After the moment{list.length ? ` · ${list.length}${more ? "+" : ""}` : ""}{" "}
        <span class="muted">— listed apart: they came later, so they did not cause it</span>
      </h3>
      {list.length === 0 ? <p class="muted">No changes in the half hour after.</p> : (
        <ol class="after-list">
          {shown.map((e) => (
            <li
              key={e.id}
              class={`${selected.value?.id === e.id ? "active" : ""} ${
                chainIds.value.has(e.id) ? "in-chain" : ""
              }`}
            >
              <button type="button" class="after-open" data-id={e.id} onClick={() => open(e)}>
                <span class="after-when">{after(at, e)}</span>
                <span class="after-title">{e.title}</span>
                <Facts e={e} />
              </button>
            </li>
          ))}
        </ol>
      )}
      {shown.length < list.length && (
        <button type="button" class="link show-all" onClick={() => setAll(true)}>
          Show all {list.length}
          {list.length >= 100 ? " (the first 100)" : ""}
        </button>
      )}
    </section>
  );
}

function Gaps() {
  const a = answer.value;
  if (!a || a.gaps.length === 0) return null;
  return (
    <section class="gaps-note" aria-labelledby="gaps-title">
      <details open={!narrow.value}>
        <summary>
          <h3 id="gaps-title">
            PainChain was not watching{" "}
            {plural(new Set(a.gaps.map((g) => `${g.connector}.${g.connectionId}`)).size, "connection")}{" "}
            for part of this window
          </h3>
        </summary>
        <ul>
          {a.gaps.map((g, i) => <li key={`${g.connectionId}-${g.from}-${i}`}>{gapText(g, useUtc.value)}</li>)}
        </ul>
        <p class="muted small">
          Changes made through these connections at those times are missing from this answer — not absent.
        </p>
      </details>
    </section>
  );
}

function CopyLink() {
  const [copied, setCopied] = useState(false);
  return (
    <button
      type="button"
      class="copy-link"
      onClick={() => {
        const url = `${location.origin}${incidentUrl(incident.value, selected.value?.id)}`;
        void navigator.clipboard?.writeText(url).then(() => setCopied(true)).catch(() => setCopied(false));
        setTimeout(() => setCopied(false), 2000);
      }}
    >
      {copied ? "Link copied" : "Copy link"}
    </button>
  );
}

export function Answer() {
  const [all, setAll] = useState(false);
  const a = answer.value;
  const i = incident.value;
  if (!i.at) {
    return (
      <div class="answer empty-answer">
        <h2>What changed before it broke?</h2>
        <p class="muted">
          Paste when the trouble started — from the alert, the pager or the chat, in any common format — or
          click the chart at that moment. Name the service and environment if you know them: their changes
          rank first.
        </p>
        <p class="muted small">
          Times it reads: <code>2026-11-30 14:05 UTC</code>, <code>2026-11-30T14:05:00+01:00</code>,{" "}
          <code>Mon, 30 Nov 2026 14:05:07 GMT</code>, epoch seconds or milliseconds, <code>14:05</code>{" "}
          (today, UTC), <code>10m ago</code> and <code>now</code>. A time without a zone is read as UTC.
        </p>
      </div>
    );
  }
  if (!a) {
    return (
      <div class="answer" aria-busy={answerLoading.value}>
        {answerError.value
          ? <div class="error" role="alert">Could not investigate: {answerError.value}</div>
          : <p class="muted">Looking at the changes before {asText(i.at)}…</p>}
      </div>
    );
  }
  const at = Date.parse(a.at);
  const [lead, ...rest] = a.changes;
  const shown = all ? rest : rest.slice(0, FIRST - 1);
  const top = Math.max(...a.changes.map((c) => c.score), 1);
  const scope = [a.service, a.environment].filter(Boolean).join(" in ");
  return (
    <div
      class="answer"
      aria-busy={answerLoading.value}
      // Esc closes the change opened from the answer, as it does from the timeline's list.
      onKeyDown={(k) => {
        if (k.key === "Escape" && selected.value) selected.value = null;
      }}
    >
      <div class="answer-head">
        <h2 id="answer-title">
          What changed before <time dateTime={a.at} title={absolute(a.at)}>{dayClock(a.at)}</time>
        </h2>
        <div class="answer-tools">
          <span class="muted small" role="status">
            {answerLoading.value ? "Re-ranking…" : `${plural(a.considered, "change")} considered`}
          </span>
          <CopyLink />
        </div>
      </div>
      <p class="answer-scope">
        The {windowText(a.window)} before it
        {scope
          ? (
            <>
              , ranked for <strong>{scope}</strong>
            </>
          )
          : ", for every service (name one to rank its changes first)"}
      </p>
      {answerError.value && <div class="error" role="alert">Could not re-rank: {answerError.value}</div>}
      <Weights />
      <Gaps />
      {lead ? <Lead s={lead} next={rest[0]} at={at} /> : (
        <div class="no-suspects">
          <p>
            <strong>No changes in the {windowText(a.window)} before this moment.</strong>{" "}
            {a.gaps.length ? "But PainChain was not watching all of it (above)." : ""}
          </p>
          <p class="muted">
            Look further back:{" "}
            {WINDOWS.filter((w) => (incidentRange({ ...i, window: w })?.from ?? 0) < Date.parse(a.from))
              .slice(0, 3)
              .map((w) => (
                <button
                  type="button"
                  key={w}
                  class="link"
                  onClick={() => setIncident({ window: w })}
                >
                  {w}
                </button>
              ))}
          </p>
        </div>
      )}
      {rest.length > 0 && (
        <section class="others" aria-labelledby="others-title">
          <h3 id="others-title">Other suspects</h3>
          <ol class="suspects" start={2}>
            {shown.map((s, n) => <SuspectRow key={s.event.id} s={s} rank={n + 2} top={top} at={at} />)}
          </ol>
          {rest.length > shown.length && (
            <button
              type="button"
              class="link show-all"
              onClick={() => setAll(true)}
            >
              Show all {rest.length + 1} suspects
            </button>
          )}
        </section>
      )}
      <After list={a.after} at={at} more={a.afterTruncated ?? false} />
    </div>
  );
}
