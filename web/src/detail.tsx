/**
 * Detail panel: where and when the change happened, the sections and fields from the connector's eventTypes with
 * field visibility applied, and any other metadata rendered generically. Beside the list in a wide window; in a
 * narrow one a modal sheet over it (Esc or the close button closes it, focus returns to the card).
 */
import type { ComponentChildren } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import type { ChangeEvent, DetailField } from "./api.ts";
import { Badge, EnvPill, Logo, Status } from "./card.tsx";
import { ChainSection } from "./chain.tsx";
import { pick } from "./format.ts";
import { incident, incidentUrl, setIncident } from "./investigation.ts";
import { whereOf } from "./place.ts";
import {
  filters,
  filtersToQuery,
  metaById,
  narrow,
  resetVisibility,
  selected,
  setFieldVisible,
  setFilters,
  view,
  visibility,
} from "./state.ts";
import { isDiff, Value } from "./values.tsx";

function FieldSettings({ type, fields }: { type: string; fields: DetailField[] }) {
  const vis = visibility.value[type] ?? {};
  return (
    <div class="field-settings" role="group" aria-label="Visible fields">
      {fields.map((f) => (
        <label key={f.key} class="check">
          <input
            type="checkbox"
            checked={vis[f.key] ?? f.visible}
            onChange={(e) => setFieldVisible(type, f.key, e.currentTarget.checked)}
          />
          {f.label}
        </label>
      ))}
      <button type="button" class="link" onClick={() => resetVisibility(type)}>Reset to defaults</button>
    </div>
  );
}

/**
 * A fact with a button narrowing the timeline to it; in incident mode, a service or environment becomes the
 * investigation's (its changes then rank first), and the rest is plain text.
 */
function Narrow(
  { label, value, only, focus }: {
    label: string;
    value: string;
    only: () => void;
    focus?: "service" | "environment";
  },
) {
  if (view.value === "investigate") {
    if (!focus || incident.value[focus] === value) return <>{value}</>;
    return (
      <>
        {value}
        <button
          type="button"
          class="link small"
          onClick={() => setIncident({ [focus]: value })}
          aria-label={`Investigate ${label} ${value}`}
        >
          investigate this {label}
        </button>
      </>
    );
  }
  return (
    <>
      {value}
      <button type="button" class="link small" onClick={only} aria-label={`Only this ${label}: ${value}`}>
        only this
      </button>
    </>
  );
}

/** The environment or service of a change, when it has one: the list, or the investigation, narrows to it. */
function PlaceFact(
  { field, title, value }: { field: "service" | "environment"; title: string; value: string },
) {
  if (!value) return null;
  return (
    <>
      <dt>{title}</dt>
      <dd>
        <Narrow label={field} value={value} only={() => setFilters({ [field]: [value] })} focus={field} />
      </dd>
    </>
  );
}

function close() {
  const id = selected.value?.id;
  selected.value = null;
  // Back to the card (or suspect) the panel was opened from, when it is still rendered.
  if (id) {
    requestAnimationFrame(() =>
      document.querySelector<HTMLElement>(`main [data-id="${CSS.escape(id)}"]`)?.focus()
    );
  }
}

/** A modal sheet over the page: the browser keeps the focus inside and Esc cancels it. */
function Sheet({ children }: { children: ComponentChildren }) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = ref.current!;
    if (!d.open) d.showModal();
    return () => d.open && d.close();
  }, []);
  return (
    <dialog
      ref={ref}
      class="detail sheet"
      aria-labelledby="detail-title"
      onCancel={(e) => {
        e.preventDefault();
        close();
      }}
      onClick={(e) => e.target === ref.current && close()}
    >
      <div class="sheet-body">{children}</div>
    </dialog>
  );
}

export function DetailPanel() {
  const e = selected.value;
  if (!e) return null;
  if (narrow.value) {
    return (
      <Sheet>
        <DetailBody e={e} inSheet />
      </Sheet>
    );
  }
  return (
    <aside
      class="detail"
      aria-labelledby="detail-title"
      onKeyDown={(k) => k.key === "Escape" && close()}
    >
      <DetailBody e={e} />
    </aside>
  );
}

function DetailBody({ e, inSheet = false }: { e: ChangeEvent; inSheet?: boolean }) {
  const [customizing, setCustomizing] = useState(false);
  const [copied, setCopied] = useState(false);
  const meta = metaById.value.get(e.connector);
  const type = meta?.eventTypes[e.eventType];
  const typeKey = `${e.connector}.${e.eventType}`;
  const vis = visibility.value[typeKey] ?? {};
  const shown = (f: DetailField) => vis[f.key] ?? f.visible;
  const allFields = (type?.sections ?? []).flatMap((s) => s.fields);
  const used = new Set(allFields.map((f) => f.key));
  const rest = Object.entries(e.metadata).filter(([k]) => !used.has(`metadata.${k}`));
  // Diffs take the panel's full width; other values sit in a label/value grid.
  const restPlain = rest.filter(([, v]) => !isDiff(v));
  const restDiffs = rest.filter(([, v]) => isDiff(v));
  const where = whereOf(e);
  const link = () => {
    if (view.value === "investigate") return `${location.origin}${incidentUrl(undefined, e.id)}`;
    const qs = filtersToQuery(filters.value);
    qs.set("event", e.id);
    return `${location.origin}/?${qs}`;
  };
  return (
    <>
      <header>
        <Logo connector={e.connector} size={28} />
        <div class="detail-title">
          <h2 id="detail-title">{e.title}</h2>
          <div class="detail-badges">
            <Badge connector={e.connector} /> <span class="type">{type?.displayName ?? e.eventType}</span>
            <EnvPill env={e.environment} />
            <Status status={e.status} />
          </div>
        </div>
        <button type="button" class="close" aria-label="Close details" autofocus={inSheet} onClick={close}>
          ×
        </button>
      </header>
      <dl class="facts">
        <dt>When</dt>
        <dd>
          <Value v={e.time} format="time" />
        </dd>
        <PlaceFact field="environment" title="Environment" value={e.environment} />
        <PlaceFact field="service" title="Service" value={e.service} />
        {where && (
          <>
            <dt>Where</dt>
            <dd>
              <code>{where}</code>
            </dd>
          </>
        )}
        {e.team && (
          <>
            <dt>Team</dt>
            <dd>{e.team}</dd>
          </>
        )}
        <dt>Author</dt>
        <dd>
          {e.author
            ? <Narrow label="author" value={e.author} only={() => setFilters({ author: [e.author] })} />
            : <Value v={e.author} format="text" />}
        </dd>
        {e.url && (
          <>
            <dt>Link</dt>
            <dd>
              <Value v={e.url} format="link" />
            </dd>
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
      <ChainSection e={e} />
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
          {restPlain.length > 0 && (
            <dl>
              {restPlain.map(([k, v]) => [
                <dt key={`t${k}`}>{k}</dt>,
                <dd key={`d${k}`}>
                  <Value v={v} format="text" name={k} />
                </dd>,
              ])}
            </dl>
          )}
          {restDiffs.map(([k, v]) => (
            <div class="diff-block" key={k}>
              <h4>{k}</h4>
              <Value v={v} format="diff" name={k} />
            </div>
          ))}
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
    </>
  );
}
