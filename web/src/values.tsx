/** Metadata values rendered generically: links, times, durations, lists, nested objects and before/after diffs. */
import { absolute, duration, isSafeUrl, relative } from "./format.ts";

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/;

const shown = (v: unknown) => (v === undefined || v === null ? "—" : JSON.stringify(v));

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
            <td class="before tone-bad">{shown(d.before)}</td>
            <td class="after tone-ok">{shown(d.after)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export const isDiff = (v: unknown): v is Record<string, unknown>[] =>
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
