/** The filter bar: connectors and event types from metadata, team, status, tag, author, search and time range. */
import { useEffect, useState } from "preact/hooks";
import { filters, metadata, RANGES, setFilters, teams } from "./state.ts";

function TextFilter(
  { label, name, value, onCommit, wide }: {
    label: string;
    name: string;
    value: string;
    onCommit: (v: string) => void;
    wide?: boolean;
  },
) {
  const [draft, setDraft] = useState(value);
  useEffect(() => setDraft(value), [value]);
  return (
    <label class={`text-filter ${wide ? "wide" : ""}`}>
      <span>{label}</span>
      <input
        name={name}
        value={draft}
        type={(name === "q" ? "search" : "text") as "text"}
        placeholder={name === "q" ? "title, author, description" : ""}
        onInput={(e) => setDraft(e.currentTarget.value)}
        onKeyDown={(e) => e.key === "Enter" && onCommit(draft.trim())}
        onBlur={() => draft.trim() !== value && onCommit(draft.trim())}
      />
    </label>
  );
}

const csv = (v: string) => v.split(",").map((s) => s.trim()).filter(Boolean);

/** datetime-local value (local time) <-> ISO. */
const toLocal = (iso: string) => {
  if (!iso) return "";
  const d = new Date(iso);
  return new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
};
const fromLocal = (v: string) => (v ? new Date(v).toISOString() : "");

export function FilterBar() {
  const f = filters.value;
  const connectors = metadata.value;
  const visible = f.connector.length ? connectors.filter((m) => f.connector.includes(m.id)) : connectors;
  const types = visible.flatMap((m) =>
    Object.entries(m.eventTypes).map(([id, t]) => ({ id, name: t.displayName, connector: m.displayName }))
  );
  const active = f.connector.length + f.eventType.length + f.status.length + f.tag.length + f.author.length +
    (f.q ? 1 : 0) + (f.team ? 1 : 0);
  return (
    <div class="filters" role="search" aria-label="Filters">
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
        <label class="text-filter">
          <span>From</span>
          <input
            type="datetime-local"
            name="from"
            value={toLocal(f.range ? new Date(Date.now() - RANGES[f.range]!).toISOString() : f.from)}
            onChange={(e) =>
              setFilters({
                range: "",
                from: fromLocal(e.currentTarget.value),
                to: f.range ? new Date().toISOString() : f.to,
              })}
          />
        </label>
        <label class="text-filter">
          <span>To</span>
          <input
            type="datetime-local"
            name="to"
            value={toLocal(f.range ? new Date().toISOString() : f.to)}
            onChange={(e) =>
              setFilters({
                range: "",
                to: fromLocal(e.currentTarget.value),
                from: f.range ? new Date(Date.now() - RANGES[f.range]!).toISOString() : f.from,
              })}
          />
        </label>
        <TextFilter label="Search" name="q" value={f.q} onCommit={(v) => setFilters({ q: v })} wide />
      </div>
      <div class="filter-row">
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
        <TextFilter
          label="Status"
          name="status"
          value={f.status.join(", ")}
          onCommit={(v) => setFilters({ status: csv(v) })}
        />
        <TextFilter
          label="Tags (exact)"
          name="tag"
          value={f.tag.join(", ")}
          onCommit={(v) => setFilters({ tag: csv(v) })}
        />
        <TextFilter
          label="Author"
          name="author"
          value={f.author.join(", ")}
          onCommit={(v) => setFilters({ author: csv(v) })}
        />
        {active > 0 && (
          <button
            type="button"
            class="link clear"
            onClick={() =>
              setFilters({ connector: [], eventType: [], status: [], tag: [], author: [], q: "", team: "" })}
          >
            Clear {active} {active === 1 ? "filter" : "filters"}
          </button>
        )}
      </div>
    </div>
  );
}
