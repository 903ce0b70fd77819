/**
 * Incident mode, the pure part: the investigation in the URL (at, window, service, environment, weights), a pasted
 * time read back, the weights adjusted, reasons and chain links in a few words, and coverage gaps as sentences.
 * Times are parsed with shared/moment.ts, the same code the API uses, so what the page reads back is what the
 * server will understand.
 */
import { formatWindow, parseMoment, parseWindow } from "@painchain/shared/moment";
import type { ChainLink, Gap, Reason, WeightName } from "./api.ts";
import { howLong, timeSpan } from "./format.ts";

export { formatWindow, parseMoment, parseWindow };

export interface Incident {
  /** The moment, as ISO (what was pasted is resolved before it goes into the URL). */
  at: string;
  /** How far back to look: "30m", "2h", "1d". */
  window: string;
  service: string;
  environment: string;
  /** Adjusted weights only, as the API takes them: "time:5,service:8". The rest are the server's defaults. */
  weights: string;
}

export const DEFAULT_WINDOW = "2h";
/** The windows offered; the API takes up to 7 days. */
export const WINDOWS = ["30m", "1h", "2h", "6h", "12h", "24h", "3d", "7d"];
/** How long after the moment the answer lists changes apart (the API's default). */
export const AFTER_MS = 30 * 60_000;

/** The weights in the order they are shown, with what each one rewards. */
export const WEIGHTS: { name: WeightName; label: string; help: string }[] = [
  { name: "service", label: "Same service", help: "A change of the service you named" },
  {
    name: "time",
    label: "Close in time",
    help: "Full for a change just before the moment, nothing at the window's start",
  },
  { name: "environment", label: "Same environment", help: "A change in the environment you named" },
  {
    name: "otherEnvironment",
    label: "Another environment",
    help: "A change in another named environment (usually negative)",
  },
  {
    name: "kind",
    label: "Kind of change",
    help: "Times 1 for a deploy, config change or flag; less for code, builds, notes",
  },
  {
    name: "failed",
    label: "Failed or rolled back",
    help: "Its status says it failed, rolled back or crashed",
  },
  { name: "person", label: "Made by a person", help: "Not a controller or a bot" },
  {
    name: "chain",
    label: "Linked to the service",
    help: "Same commit, pull request or image as a change of the service",
  },
];

export function incidentFromUrl(search: string): Incident {
  const p = new URLSearchParams(search);
  return {
    at: p.get("at") ?? "",
    window: p.get("window") || DEFAULT_WINDOW,
    service: p.get("service") ?? "",
    environment: p.get("environment") ?? "",
    weights: p.get("weights") ?? "",
  };
}

/** The URL form (and, with `limit`, the API's): only what is set, always in the same order. */
export function incidentToQuery(i: Incident, limit?: number): URLSearchParams {
  const p = new URLSearchParams();
  if (i.at) p.set("at", i.at);
  p.set("window", i.window || DEFAULT_WINDOW);
  if (i.service) p.set("service", i.service);
  if (i.environment) p.set("environment", i.environment);
  if (i.weights) p.set("weights", i.weights);
  if (limit) p.set("limit", String(limit));
  return p;
}

/** The range the investigation covers: the window before the moment and the half hour after. */
export function incidentRange(i: Incident): { from: number; at: number; to: number } | null {
  const at = Date.parse(i.at);
  const window = parseWindow(i.window);
  if (!Number.isFinite(at) || !window) return null;
  return { from: at - window, at, to: at + AFTER_MS };
}

/** "time:5,service:8" → { time: 5, service: 8 }; what is not a known name and a number is left out. */
export function parseAdjusted(text: string): Partial<Record<WeightName, number>> {
  const known = new Set<string>(WEIGHTS.map((w) => w.name));
  const out: Partial<Record<WeightName, number>> = {};
  for (const part of text.split(",")) {
    const [name, value] = part.trim().split(/[:=]/);
    const n = Number(value);
    if (name && known.has(name) && value !== undefined && value.trim() !== "" && Number.isFinite(n)) {
      out[name as WeightName] = n;
    }
  }
  return out;
}

/** The adjusted weights as the URL and the API take them, in the order they are shown. */
export function formatAdjusted(w: Partial<Record<WeightName, number>>): string {
  return WEIGHTS.filter((x) => w[x.name] !== undefined).map((x) => `${x.name}:${w[x.name]}`).join(",");
}

/** One weight set (a number) or back to the server's default (null). */
export function adjustWeight(text: string, name: WeightName, value: number | null): string {
  const w = parseAdjusted(text);
  if (value === null) delete w[name];
  else w[name] = value;
  return formatAdjusted(w);
}

/** A weight with its sign, one decimal at most: "+10", "+2.6", "−2" (a true minus sign). */
export function signed(w: number): string {
  const r = Math.round(w * 10) / 10;
  const s = Number.isInteger(r) ? String(Math.abs(r)) : Math.abs(r).toFixed(1);
  return `${r < 0 ? "\u2212" : "+"}${s}`;
}

/** A score, one decimal at most (two when `other` would otherwise read the same). */
export function score(n: number, other?: number): string {
  const r = Math.round(n * 10) / 10;
  if (other !== undefined && other !== n && Math.round(other * 10) / 10 === r) {
    return String(Math.round(n * 100) / 100);
  }
  return Number.isInteger(r) ? String(r) : r.toFixed(1);
}

/** A reason in a few words, for a compact row ("same service", "deploy", "by alice", "40 min before"). */
export function reasonLabel(r: Reason): string {
  const inner = /\(([^)]*)\)\s*$/.exec(r.text)?.[1];
  switch (r.code) {
    case "time":
      return r.text.replace(/ before the incident$/, " before");
    case "service":
      return inner ? `service ${inner}` : "same service";
    case "environment":
      return inner ?? "same environment";
    case "otherEnvironment":
      return inner ? `other env: ${inner}` : "other environment";
    case "kind":
      return /^An? (.+) change$/.exec(r.text)?.[1] ?? "kind";
    case "failed":
      return r.text.replace(/^Status /, "");
    case "person":
      return inner ? `by ${inner}` : "a person";
    case "chain":
      return "linked to the service";
  }
  return r.text;
}

/** What a pasted time was read as, for the reader to check before investigating. */
export type ReadBack =
  | { ok: true; iso: string; utc: string; local: string | null; ago: string }
  | { ok: false; message: string };

/** Reads a pasted time back: the moment in UTC, in the browser's zone when that differs, and how long ago. */
export function readBack(text: string, now = Date.now(), zoneOffsetMin?: number): ReadBack | null {
  if (!text.trim()) return null;
  const d = parseMoment(text, new Date(now));
  if (!d) {
    return {
      ok: false,
      message:
        "Not a time PainChain can read. Try 2026-11-30 14:05 UTC, an ISO time, 14:05 (today, UTC), 10m ago or now.",
    };
  }
  const iso = d.toISOString();
  const offset = zoneOffsetMin ?? d.getTimezoneOffset();
  const local = offset === 0
    ? null
    : `${d.toLocaleDateString()} ${
      d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit" })
    } your time`;
  const diff = now - d.getTime();
  return {
    ok: true,
    iso,
    utc: `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC`,
    local,
    ago: Math.abs(diff) < 30_000 ? "now" : diff > 0 ? `${howLong(diff)} ago` : `in ${howLong(diff)}`,
  };
}

/** How a change of a chain is linked to the one it was reached from, in words. */
export function linkText(via: ChainLink): string {
  const [kind, ...rest] = via.key.split(":");
  const value = rest.join(":");
  switch (kind) {
    case "sha":
      return `same commit ${value.slice(0, 7)}`;
    case "sha7":
      return `image tag matches commit ${value} by prefix`;
    case "pr":
      return `same pull request ${value}`;
    case "mr":
      return `same merge request ${value}`;
    case "image":
      return `same image ${value.split("/").at(-1)}`;
    case "tag":
      return `same tag ${value}`;
    case "helm":
      return `same Helm release ${value}`;
  }
  return via.key;
}

const SHA = /^sha:([0-9a-f]{7,40})$/i;
const IMAGE_TAG = /^image:.*:([0-9a-f]{7,40})$/i;
const all = (refs: string[], re: RegExp) =>
  refs.map((r) => re.exec(r)?.[1]?.toLowerCase()).filter((x): x is string => !!x);

/**
 * How a member of a chain is linked, checked against the two changes' refs: a seven-digit key shared by two
 * changes of the same commit is that commit, exactly (the API may name the shorter key); otherwise an image tag
 * that is a prefix of a commit, a lower confidence.
 */
export function describeLink(
  via: ChainLink,
  e: { refs: string[] },
  from: { refs: string[] } | undefined,
): { text: string; exact: boolean } {
  if (via.key.startsWith("sha7:") && from) {
    const mine = all(e.refs, SHA);
    const same = mine.find((s) => all(from.refs, SHA).includes(s));
    if (same) return { text: `same commit ${same.slice(0, 7)}`, exact: true };
    const tag = all(e.refs, IMAGE_TAG)[0] ?? all(from.refs, IMAGE_TAG)[0];
    const commit = mine[0] ?? all(from.refs, SHA)[0];
    if (tag && commit) {
      return { text: `image tag ${tag} matches commit ${commit.slice(0, 7)} by prefix`, exact: false };
    }
  }
  return { text: linkText(via), exact: via.confidence === "exact" };
}

const GAP_REASONS: Record<Gap["reason"], string> = {
  erroring: "its polls failed",
  rate_limited: "rate-limited",
  not_watching: "not polled",
};

/** "PainChain was not watching Acme on GitHub from 2026-11-30 14:02 to 14:20 UTC (its polls failed: 401 …)". */
export function gapText(g: Gap, utc?: boolean): string {
  // The detail's own brackets ("no poll for 80 s (interval 5 s)") would nest in the sentence's.
  const detail = g.detail.replace(/\s*\(([^()]*)\)/g, ", $1")
    // "2400 s" reads better as "40 min".
    .replace(/\b(\d+) s\b/g, (m, n) => (Number(n) >= 120 ? howLong(Number(n) * 1000) : m)).trim();
  const why = detail ? `${GAP_REASONS[g.reason]}: ${detail}` : GAP_REASONS[g.reason];
  return `PainChain was not watching ${g.connectionName || g.connectionId} from ${
    timeSpan(g.from, g.to, utc)
  } (${why})`;
}

/** The gaps that cover a moment (ms), or a stretch [a, b). */
export function gapsAt(gaps: Gap[], a: number, b = a + 1): Gap[] {
  return gaps.filter((g) => Date.parse(g.from) < b && Date.parse(g.to) > a);
}

/** Rank changes between two answers of the same question (after the weights or the window changed). */
export function movement(before: string[] | null, after: string[]): Map<string, number | "new"> {
  const out = new Map<string, number | "new">();
  if (!before) return out;
  const was = new Map(before.map((id, i) => [id, i]));
  after.forEach((id, i) => {
    const prev = was.get(id);
    out.set(id, prev === undefined ? "new" : prev - i);
  });
  return out;
}
