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

/** What ranking reads of a change (a light row: no description, metadata or URL). */
export type Candidate = Pick<StoredEvent, "id" | "connector" | "eventType" | "time" | CandidateField>;

/** The fields of a Candidate that a stored row names the same way. */
export type CandidateField = "service" | "environment" | "status" | "author" | "refs" | "title";

export interface Suspect<E extends Candidate = StoredEvent> {
  event: E;
  score: number;
  reasons: Reason[];
}

const FAILED =
  /^(fail|failed|failure|error|errored|rolled[_ ]?back|rollback|crash|crashloop|crashloopbackoff|cancel+ed|timed_out|degraded|oomkilled|imagepullbackoff)$/i;
/** Controllers, bots and deploy tools (Kubernetes field managers such as helm or kubectl-client-side-apply). */
const CONTROLLER =
  /controller|operator|manager|autoscaler|scheduler|kubelet|\[bot\]|(^|[-_])bot$|^system:|^dependabot|^renovate|^github-actions|^helm$|^kubectl(-|$)|^argocd|^flux|^terraform|^kustomize|^spinnaker|^jenkins$|^gitlab-runner/i;
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

const SHA_REF = /^sha:([0-9a-f]{7,40})$/i;
const IMAGE_TAG_REF = /^image:.*:([0-9a-f]{7,40})$/i;

/**
 * Groups changes that share a linking ref (union-find), and says which groups reach the incident's service:
 * a pull request, its merge push, the run and the deploy of that commit, and the rollout of its image. As in a
 * chain (chain.ts), an image tag of 7+ hex digits that is a prefix of a commit (or a commit's prefix) joins the
 * two; two images with the same tag, and no commit between them, do not.
 */
export function chainsReaching<E extends Candidate>(events: E[], service: string): Map<string, E> {
  const parent = new Map<string, string>();
  const find = (x: string): string => {
    let r = x;
    while (parent.get(r) !== r) r = parent.get(r)!;
    parent.set(x, r);
    return r;
  };
  const union = (a: string, b: string) => parent.set(find(a), find(b));
  const byRef = new Map<string, string>();
  // By the first seven hex digits: the commits (one change of each) and the image tags that may be their prefix.
  const bySha7 = new Map<string, { shas: Map<string, string>; tags: [hex: string, id: string][] }>();
  const bucket = (hex: string) => {
    const k = hex.slice(0, 7);
    let b = bySha7.get(k);
    if (!b) bySha7.set(k, b = { shas: new Map(), tags: [] });
    return b;
  };
  for (const e of events) {
    parent.set(e.id, e.id);
    for (const ref of e.refs) {
      if (!LINK_REF.test(ref)) continue;
      const other = byRef.get(ref);
      if (other) union(e.id, other);
      else byRef.set(ref, e.id);
      const sha = SHA_REF.exec(ref)?.[1]?.toLowerCase();
      const tag = sha ? undefined : IMAGE_TAG_REF.exec(ref)?.[1]?.toLowerCase();
      if (sha) {
        const shas = bucket(sha).shas;
        const same = shas.get(sha);
        if (same) union(e.id, same);
        else shas.set(sha, e.id);
      } else if (tag) bucket(tag).tags.push([tag, e.id]);
    }
  }
  const joins = (x: string, y: string) => x.startsWith(y) || y.startsWith(x);
  for (const { shas, tags } of bySha7.values()) {
    const commits = [...shas];
    for (const [i, [sha, id]] of commits.entries()) {
      for (const [other, otherId] of commits.slice(i + 1)) if (joins(sha, other)) union(id, otherId);
    }
    for (const [tag, id] of tags) {
      for (const [sha, shaId] of commits) if (joins(tag, sha)) union(id, shaId);
    }
  }
  // The member of each group that is the service's own change (the latest one).
  const reach = new Map<string, E>();
  for (const e of events) {
    if (e.service !== service) continue;
    const root = find(e.id);
    const prev = reach.get(root);
    if (!prev || prev.time < e.time) reach.set(root, e);
  }
  const out = new Map<string, E>();
  for (const e of events) {
    const hit = reach.get(find(e.id));
    if (hit && hit.id !== e.id && e.service !== service) out.set(e.id, hit);
  }
  return out;
}

/** One reason before it is worded: which weight, and how strongly it applies. */
type Hit = [code: WeightName, strength: number];

/**
 * Scores and sorts the changes before the incident; `kindOf` says each change's kind (from its metadata). Every
 * change is scored; only the `limit` returned are worded (their reasons' texts).
 */
export function rank<E extends Candidate>(
  events: E[],
  incident: Incident,
  weights: Weights,
  kindOf: (e: E) => ChangeKind | undefined,
  limit = Infinity,
): Suspect<E>[] {
  const at = incident.at.getTime();
  const chained = incident.service ? chainsReaching(events, incident.service) : new Map<string, E>();
  const scored: { event: E; t: number; score: number; hits: Hit[] }[] = [];
  for (const e of events) {
    const t = Date.parse(e.time);
    if (t > at) continue;
    const hits: Hit[] = [["time", Math.max(0, 1 - (at - t) / incident.windowMs)]];
    if (incident.service && e.service === incident.service) hits.push(["service", 1]);
    if (incident.environment && e.environment) {
      hits.push([e.environment === incident.environment ? "environment" : "otherEnvironment", 1]);
    }
    const kind = kindOf(e);
    if (kind) hits.push(["kind", KIND_WEIGHT[kind]]);
    if (isFailed(e.status)) hits.push(["failed", 1]);
    if (isPerson(e.author)) hits.push(["person", 1]);
    if (chained.has(e.id)) hits.push(["chain", 1]);
    const score = hits.reduce((sum, [code, strength]) => sum + points(weights, code, strength), 0);
    scored.push({ event: e, t, score: Math.round(score * 100) / 100, hits });
  }
  scored.sort((a, b) => b.score - a.score || b.t - a.t || (a.event.id < b.event.id ? -1 : 1));
  return scored.slice(0, limit).map(({ event: e, t, score, hits }) => {
    const text = (code: WeightName): string => {
      switch (code) {
        case "time":
          return `${minutes(at - t)} before the incident`;
        case "service":
          return `Same service (${e.service})`;
        case "environment":
          return `Same environment (${e.environment})`;
        case "otherEnvironment":
          return `Another environment (${e.environment})`;
        case "kind":
          return `A ${kindOf(e)} change`;
        case "failed":
          return `Status ${e.status}`;
        case "person":
          return `Made by a person (${e.author})`;
        case "chain": {
          const via = chained.get(e.id)!;
          return `Linked to ${via.service}'s "${via.title.slice(0, 80)}"`;
        }
      }
    };
    const reasons = hits
      .map(([code, strength]) => ({ code, text: text(code), weight: points(weights, code, strength) }))
      .filter((r) => r.weight !== 0)
      .sort((a, b) => b.weight - a.weight);
    return { event: e, score, reasons };
  });
}

/** A reason's points: its weight times how strongly it applies, to two decimals. */
function points(weights: Weights, code: WeightName, strength: number): number {
  return Math.round(weights[code] * strength * 100) / 100;
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
