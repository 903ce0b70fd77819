/**
 * Detail panel: sections and fields from the connector's eventTypes with field visibility applied, any other
 * metadata rendered generically (links, times, durations, lists, nested objects), and a before/after diff view.
 */
import { useState } from "preact/hooks";
import type { DetailField } from "./api.ts";
import { absolute, duration, isSafeUrl, pick, relative } from "./format.ts";
import { Badge, Logo } from "./event_list.tsx";
import {
  filters,
  filtersToQuery,
  metaById,
  resetVisibility,
  selected,
  setFieldVisible,
  visibility,
} from "./state.ts";

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/;

function Diff({ rows }: { rows: Record<string, unknown>[] }) {
  return (
    <table class="diff">
      <thead>
        <tr>
          <th scope="col">Field</th>
          <th scope="col">Before</th>
          <th scope="col">After</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((d, i) => (
          <tr key={i}>
            <th scope="row">{String(d.field ?? d.path ?? "")}</th>
            <td class="before">
              {d.before === undefined || d.before === null ? "—" : JSON.stringify(d.before)}
            </td>
            <td class="after">{d.after === undefined || d.after === null ? "—" : JSON.stringify(d.after)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

const isDiff = (v: unknown): v is Record<string, unknown>[] =>
  Array.isArray(v) && v.length > 0 &&
  v.every((d) => d && typeof d === "object" && ("before" in d || "after" in d));

export function Value({ v, format, name = "" }: { v: unknown; format: string; name?: string }) {
  if (v === undefined || v === null || v === "" || (Array.isArray(v) && v.length === 0)) {
    return <span class="muted">—</span>;
  }
  if (format === "diff" || isDiff(v)) {
    return isDiff(v) ? <Diff rows={v} /> : <span class="muted">no changes</span>;
  }
  if (isSafeUrl(v)) return <a href={v} target="_blank" rel="noopener noreferrer">{v}</a>;
  if ((format === "time" || ISO.test(String(v))) && typeof v === "string") {
    return <time dateTime={v} title={absolute(v)}>{absolute(v)} ({relative(v)})</time>;
  }
  if (typeof v === "number" && (format === "duration" || /(duration|seconds)$/i.test(name))) {
    return <span>{duration(v)}</span>;
  }
  if (Array.isArray(v)) {
    if (v.every((x) => typeof x !== "object")) {
      return <ul class="values">{v.map((x, i) => <li key={i}>{String(x)}</li>)}</ul>;
    }
    return <pre>{JSON.stringify(v, null, 2)}</pre>;
  }
  if (typeof v === "object") {
    return (
      <dl class="nested">
        {Object.entries(v as Record<string, unknown>).map(([k, x]) => [
          <dt key={`t${k}`}>{k}</dt>,
          <dd key={`d${k}`}>
            <Value v={x} format="text" name={k} />
          </dd>,
        ])}
      </dl>
    );
  }
  if (typeof v === "boolean") return <span>{v ? "yes" : "no"}</span>;
  if (format === "code") return <code>{String(v)}</code>;
  return <span>{String(v)}</span>;
}

function FieldSettings({ type, fields }: { type: string; fields: DetailField[] }) {
  const vis = visibility.value[type] ?? {};
  return (
    <div class="field-settings" role="group" aria-label="Visible fields">
      {fields.map((f) => (
        <label key={f.key}>
          <input
            type="checkbox"
            checked={vis[f.key] ?? f.visible}
            onChange={(e) => setFieldVisible(type, f.key, e.currentTarget.checked)}
          />{" "}
          {f.label}
        </label>
      ))}
      <button type="button" class="link" onClick={() => resetVisibility(type)}>Reset to defaults</button>
    </div>
  );
}

export function DetailPanel() {
  const e = selected.value;
  const [customizing, setCustomizing] = useState(false);
  const [copied, setCopied] = useState(false);
  if (!e) return null;
  const meta = metaById.value.get(e.connector);
  const type = meta?.eventTypes[e.eventType];
  const typeKey = `${e.connector}.${e.eventType}`;
  const vis = visibility.value[typeKey] ?? {};
  const shown = (f: DetailField) => vis[f.key] ?? f.visible;
  const allFields = (type?.sections ?? []).flatMap((s) => s.fields);
  const used = new Set(allFields.map((f) => f.key));
  const rest = Object.entries(e.metadata).filter(([k]) => !used.has(`metadata.${k}`));
  const link = () => {
    const qs = filtersToQuery(filters.value);
    qs.set("event", e.id);
    return `${location.origin}/?${qs}`;
  };
  return (
    <aside class="detail" aria-label="Change details">
      <header>
        <Logo connector={e.connector} size={28} />
        <div class="detail-title">
          <h2>{e.title}</h2>
          <Badge connector={e.connector} /> <span class="type">{type?.displayName ?? e.eventType}</span>
          {e.status && <span class={`status status-${e.status.toLowerCase()}`}>{e.status}</span>}
        </div>
        <button
          type="button"
          class="close"
          aria-label="Close details"
          onClick={() => (selected.value = null)}
        >
          ×
        </button>
      </header>
      <dl class="facts">
        <dt>When</dt>
        <dd>
          <Value v={e.time} format="time" />
        </dd>
        <dt>Author</dt>
        <dd>
          <Value v={e.author} format="text" />
        </dd>
        {e.url && (
          <>
            <dt>Link</dt>
            <dd>
              <Value v={e.url} format="link" />
            </dd>
          </>
        )}
        {e.subject && (
          <>
            <dt>Subject</dt>
            <dd>{e.subject}</dd>
          </>
        )}
        {e.tags.length > 0 && (
          <>
            <dt>Tags</dt>
            <dd>{e.tags.map((t) => <span class="tag" key={t}>{t}</span>)}</dd>
          </>
        )}
      </dl>
      {e.description && <p class="description">{e.description}</p>}
      {allFields.length > 0 && (
        <button
          type="button"
          class="link small"
          aria-expanded={customizing}
          onClick={() => setCustomizing(!customizing)}
        >
          {customizing ? "Done" : "Customize fields"}
        </button>
      )}
      {customizing && <FieldSettings type={typeKey} fields={allFields} />}
      {(type?.sections ?? []).map((s) => {
        const fields = s.fields.filter(shown);
        if (fields.length === 0) return null;
        // Diffs take the panel's full width; other fields sit in a label/value grid.
        const plain = fields.filter((f) => f.format !== "diff");
        const diffs = fields.filter((f) => f.format === "diff");
        return (
          <section key={s.title}>
            <h3>{s.title}</h3>
            {plain.length > 0 && (
              <dl>
                {plain.map((f) => [
                  <dt key={`t${f.key}`}>{f.label}</dt>,
                  <dd key={`d${f.key}`}>
                    <Value v={pick(e, f.key)} format={f.format} name={f.key} />
                  </dd>,
                ])}
              </dl>
            )}
            {diffs.map((f) => (
              <div class="diff-block" key={f.key}>
                <Value v={pick(e, f.key)} format="diff" name={f.key} />
              </div>
            ))}
          </section>
        );
      })}
      {rest.length > 0 && (
        <section>
          <h3>{type ? "More" : "Details"}</h3>
          <dl>
            {rest.map(([k, v]) => [
              <dt key={`t${k}`}>{k}</dt>,
              <dd key={`d${k}`}>
                <Value v={v} format="text" name={k} />
              </dd>,
            ])}
          </dl>
        </section>
      )}
      <footer class="muted">
        <code>{e.id}</code> · version {e.version}
        <button
          type="button"
          class="link"
          onClick={() => {
            void navigator.clipboard?.writeText(link()).then(() => setCopied(true)).catch(() =>
              setCopied(false)
            );
            setTimeout(() => setCopied(false), 2000);
          }}
        >
          {copied ? "Link copied" : "Copy link"}
        </button>
      </footer>
    </aside>
  );
}
