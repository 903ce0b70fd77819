/** Incident mode's question: the pasted moment (read back as understood), the window, service, environment and the
 * ranking weights, all kept in the URL. */
import type { InputEventHandler } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import type { WeightName } from "./api.ts";
import { dayClock, windowText } from "./format.ts";
import { adjustWeight, parseAdjusted, readBack, WEIGHTS, WINDOWS } from "./incident.ts";
import { answer, incident, setIncident } from "./investigation.ts";
import { facets, narrow } from "./state.ts";
import { PageForm } from "./page_form.tsx";

export function asText(iso: string): string {
  const t = Date.parse(iso);
  if (!Number.isFinite(t)) return iso;
  return `${new Date(t).toISOString().slice(0, 19).replace("T", " ")} UTC`;
}

/**
 * In a narrow window, once there is an answer, the question folds into one line to make room for it; the window
 * stays at hand (it re-ranks in place), the rest behind "Change".
 */
export function IncidentSummary({ onChange }: { onChange: () => void }) {
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

/** The place of the trouble, each field offering the values on record. */
const PLACE_FIELDS = [
  { key: "service", label: "Service", known: "services" },
  { key: "environment", label: "Environment", known: "environments" },
] as const;
type PlaceField = typeof PLACE_FIELDS[number];

export function IncidentForm() {
  const i = incident.value;
  const [open, setOpen] = useState(false);
  const [when, setWhen] = useState(i.at ? asText(i.at) : "");
  const [place, setPlace] = useState({ service: i.service, environment: i.environment });
  const [tried, setTried] = useState(false);
  // The chart, a link or Back moved the investigation: the form follows.
  useEffect(() => setWhen(i.at ? asText(i.at) : ""), [i.at]);
  useEffect(() => setPlace((p) => ({ ...p, service: i.service })), [i.service]);
  useEffect(() => setPlace((p) => ({ ...p, environment: i.environment })), [i.environment]);
  const read = readBack(when);
  const bad = read !== null && !read.ok;
  const submit = () => {
    setTried(true);
    if (!read || !read.ok) return;
    setOpen(false);
    setIncident({ at: read.iso, service: place.service.trim(), environment: place.environment.trim() });
  };
  if (narrow.value && answer.value && i.at && !open) {
    return <IncidentSummary onChange={() => setOpen(true)} />;
  }
  /** A suggestion picked (not typed) applies at once when there is an answer to re-rank. */
  const picked = (e: Event, list: string[], apply: (v: string) => void) => {
    const el = e.currentTarget as HTMLInputElement;
    if (i.at && list.includes(el.value) && (e as InputEvent).inputType !== "insertText") apply(el.value);
  };
  /** Typing in a place field: kept as typed, and applied at once when it is a suggestion picked. */
  const typed = ({ key, known }: PlaceField): InputEventHandler<HTMLInputElement> => (e) => {
    const v = e.currentTarget.value;
    setPlace((p) => ({ ...p, [key]: v }));
    picked(e, facets.value[known], (v) => setIncident({ [key]: v }));
  };
  return (
    <PageForm id="incident-form" class="incident-form" aria-label="Investigate a moment" onSubmit={submit}>
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
            onInput={(e) =>
              setWhen(e.currentTarget.value)}
          />
          <button
            type="button"
            class="link small"
            onClick={() =>
              setWhen(asText(new Date().toISOString()))}
          >
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
      {PLACE_FIELDS.map((f) => <FacetInput key={f.key} field={f} value={place[f.key]} onInput={typed(f)} />)}
      <label class="text-filter">
        <span>Look back</span>
        <WindowSelect />
      </label>
      <button type="submit" class="primary">Investigate</button>
    </PageForm>
  );
}

/** One weight: the value in use, adjustable; applied a moment after the last keystroke. */
/** A place field's text input, offering the values on record (`incident-<key>s` is its datalist). */
function FacetInput({ field, value, onInput }: {
  field: PlaceField;
  value: string;
  onInput: InputEventHandler<HTMLInputElement>;
}) {
  const name = `incident-${field.key}`;
  return (
    <label class="text-filter">
      <span>{field.label}</span>
      <input
        name={name}
        value={value}
        list={`${name}s`}
        autocomplete="off"
        placeholder="any"
        onInput={onInput}
      />
      <datalist id={`${name}s`}>
        {facets.value[field.known].map((s) => <option key={s} value={s} />)}
      </datalist>
    </label>
  );
}

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

export function Weights() {
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
