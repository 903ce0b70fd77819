/** The filter bar: connectors and event types from metadata, status, tag, author, search and time range. */
import { useState } from "preact/hooks";
import { filters, metadata, RANGES, setFilters } from "./state.ts";

function TextFilter(
  { label, name, value, onCommit }: {
    label: string;
    name: string;
    value: string;
    onCommit: (v: string) => void;
  },
) {
  const [draft, setDraft] = useState(value);
  return (
    <label class="text-filter">
      <span>{label}</span>
      <input
        name={name}
        value={draft}
        onInput={(e) => setDraft(e.currentTarget.value)}
        onKeyDown={(e) => e.key === "Enter" && onCommit(draft.trim())}
        onBlur={() => draft.trim() !== value && onCommit(draft.trim())}
      />
    </label>
  );
}

const csv = (v: string) => v.split(",").map((s) => s.trim()).filter(Boolean);

export function FilterBar() {
  const f = filters.value;
  const connectors = metadata.value;
  const visible = f.connector.length ? connectors.filter((m) => f.connector.includes(m.id)) : connectors;
  const types = visible.flatMap((m) =>
    Object.entries(m.eventTypes).map(([id, t]) => ({ id, name: t.displayName, connector: m.displayName }))
  );
  return (
    <div class="filters" role="search">
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
        {!f.range && f.from && (
          <span class="custom">
            custom range{" "}
            <button type="button" class="link" onClick={() => setFilters({ range: "24h", from: "", to: "" })}>
              reset
            </button>
          </span>
        )}
      </div>
      <label class="text-filter">
        <span>Connector</span>
        <select
          name="connector"
          value={f.connector.length === 1 ? f.connector[0] : ""}
          onChange={(e) =>
            setFilters({ connector: e.currentTarget.value ? [e.currentTarget.value] : [], eventType: [] })}
        >
          <option value="">All connectors</option>
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
      <TextFilter
        label="Status"
        name="status"
        value={f.status.join(", ")}
        onCommit={(v) => setFilters({ status: csv(v) })}
      />
      <TextFilter
        label="Tags"
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
      <TextFilter label="Search" name="q" value={f.q} onCommit={(v) => setFilters({ q: v })} />
    </div>
  );
}
