/** Detail panel: sections and fields from the connector's eventTypes, then any other metadata, generically. */
import type { DetailField } from "./api.ts";
import { absolute, duration, isSafeUrl, pick } from "./format.ts";
import { Badge, Logo } from "./event_list.tsx";
import { metaById, selected } from "./state.ts";

const VIS_KEY = "painchain.visibility";

export function visibility(): Record<string, Record<string, boolean>> {
  try {
    return JSON.parse(localStorage.getItem(VIS_KEY) ?? "{}");
  } catch {
    return {};
  }
}

function Value({ v, format }: { v: unknown; format: string }) {
  if (v === undefined || v === null || v === "") return <span class="muted">—</span>;
  if (format === "diff" && Array.isArray(v)) {
    return (
      <table class="diff">
        <tbody>
          {v.map((d, i) => (
            <tr key={i}>
              <th>
                {String((d as Record<string, unknown>).field ?? (d as Record<string, unknown>).path ?? "")}
              </th>
              <td class="before">{JSON.stringify((d as Record<string, unknown>).before)}</td>
              <td class="after">{JSON.stringify((d as Record<string, unknown>).after)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    );
  }
  if (format === "link" || isSafeUrl(v)) {
    return isSafeUrl(v)
      ? <a href={v} target="_blank" rel="noopener noreferrer">{v}</a>
      : <span>{String(v)}</span>;
  }
  if (format === "time" && typeof v === "string") return <time title={v}>{absolute(v)}</time>;
  if (format === "duration" && typeof v === "number") return <span>{duration(v)}</span>;
  if (Array.isArray(v)) {
    if (v.every((x) => typeof x !== "object")) return <span>{v.join(", ")}</span>;
    return <pre>{JSON.stringify(v, null, 2)}</pre>;
  }
  if (typeof v === "object") return <pre>{JSON.stringify(v, null, 2)}</pre>;
  if (format === "code") return <code>{String(v)}</code>;
  return <span>{String(v)}</span>;
}

export function DetailPanel() {
  const e = selected.value;
  if (!e) return null;
  const meta = metaById.value.get(e.connector);
  const type = meta?.eventTypes[e.eventType];
  const vis = visibility()[`${e.connector}.${e.eventType}`] ?? {};
  const shown = (f: DetailField) => vis[f.key] ?? f.visible;
  const used = new Set((type?.sections ?? []).flatMap((s) => s.fields.map((f) => f.key)));
  const rest = Object.entries(e.metadata).filter(([k]) => !used.has(`metadata.${k}`));
  return (
    <aside class="detail" aria-label="Change details">
      <header>
        <Logo connector={e.connector} size={28} />
        <div>
          <h2>{e.title}</h2>
          <Badge connector={e.connector} /> <span class="type">{type?.displayName ?? e.eventType}</span>
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
        <dt>Status</dt>
        <dd>
          <Value v={e.status} format="text" />
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
            <dd>{e.tags.join(", ")}</dd>
          </>
        )}
      </dl>
      {e.description && <p class="description">{e.description}</p>}
      {(type?.sections ?? []).map((s) => {
        const fields = s.fields.filter(shown);
        if (fields.length === 0) return null;
        return (
          <section key={s.title}>
            <h3>{s.title}</h3>
            <dl>
              {fields.map((f) => [
                <dt key={`t${f.key}`}>{f.label}</dt>,
                <dd key={`d${f.key}`}>
                  <Value v={pick(e, f.key)} format={f.format} />
                </dd>,
              ])}
            </dl>
          </section>
        );
      })}
      {rest.length > 0 && (
        <section>
          <h3>More</h3>
          <dl>
            {rest.map(([k, v]) => [
              <dt key={`t${k}`}>{k}</dt>,
              <dd key={`d${k}`}>
                <Value v={v} format="text" />
              </dd>,
            ])}
          </dl>
        </section>
      )}
      <footer class="muted">
        id <code>{e.id}</code> · version {e.version}
        <button
          type="button"
          class="link"
          onClick={() => navigator.clipboard?.writeText(`${location.origin}/?q=${encodeURIComponent(e.id)}`)}
        >
          Copy link
        </button>
      </footer>
    </aside>
  );
}
