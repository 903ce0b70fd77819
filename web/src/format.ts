/** Formatting helpers for times, durations and metadata paths. */
import { useUtc } from "./prefs.ts";

function span(s: number): string {
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86400) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86400)}d`;
}

/** "5m ago", or "in 5m" for a time ahead. */
export function relative(iso: string, now = Date.now()): string {
  const s = Math.round((now - Date.parse(iso)) / 1000);
  return s < 0 ? `in ${span(-s)}` : `${span(s)} ago`;
}

export function absolute(iso: string, utc = useUtc.value): string {
  const d = new Date(iso);
  if (utc) return d.toISOString().replace("T", " ").slice(0, 19) + " UTC";
  return d.toLocaleString();
}

export function duration(seconds: number): string {
  if (!Number.isFinite(seconds)) return String(seconds);
  if (seconds < 60) return `${Math.round(seconds)}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m ${Math.round(seconds % 60)}s`;
  return `${Math.floor(seconds / 3600)}h ${Math.floor((seconds % 3600) / 60)}m`;
}

/** Reads `metadata.a.b` or a top-level key from an event. */
export function pick(obj: unknown, path: string): unknown {
  let cur: unknown = obj;
  for (const part of path.split(".")) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

export function recencyGroup(iso: string, now = Date.now()): string {
  const age = now - Date.parse(iso);
  if (age < 3600_000) return "Last hour";
  if (age < 86400_000) return "Today";
  if (age < 7 * 86400_000) return "This week";
  return "Earlier";
}

export function isSafeUrl(v: unknown): v is string {
  return typeof v === "string" && /^https?:\/\//.test(v);
}

/** "1 change", "3 changes". */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

const pad = (n: number) => String(n).padStart(2, "0");

/** The date of a moment: "2026-11-30" in UTC, the browser's short date otherwise. */
function dayOf(d: Date, utc: boolean): string {
  return utc ? d.toISOString().slice(0, 10) : d.toLocaleDateString();
}

/** The time of day: "14:05" (with seconds when asked), in UTC or the browser's zone. */
export function clock(iso: string | number, utc = useUtc.value, seconds = false): string {
  const d = new Date(iso);
  if (utc) {
    return `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}${seconds ? `:${pad(d.getUTCSeconds())}` : ""}`;
  }
  return d.toLocaleTimeString([], {
    hour: "2-digit",
    minute: "2-digit",
    ...(seconds ? { second: "2-digit" } : {}),
  });
}

/**
 * A stretch of time, short: "2026-11-30 14:02 to 14:20 UTC" within a day, both dates otherwise; seconds when it
 * lasted under ten minutes (a short gap must not read "14:02 to 14:02").
 */
export function timeSpan(from: string, to: string, utc = useUtc.value): string {
  const a = new Date(from);
  const b = new Date(to);
  const seconds = b.getTime() - a.getTime() < 10 * 60_000;
  const zone = utc ? " UTC" : "";
  const start = `${dayOf(a, utc)} ${clock(from, utc, seconds)}`;
  const end = dayOf(a, utc) === dayOf(b, utc)
    ? clock(to, utc, seconds)
    : `${dayOf(b, utc)} ${clock(to, utc, seconds)}`;
  return `${start} to ${end}${zone}`;
}

/** "40 min", "2.5 h", "3 d": how long, for people (minutes under two hours). */
export function howLong(ms: number): string {
  const m = Math.round(Math.abs(ms) / 60_000);
  if (m < 1) return "under a minute";
  if (m < 120) return `${m} min`;
  const h = Math.abs(ms) / 3_600_000;
  if (h < 48) return `${Number(h.toFixed(1))} h`;
  return `${Number((h / 24).toFixed(1))} d`;
}

/** "16:17 today", "16:17 yesterday", "16:17, 2026-11-27": a moment people name it (UTC or the browser's zone). */
export function dayClock(iso: string, utc = useUtc.value, now = Date.now()): string {
  const d = new Date(iso);
  const day = dayOf(d, utc);
  const c = clock(iso, utc) + (utc ? " UTC" : "");
  if (day === dayOf(new Date(now), utc)) return `${c} today`;
  if (day === dayOf(new Date(now - 86400_000), utc)) return `${c} yesterday`;
  return `${c}, ${day}`;
}

/** A window as people say it: "2h" → "2 h", "30m" → "30 min". */
export function windowText(w: string): string {
  const m = /^(\d+(?:\.\d+)?)([smhdw])$/.exec(w.trim());
  if (!m) return w;
  return `${m[1]} ${{ s: "s", m: "min", h: "h", d: "d", w: "wk" }[m[2]!]}`;
}
