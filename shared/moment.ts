/**
 * Times as people paste them from a pager or a chat: ISO 8601, "2026-11-30 14:05[:07] [UTC|Z|+01:00]", RFC 2822
 * ("Mon, 30 Nov 2026 14:05:07 GMT"), epoch seconds or milliseconds, "14:05" (today, UTC), "10m ago", "an hour
 * ago" and "now".
 * Windows are "90s", "30m", "2h", "1d". Both are shared by the API and the dashboard.
 */

const UNITS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** Milliseconds of "30m", "2h", "1d", "90s" (or a bare number of minutes); null when it is none of these. */
export function parseWindow(text: string): number | null {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(s|sec|secs|m|min|mins|h|hr|hrs|d|day|days|w)?\s*$/i.exec(text);
  if (!m) return null;
  const unit = (m[2] ?? "m").toLowerCase()[0]!;
  const ms = Number(m[1]) * UNITS[unit]!;
  return Number.isFinite(ms) && ms > 0 ? ms : null;
}

/** "2h", "30m", "1d 4h" for a number of milliseconds. */
export function formatWindow(ms: number): string {
  if (ms % UNITS.d! === 0) return `${ms / UNITS.d!}d`;
  if (ms % UNITS.h! === 0) return `${ms / UNITS.h!}h`;
  if (ms % UNITS.m! === 0) return `${ms / UNITS.m!}m`;
  return `${Math.round(ms / 1000)}s`;
}

/** The moment a pasted text names, or null. `now` resolves "14:05" and "10m ago". */
export function parseMoment(text: string, now: Date = new Date()): Date | null {
  const t = text.trim();
  if (!t) return null;
  // Epoch seconds (10 digits) or milliseconds (13 digits).
  if (/^\d{10}(\.\d+)?$/.test(t)) return valid(new Date(Number(t) * 1000));
  if (/^\d{13}$/.test(t)) return valid(new Date(Number(t)));
  // "now", "just now": what an engineer types while it is still breaking.
  if (/^(?:just |right )?now$/i.test(t)) return new Date(now);
  // "10m ago", "2 hours ago", "an hour ago".
  const ago =
    /^(\d+(?:\.\d+)?|an?)\s*(s|sec|secs|seconds?|m|min|mins|minutes?|h|hr|hrs|hours?|d|days?)\s+ago$/i.exec(
      t,
    );
  if (ago) {
    const n = /^an?$/i.test(ago[1]!) ? 1 : Number(ago[1]);
    return valid(new Date(now.getTime() - n * UNITS[ago[2]!.toLowerCase()[0]!]!));
  }
  // "14:05" or "14:05:07" [UTC]: today, in UTC.
  const clock = /^(\d{1,2}):(\d{2})(?::(\d{2}))?\s*(?:UTC|Z)?$/i.exec(t);
  if (clock) {
    if (Number(clock[1]) > 23 || Number(clock[2]) > 59 || Number(clock[3] ?? 0) > 59) return null;
    const d = new Date(now);
    d.setUTCHours(Number(clock[1]), Number(clock[2]), Number(clock[3] ?? 0), 0);
    return valid(d);
  }
  // "2026-11-30 14:05[:07[.123]] [UTC|Z|GMT|+01:00|+0100]" and ISO 8601.
  const local =
    /^(\d{4}-\d{2}-\d{2})[ T](\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)\s*(UTC|GMT|Z|[+-]\d{2}:?\d{2})?$/i.exec(t);
  if (local) {
    const zone = !local[3] || /^(UTC|GMT|Z)$/i.test(local[3])
      ? "Z"
      : local[3].replace(/^([+-]\d{2})(\d{2})$/, "$1:$2");
    const hms = local[2]!.length <= 5 ? `${local[2]}:00` : local[2];
    const d = valid(new Date(`${local[1]}T${hms!.padStart(8, "0")}${zone}`));
    // Date rolls 2026-13-45 over into 2027; a date that does not exist is refused instead.
    return d && zone === "Z" && d.toISOString().slice(0, 10) !== local[1] ? null : d;
  }
  if (/^\d{4}-\d{2}-\d{2}$/.test(t)) return valid(new Date(`${t}T00:00:00Z`));
  // RFC 2822 and other forms Date.parse knows ("Mon, 30 Nov 2026 14:05:07 GMT").
  if (/[a-z]/i.test(t)) return valid(new Date(t));
  return null;
}

function valid(d: Date): Date | null {
  const t = d.getTime();
  return Number.isFinite(t) && t > Date.UTC(1970, 0, 1) && t < Date.UTC(3000, 0, 1) ? d : null;
}
