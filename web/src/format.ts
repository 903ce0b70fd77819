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
