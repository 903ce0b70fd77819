/**
 * Incident mode: "what changed before it broke?". A pasted time (read back as understood) or a click on the chart,
 * an optional service and environment, and the answer: the most likely change first, with every reason and its
 * weight, the other suspects as a compact ranked list, the changes after the moment apart (they did not cause
 * it), and every stretch PainChain was not watching. All of it lives in the URL, so the link reproduces the view.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import type { ChangeEvent, Suspect, WeightName } from "./api.ts";
import { Badge, EnvPill, Logo, Status } from "./card.tsx";
import { absolute, clock, dayClock, howLong, plural, windowText } from "./format.ts";
import {
  adjustWeight,
  gapText,
  incidentRange,
  parseAdjusted,
  readBack,
  reasonLabel,
  score,
  signed,
  WEIGHTS,
  WINDOWS,
} from "./incident.ts";
import {
  answer,
  answerError,
  answerLoading,
  incident,
  incidentTimeline,
  incidentUrl,
  moves,
  setIncident,
} from "./investigation.ts";
import { whereOf } from "./place.ts";
import {
  chainIds,
  chainMarks,
  coverage,
  coverageKnown,
  facets,
  hoverTime,
  metaById,
  narrow,
  selected,
  timeline,
  useUtc,
} from "./state.ts";
import { Chart, type ChartMark } from "./timeline_chart.tsx";

/** How many suspects, and changes after the moment, show before "Show all". */
const FIRST = 10;
const AFTER_FIRST = 6;

/** The moment as it goes back into the text box: a form parseMoment reads the same. */
function asText(iso: string): string {
  const t = Date.parse(iso);
  if (!Number.isFinite(t)) return iso;
  return `${new Date(t).toISOString().slice(0, 19).replace("T", " ")} UTC`;
}

/**
 * In a narrow window, once there is an answer, the question folds into one line to make room for it; the window
 * stays at hand (it re-ranks in place), the rest behind "Change".
 */
function IncidentSummary({ onChange }: { onChange: () => void }) {
  const i = incident.value;
  return (
    <div class="incident-summary" role="group" aria-label="The question">
      <span class="summary-text">
        <strong>{dayClock(i.at)}</strong>
        {[i.service, i.environment].filter(Boolean).map((x) => ` · ${x}`).join("")}
      </span>
      <label class="summary-window">
        <span class="sr-only">Look back</span>
        <WindowSelect />
      </label>
      <button type="button" aria-expanded="false" aria-controls="incident-form" onClick={onChange}>
        Change
      </button>
    </div>
  );
}

/** How far back to look; with an answer, a change re-ranks at once. */
function WindowSelect() {
  const i = incident.value;
  const windows = WINDOWS.includes(i.window) ? WINDOWS : [...WINDOWS, i.window];
  return (
    <select
      name="incident-window"
      value={i.window}
      onChange={(e) => {
        if (i.at) setIncident({ window: e.currentTarget.value });
        else incident.value = { ...i, window: e.currentTarget.value };
      }}
    >
      {windows.map((w) => <option key={w} value={w}>{windowText(w)}</option>)}
    </select>
  );
}

function IncidentForm() {
  const i = incident.value;
  const [open, setOpen] = useState(false);
  const [when, setWhen] = useState(i.at ? asText(i.at) : "");
  const [service, setService] = useState(i.service);
  const [environment, setEnvironment] = useState(i.environment);
  const [tried, setTried] = useState(false);
  // The chart, a link or Back moved the investigation: the form follows.
  useEffect(() => setWhen(i.at ? asText(i.at) : ""), [i.at]);
  useEffect(() => setService(i.service), [i.service]);
  useEffect(() => setEnvironment(i.environment), [i.environment]);
  const read = readBack(when);
  const bad = read !== null && !read.ok;
  const submit = () => {
    setTried(true);
    if (!read || !read.ok) return;
    setOpen(false);
    setIncident({ at: read.iso, service: service.trim(), environment: environment.trim() });
  };
  if (narrow.value && answer.value && i.at && !open) {
    return <IncidentSummary onChange={() => setOpen(true)} />;
  }
  /** A suggestion picked (not typed) applies at once when there is an answer to re-rank. */
  const picked = (e: Event, list: string[], apply: (v: string) => void) => {
    const el = e.currentTarget as HTMLInputElement;
    if (i.at && list.includes(el.value) && (e as InputEvent).inputType !== "insertText") apply(el.value);
  };
  return (
    <form
      id="incident-form"
      class="incident-form"
      aria-label="Investigate a moment"
      onSubmit={(e) => {
        e.preventDefault();
        submit();
      }}
    >
      <div class="when">
        <label for="incident-at">When did it start?</label>
        <div class="when-row">
          <input
            id="incident-at"
            name="at"
            value={when}
            placeholder="Paste a time: 2026-11-30 14:05 UTC, 14:05, 10m ago…"
            autocomplete="off"
            spellcheck={false}
            aria-invalid={bad && (tried || when.length > 4)}
            aria-describedby="incident-at-read"
            onInput={(e) => setWhen(e.currentTarget.value)}
          />
          <button type="button" class="link small" onClick={() => setWhen(asText(new Date().toISOString()))}>
            now
          </button>
        </div>
        <output id="incident-at-read" class={`read-back ${bad ? "bad" : ""}`} for="incident-at">
          {read === null ? "Or click the chart where the trouble started." : read.ok
            ? (
              <>
                Read as <strong>{read.utc}</strong>
                {read.local && <>· {read.local}</>} · {read.ago}
              </>
            )
            : read.message}
        </output>
      </div>
      <label class="text-filter">
        <span>Service</span>
        <input
          name="incident-service"
          value={service}
          list="incident-services"
          autocomplete="off"
          placeholder="any"
          onInput={(e) => {
            setService(e.currentTarget.value);
            picked(e, facets.value.services, (v) => setIncident({ service: v }));
          }}
        />
        <datalist id="incident-services">
          {facets.value.services.map((s) => <option key={s} value={s} />)}
        </datalist>
      </label>
      <label class="text-filter">
        <span>Environment</span>
        <input
          name="incident-environment"
          value={environment}
          list="incident-environments"
          autocomplete="off"
          placeholder="any"
          onInput={(e) => {
            setEnvironment(e.currentTarget.value);
            picked(e, facets.value.environments, (v) => setIncident({ environment: v }));
          }}
        />
        <datalist id="incident-environments">
          {facets.value.environments.map((s) => <option key={s} value={s} />)}
        </datalist>
      </label>
      <label class="text-filter">
        <span>Look back</span>
        <WindowSelect />
      </label>
      <button type="submit" class="primary">Investigate</button>
    </form>
  );
}

/** One weight: the value in use, adjustable; applied a moment after the last keystroke. */
function WeightInput({ name, label, help, value, adjusted }: {
  name: WeightName;
  label: string;
  help: string;
  value: number;
  adjusted: boolean;
}) {
  const [draft, setDraft] = useState(String(value));
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  useEffect(() => setDraft(String(value)), [value]);
  useEffect(() => () => void (timer.current && clearTimeout(timer.current)), []);
  const id = `weight-${name}`;
  return (
    <div class={`weight ${adjusted ? "adjusted" : ""}`}>
      <label for={id}>{label}</label>
      <input
        id={id}
        type="number"
        step="0.5"
        min="-100"
        max="100"
        value={draft}
        aria-describedby={`${id}-help`}
        onInput={(e) => {
          const v = e.currentTarget.value;
          setDraft(v);
          if (timer.current) clearTimeout(timer.current);
          const n = Number(v);
          if (v.trim() === "" || !Number.isFinite(n) || Math.abs(n) > 100) return;
          timer.current = setTimeout(() => {
            setIncident({ weights: adjustWeight(incident.value.weights, name, n) });
          }, 350);
        }}
      />
      <small id={`${id}-help`}>{help}</small>
    </div>
  );
}

function Weights() {
  const a = answer.value;
  if (!a) return null;
  const adjusted = parseAdjusted(incident.value.weights);
  const count = Object.keys(adjusted).length;
  return (
    <details class="weights">
      <summary>Adjust weights{count > 0 ? ` (${count} adjusted)` : ""}</summary>
      <p class="muted small">
        Every point of a score is one of these, times how strongly it applies. Changes re-rank at once; the
        link keeps them.
      </p>
      <div class="weight-grid">
        {WEIGHTS.map((w) => (
          <WeightInput
            key={w.name}
            {...w}
            value={a.weights[w.name]}
            adjusted={adjusted[w.name] !== undefined}
          />
        ))}
      </div>
      {count > 0 && (
        <button type="button" class="link" onClick={() => setIncident({ weights: "" })}>
          Back to the default weights
        </button>
      )}
    </details>
  );
}

/** Where and what a change is, in one line of small facts. */
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
          (today, UTC) and <code>10m ago</code>. A time without a zone is read as UTC.
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

function IncidentChart() {
  const a = answer.value;
  const tl = incidentTimeline.value;
  const i = incident.value;
  const pick = (t: number) => {
    const minute = Math.round(t / 60_000) * 60_000;
    setIncident({ at: new Date(minute).toISOString() });
  };
  if (a && tl) {
    const lead = a.changes[0];
    const marks: ChartMark[] = [
      ...(lead
        ? [{
          t: Date.parse(lead.event.time),
          id: lead.event.id,
          label: `Most likely: ${lead.event.title}`,
          kind: "lead" as const,
        }]
        : []),
      ...chainMarks.value,
    ];
    return (
      <Chart
        tl={tl}
        gaps={a.gaps}
        gapsKnown
        legendFilters={false}
        moment={Date.parse(a.at)}
        marks={marks}
        onPick={pick}
        idle={a.gaps.length
          ? "Hatched: PainChain was not watching (no data there, not no changes) · click to move the moment"
          : "Click the chart to move the moment"}
      />
    );
  }
  const base = timeline.value;
  if (!base) return <div class="chart chart-empty" aria-busy="true">Loading timeline…</div>;
  return (
    <Chart
      tl={base}
      gaps={coverage.value}
      gapsKnown={coverageKnown.value}
      legendFilters={false}
      moment={i.at ? Date.parse(i.at) : null}
      onPick={pick}
      idle="Click the chart where the trouble started"
    />
  );
}

/** The question and the chart; the answer goes beside the detail panel (main.tsx). */
export function Investigate() {
  return (
    <>
      <IncidentForm />
      <IncidentChart />
    </>
  );
}
