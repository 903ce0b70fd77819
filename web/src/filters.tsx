/**
 * The filter bar: connectors and event types from metadata, team, service, environment, status, tag, author,
 * search and time range. Service and environment suggest every value on record (GET /api/facets), the ones
 * seen among the loaded changes first.
 */
import { useEffect, useState } from "preact/hooks";
import { activeFilters, cleared, type Filters, knownValues } from "./query.ts";
import { events, facets, filters, metadata, pending, RANGES, setFilters, teams } from "./state.ts";

function TextFilter(
  { label, name, value, onCommit, wide, suggestions, placeholder = "" }: {
    label: string;
    name: string;
    value: string;
    onCommit: (v: string) => void;
    wide?: boolean;
    suggestions?: string[];
    placeholder?: string;
  },
) {
  const [draft, setDraft] = useState(value);
  useEffect(() => setDraft(value), [value]);
  const listId = suggestions ? `known-${name}` : undefined;
  return (
    <label class={`text-filter ${wide ? "wide" : ""}`}>
      <span>{label}</span>
      <input
        name={name}
        value={draft}
        type={(name === "q" ? "search" : "text") as "text"}
        placeholder={placeholder}
        list={listId}
        autocomplete="off"
        onInput={(e) => {
          setDraft(e.currentTarget.value);
          // Picking a suggestion is a choice made: apply it at once.
          if (suggestions?.includes(e.currentTarget.value) && (e as InputEvent).inputType !== "insertText") {
            onCommit(e.currentTarget.value);
          }
        }}
        onKeyDown={(e) => e.key === "Enter" && onCommit(draft.trim())}
        onBlur={() => draft.trim() !== value && onCommit(draft.trim())}
      />
      {listId && (
        <datalist id={listId}>
          {suggestions!.map((s) => <option key={s} value={s} />)}
        </datalist>
      )}
    </label>
  );
}

const csv = (v: string) => v.split(",").map((s) => s.trim()).filter(Boolean);

/** The values seen first (most frequent first), then the rest on record. */
const suggest = (seen: string[], known: string[]) => [...new Set([...seen, ...known])];

/** The filters typed as comma-separated lists; service and environment suggest the values seen and on record. */
const LIST_FILTERS: {
  key: "service" | "environment" | "status" | "tag" | "author";
  label: string;
  facet?: { seen: "service" | "environment"; known: "services" | "environments" };
}[] = [
  { key: "service", label: "Service", facet: { seen: "service", known: "services" } },
  { key: "environment", label: "Environment", facet: { seen: "environment", known: "environments" } },
  { key: "status", label: "Status" },
  { key: "tag", label: "Tags (exact)" },
  { key: "author", label: "Author" },
];

/** datetime-local value (local time) <-> ISO. */
const toLocal = (iso: string) => {
  if (!iso) return "";
  const d = new Date(iso);
  return new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
};
const fromLocal = (v: string) => (v ? new Date(v).toISOString() : "");

/** The time window as its two ends: a preset range's, counted back from now, or the ones set. */
const bounds = (f: Filters): { from: string; to: string } =>
  f.range
    ? { from: new Date(Date.now() - RANGES[f.range]!).toISOString(), to: new Date().toISOString() }
    : { from: f.from, to: f.to };

export function FilterBar() {
  const f = filters.value;
  const connectors = metadata.value;
  const visible = f.connector.length ? connectors.filter((m) => f.connector.includes(m.id)) : connectors;
  const types = visible.flatMap((m) =>
    Object.entries(m.eventTypes).map(([id, t]) => ({ id, name: t.displayName, connector: m.displayName }))
  );
  const seen = [...pending.value, ...events.value];
  const active = activeFilters(f);
  // In a narrow window only the time range and the search show until "Filters" opens the rest.
  const [open, setOpen] = useState(false);
  return (
    <div class={`filters ${open ? "open" : ""}`} role="search" aria-label="Filters">
      <div class="filter-row">
        <div class="ranges" role="group" aria-label="Time range">
          {Object.keys(RANGES).map((r) => (
            <button
              type="button"
              key={r}
              class={f.range === r ? "on" : ""}
              aria-pressed={f.range === r}
              onClick={() => setFilters({ range: r, from: "", to: "" })}
            >
              {r}
            </button>
          ))}
        </div>
        {(["from", "to"] as const).map((end) => (
          <label class="text-filter more" key={end}>
            <span>{end === "from" ? "From" : "To"}</span>
            <input
              type="datetime-local"
              name={end}
              value={toLocal(bounds(f)[end])}
              onChange={(e) =>
                setFilters({ range: "", ...bounds(f), [end]: fromLocal(e.currentTarget.value) })}
            />
          </label>
        ))}
        <TextFilter
          label="Search"
          name="q"
          value={f.q}
          placeholder="title, repository, service, author…"
          onCommit={(v) => setFilters({ q: v })}
          wide
        />
        <button
          type="button"
          class="filters-toggle"
          aria-expanded={open}
          aria-controls="more-filters"
          onClick={() => setOpen(!open)}
        >
          Filters{active > 0 ? ` (${active})` : ""}
        </button>
      </div>
      <div class="filter-row more" id="more-filters">
        <label class="text-filter">
          <span>Connector</span>
          <select
            name="connector"
            value={f.connector.length === 1 ? f.connector[0] : ""}
            onChange={(e) =>
              setFilters({ connector: e.currentTarget.value ? [e.currentTarget.value] : [], eventType: [] })}
          >
            <option value="">
              {f.connector.length > 1 ? `${f.connector.length} connectors` : "All connectors"}
            </option>
            {connectors.map((m) => <option key={m.id} value={m.id}>{m.displayName}</option>)}
          </select>
        </label>
        <label class="text-filter">
          <span>Event type</span>
          <select
            name="eventType"
            value={f.eventType[0] ?? ""}
            onChange={(e) => setFilters({ eventType: e.currentTarget.value ? [e.currentTarget.value] : [] })}
          >
            <option value="">All types</option>
            {types.map((t) => (
              <option key={`${t.connector}-${t.id}`} value={t.id}>{t.name} ({t.connector})</option>
            ))}
          </select>
        </label>
        {teams.value.length > 0 && (
          <label class="text-filter">
            <span>Team</span>
            <select name="team" value={f.team} onChange={(e) => setFilters({ team: e.currentTarget.value })}>
              <option value="">All teams</option>
              {teams.value.map((t) => <option key={t.id} value={t.id}>{t.name}</option>)}
            </select>
          </label>
        )}
        {LIST_FILTERS.map(({ key, label, facet }) => (
          <TextFilter
            key={key}
            label={label}
            name={key}
            value={f[key].join(", ")}
            suggestions={facet && suggest(knownValues(seen, facet.seen), facets.value[facet.known])}
            onCommit={(v) => setFilters({ [key]: csv(v) })}
          />
        ))}
        {active > 0 && (
          <button type="button" class="link clear" onClick={() => setFilters(cleared())}>
            Clear {active} {active === 1 ? "filter" : "filters"}
          </button>
        )}
      </div>
    </div>
  );
}
