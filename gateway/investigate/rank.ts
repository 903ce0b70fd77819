/**
 * "What changed?": the changes before an incident, ranked by evidence that can be shown. Every point of a score
 * is a reason with its weight: how close before the incident, the same service, the same (or another)
 * environment, the kind of change, a failed or rolled back status, a person rather than a controller, and a chain
 * of linked changes that reached the service. Weights are visible and adjustable per request; the ranking is
 * deterministic (ties: closer first, then id).
 */
import type { ChangeKind, StoredEvent } from "@painchain/shared/internal";

export const DEFAULT_WEIGHTS = {
  /** Up to this much for a change just before the incident, falling to 0 at the window's start. */
  time: 3,
  /** The incident's service: more than every other reason together, so its own changes lead. */
  service: 10,
  /** The incident's environment. */
  environment: 2,
  /** Another environment, named (a staging change for a production incident): usually negative. */
  otherEnvironment: -2,
  /** Times the kind's weight (1 for a deploy, a config change or a flag; less for code, builds, notes). */
  kind: 2,
  /** Failed, rolled back or crash-looping. */
  failed: 2,
  /** Made by a person rather than a controller or bot. */
  person: 1,
  /** Linked (same commit, pull request, image) to a change of the incident's service. */
  chain: 3,
};
export type Weights = typeof DEFAULT_WEIGHTS;
export type WeightName = keyof Weights;

/** How much each kind of change tends to break things (times the `kind` weight). */
export const KIND_WEIGHT: Record<ChangeKind, number> = {
  deploy: 1,
  config: 1,
  flag: 1,
  scale: 0.7,
  infra: 0.6,
  release: 0.6,
  code: 0.5,
  build: 0.3,
  symptom: 0.2,
  note: 0.1,
  admin: 0.1,
};

export interface Incident {
  at: Date;
  windowMs: number;
  service?: string | undefined;
  environment?: string | undefined;
}

export interface Reason {
  code: WeightName;
  text: string;
  /** Points this reason adds (its weight times how strongly it applies). */
  weight: number;
}

export interface Suspect {
  event: StoredEvent;
  score: number;
  reasons: Reason[];
}

const FAILED =
  /^(fail|failed|failure|error|errored|rolled[_ ]?back|rollback|crash|crashloop|crashloopbackoff|cancel+ed|timed_out|degraded|oomkilled|imagepullbackoff)$/i;
const CONTROLLER =
  /controller|operator|manager|autoscaler|scheduler|kubelet|\[bot\]|(^|[-_])bot$|^system:|^dependabot|^renovate|^github-actions/i;
/** Refs that tie changes together into chains (not repo:, branch:, env:, which every change of a repo shares). */
export const LINK_REF = /^(sha|pr|image|tag|mr|helm):/;

export function isFailed(status: string): boolean {
  return FAILED.test(status.trim().replace(/\s+/g, "_"));
}

export function isPerson(author: string): boolean {
  return author.trim() !== "" && !CONTROLLER.test(author.trim());
}

function minutes(ms: number): string {
  const m = Math.round(ms / 60_000);
  if (m < 1) return "less than a minute";
  if (m < 120) return `${m} min`;
  return `${(ms / 3_600_000).toFixed(1)} h`;
}

/**
 * Groups changes that share a linking ref (union-find), and says which groups reach the incident's service:
 * a pull request, its merge push, the run and the deploy of that commit, and the rollout of its image.
 */
export function chainsReaching(events: StoredEvent[], service: string): Map<string, StoredEvent> {
  const parent = new Map<string, string>();
  const find = (x: string): string => {
    let r = x;
    while (parent.get(r) !== r) r = parent.get(r)!;
    parent.set(x, r);
    return r;
  };
  const byRef = new Map<string, string>();
  for (const e of events) {
    parent.set(e.id, e.id);
    for (const ref of e.refs) {
      if (!LINK_REF.test(ref)) continue;
      const other = byRef.get(ref);
      if (other) parent.set(find(e.id), find(other));
      else byRef.set(ref, e.id);
    }
  }
  // The member of each group that is the service's own change (the latest one).
  const reach = new Map<string, StoredEvent>();
  for (const e of events) {
    if (e.service !== service) continue;
    const root = find(e.id);
    const prev = reach.get(root);
    if (!prev || prev.time < e.time) reach.set(root, e);
  }
  const out = new Map<string, StoredEvent>();
  for (const e of events) {
    const hit = reach.get(find(e.id));
    if (hit && hit.id !== e.id && e.service !== service) out.set(e.id, hit);
  }
  return out;
}

/** Scores and sorts the changes before the incident; `kindOf` says each change's kind (from its metadata). */
export function rank(
  events: StoredEvent[],
  incident: Incident,
  weights: Weights,
  kindOf: (e: StoredEvent) => ChangeKind | undefined,
): Suspect[] {
  const at = incident.at.getTime();
  const chained = incident.service
    ? chainsReaching(events, incident.service)
    : new Map<string, StoredEvent>();
  const out: Suspect[] = [];
  for (const e of events) {
    const t = Date.parse(e.time);
    if (t > at) continue;
    const reasons: Reason[] = [];
    const add = (code: WeightName, strength: number, text: string) => {
      const w = weights[code] * strength;
      if (w !== 0) reasons.push({ code, text, weight: Math.round(w * 100) / 100 });
    };
    const before = at - t;
    add("time", Math.max(0, 1 - before / incident.windowMs), `${minutes(before)} before the incident`);
    if (incident.service && e.service === incident.service) add("service", 1, `Same service (${e.service})`);
    if (incident.environment && e.environment) {
      if (e.environment === incident.environment) {
        add("environment", 1, `Same environment (${e.environment})`);
      } else add("otherEnvironment", 1, `Another environment (${e.environment})`);
    }
    const kind = kindOf(e);
    if (kind) add("kind", KIND_WEIGHT[kind], `A ${kind} change`);
    if (isFailed(e.status)) add("failed", 1, `Status ${e.status}`);
    if (isPerson(e.author)) add("person", 1, `Made by a person (${e.author})`);
    const via = chained.get(e.id);
    if (via) add("chain", 1, `Linked to ${via.service}'s "${via.title.slice(0, 80)}"`);
    const score = Math.round(reasons.reduce((s, r) => s + r.weight, 0) * 100) / 100;
    out.push({ event: e, score, reasons: reasons.sort((a, b) => b.weight - a.weight) });
  }
  return out.sort((a, b) =>
    b.score - a.score || Date.parse(b.event.time) - Date.parse(a.event.time) ||
    (a.event.id < b.event.id ? -1 : 1)
  );
}

/** Weights from a request (`time:3,service:8`) over the defaults; unknown names or non-numbers are an error. */
export function parseWeights(text: string | undefined, base: Weights = DEFAULT_WEIGHTS): Weights {
  const w = { ...base };
  if (!text) return w;
  for (const part of text.split(",").map((s) => s.trim()).filter(Boolean)) {
    const [name, value] = part.split(/[:=]/);
    if (!name || !(name in w)) {
      throw new Error(`Unknown weight "${name}" (known: ${Object.keys(w).join(", ")})`);
    }
    const n = Number(value);
    if (!Number.isFinite(n) || Math.abs(n) > 100) {
      throw new Error(`Weight ${name} must be a number between -100 and 100`);
    }
    w[name as WeightName] = n;
  }
  return w;
}
