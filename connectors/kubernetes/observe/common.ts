/**
 * What every kind's observation shares: the state it reads and writes, the stable keys and ids, the common parts
 * of an event (subject, tags, refs, metadata), managedFields authorship, and the keyed-object pattern (a view of
 * the fields that matter, created once, diffed from then on).
 */
import type { MappedChange } from "@painchain/shared";
import { DEFAULT_IGNORE, diffObjects, type FieldChange } from "../diff.ts";
import type { KubeObject, ObjectMeta, PodTemplate } from "../model.ts";
import type { KindDef } from "../resources.ts";
import type { KubeSettings } from "../settings.ts";

export type StateMap = Map<string, unknown>;
export type StateWrite = [string, unknown | null];

export interface Observation {
  changes: MappedChange[];
  writes: StateWrite[];
}

/** baseline: the first list of a scope (record silently); relist: a re-list after 410 (reconcile). */
export type Mode = "watch" | "baseline" | "relist";

/** The last state seen of an object: its identity and the view a diff compares. */
export interface Snapshot<V = Record<string, unknown>> {
  uid?: string;
  rv?: string;
  view: V;
  /** Its service and environment when last seen (for its deletion, its pods and their Warning events). */
  place?: Place;
}

/** The service a change belongs to and the environment it happened in (ChangeEvent `service`, `environment`). */
export interface Place {
  service: string;
  environment: string;
}

type Labels = Record<string, string> | undefined;

/** Where the service's name is read from, first found wins. */
export const SERVICE_LABELS = ["app.kubernetes.io/name", "app.kubernetes.io/part-of", "app"];
export const ENVIRONMENT_LABELS = ["environment", "app.kubernetes.io/environment"];

/** The first label of `names` (in that order) that one of the label sets holds (the object's first). */
function firstLabel(names: string[], sets: Labels[]): string {
  for (const n of names) {
    for (const labels of sets) {
      const v = labels?.[n]?.trim();
      if (v) return v.slice(0, 100);
    }
  }
  return "";
}

/**
 * The place of an object with these label sets (its own, then its pod template's): the service from
 * app.kubernetes.io/name, else app.kubernetes.io/part-of, else app, else `fallbackService`; the environment from
 * an environment or app.kubernetes.io/environment label, else the namespace.
 */
export function placeFrom(sets: Labels[], ns: string | null | undefined, fallbackService = ""): Place {
  return {
    service: firstLabel(SERVICE_LABELS, sets) || fallbackService.slice(0, 100),
    environment: firstLabel(ENVIRONMENT_LABELS, sets) || (ns ?? ""),
  };
}

/** The labels that say what an object is part of: its own, its pod template's, a Service's selector. */
export function labelSets(o: KubeObject, kind: string): Labels[] {
  const spec = o.spec as {
    template?: PodTemplate;
    jobTemplate?: { spec?: { template?: PodTemplate } };
    selector?: unknown;
  } | undefined;
  return [
    o.metadata?.labels,
    spec?.template?.metadata?.labels,
    spec?.jobTemplate?.spec?.template?.metadata?.labels,
    // A Service's selector is a plain label map (a workload's is a LabelSelector): the pods it routes to.
    kind === "Service" ? spec?.selector as Labels : undefined,
  ];
}

/** Nothing to publish, nothing to save. */
export const none = (): Observation => ({ changes: [], writes: [] });

export const objectKey = (k: KindDef, ns: string | null | undefined, name: string | undefined) =>
  `obj.${k.key}.${ns || "_"}.${name}`;

/** A value read back from the state: written by this module, so of the shape its key says. */
export const stateOf = <T>(state: StateMap, key: string): T | undefined => state.get(key) as T | undefined;

export function iso(s: unknown): string | null {
  if (typeof s !== "string" || !s) return null;
  const t = Date.parse(s);
  return Number.isNaN(t) ? null : new Date(t).toISOString();
}

/** managedFields' `fieldsV1`: nested `f:<name>` keys (client-node declares it `any`; it is JSON of this shape). */
type FieldsV1 = Record<string, Record<string, unknown> | undefined>;

/** Who last wrote the spec (or one field of it), and when, from managedFields. */
export function lastWriter(
  obj: { metadata?: ObjectMeta },
  field?: string,
): { manager: string; time: string | null } | null {
  const entries = obj.metadata?.managedFields ?? [];
  let best: (typeof entries)[number] | null = null;
  for (const e of entries) {
    if (e.subresource === "status") continue;
    const fields = e.fieldsV1 as FieldsV1 | undefined;
    const spec = fields?.["f:spec"] ?? fields?.["f:data"] ?? fields?.["f:stringData"];
    if (!spec) continue;
    if (field && !(field in (fields?.["f:spec"] ?? {}))) continue;
    if (!best || String(e.time ?? "") > String(best.time ?? "")) best = e;
  }
  return best ? { manager: String(best.manager ?? ""), time: iso(best.time) } : null;
}

/** The parts of an event every kind fills the same way. */
export interface Base {
  ns: string | null;
  name: string;
  ref: string;
  meta: {
    cluster: string;
    namespace: string | null;
    kind: string;
    name: string;
    uid: string | null;
    resourceVersion: string | null;
  };
}

/** The observation context: the connection's settings and the helpers built from them. */
export interface Cx {
  s: KubeSettings;
  /** Paths a diff leaves out: the defaults and the user's. */
  ignore: string[];
  now(): Date;
  tagsFor(ns: string | null): string[];
  base(o: KubeObject, kind: string): Base;
  idOf(...parts: (string | number | null | undefined)[]): string;
  /** The object's service and environment (its labels, its template's), `fallbackService` when unlabelled. */
  placeOf(o: KubeObject, kind: string, fallbackService?: string): Place;
  /** A change of a keyed object (config, service, ingress …): one event per resourceVersion. */
  simpleChange(
    o: KubeObject,
    kind: string,
    eventType: string,
    title: string,
    diff: FieldChange[],
    extra?: Record<string, unknown>,
    status?: string,
  ): MappedChange;
  /** An object created or deleted; `place` when known better than from `o` (a deletion found by a re-list). */
  lifecycle(o: KubeObject, kind: string, what: "created" | "deleted", place?: Place): MappedChange;
}

export function observeContext(s: KubeSettings, connectionTags: string[], now: () => Date): Cx {
  const ignore = [...DEFAULT_IGNORE, ...s.ignoreFields];
  const tagsFor = (ns: string | null) => [
    ...new Set([...connectionTags, `cluster:${s.cluster}`, ...(ns ? [`namespace:${ns}`] : [])]),
  ];
  const base = (o: KubeObject, kind: string): Base => {
    const ns = o.metadata?.namespace ?? null;
    const name = String(o.metadata?.name);
    return {
      ns,
      name,
      ref: `k8s:${s.cluster}/${ns ?? "_"}/${kind}/${name}`,
      meta: {
        cluster: s.cluster,
        namespace: ns,
        kind,
        name,
        uid: o.metadata?.uid ?? null,
        resourceVersion: o.metadata?.resourceVersion ?? null,
      },
    };
  };
  const idOf = (...parts: (string | number | null | undefined)[]) =>
    [s.cluster, ...parts.map((p) => p ?? "_")].join(":");

  const placeOf = (o: KubeObject, kind: string, fallbackService = "") =>
    placeFrom(labelSets(o, kind), o.metadata?.namespace, fallbackService);

  return {
    s,
    ignore,
    now,
    tagsFor,
    base,
    idOf,
    placeOf,
    simpleChange(o, kind, eventType, title, diff, extra = {}, status = "changed") {
      const b = base(o, kind);
      const w = lastWriter(o);
      return {
        upstreamId: idOf(b.ns, kind.toLowerCase(), b.name, o.metadata?.resourceVersion),
        eventType,
        time: w?.time ?? now().toISOString(),
        subject: `${b.ns ?? ""}/${kind}/${b.name}`,
        title: title.slice(0, 500),
        description: diff.map((d) => `${d.path}: ${JSON.stringify(d.before)} → ${JSON.stringify(d.after)}`)
          .join("\n")
          .slice(0, 4000),
        author: w?.manager ?? "",
        status,
        tags: tagsFor(b.ns),
        ...placeOf(o, kind),
        refs: [b.ref],
        metadata: { ...b.meta, manager: w?.manager ?? null, diff, ...extra },
      };
    },
    lifecycle(o, kind, what, place) {
      const b = base(o, kind);
      const w = lastWriter(o);
      return {
        upstreamId: idOf(b.ns, kind.toLowerCase(), b.name, o.metadata?.uid, what),
        eventType: "resource",
        time: what === "created"
          ? iso(o.metadata?.creationTimestamp) ?? now().toISOString()
          : iso(o.metadata?.deletionTimestamp) ?? now().toISOString(),
        subject: `${b.ns ?? ""}/${kind}/${b.name}`,
        title: `${kind} ${b.ns ? `${b.ns}/` : ""}${b.name} ${what}`,
        author: what === "created" ? w?.manager ?? "" : "",
        status: what,
        tags: tagsFor(b.ns),
        ...(place ?? placeOf(o, kind)),
        refs: [b.ref],
        metadata: { ...b.meta, manager: what === "created" ? w?.manager ?? null : null },
      };
    },
  };
}

/**
 * A kind kept as a view of the fields that matter: `created` on first sight (outside a baseline), then the
 * changes between two views.
 */
export interface KeyedKind<T, V> {
  view(o: T): V;
  /** The changes from `before` to `after` (views of the same object). */
  changes(cx: Cx, k: KindDef, o: T, before: V, after: V): MappedChange[];
  /** What a first sighting outside a baseline is; by default a `created` event. */
  appeared?(cx: Cx, k: KindDef, o: T, view: V): MappedChange[];
}

export function observeKeyed<T extends KubeObject, V>(
  cx: Cx,
  kind: KeyedKind<T, V>,
  k: KindDef,
  o: T,
  prev: Snapshot<V> | undefined,
  mode: Mode,
): Observation {
  const view = kind.view(o);
  const b = cx.base(o, k.kind);
  const key = objectKey(k, b.ns, b.name);
  const snap: Snapshot<V> = {
    uid: o.metadata?.uid,
    rv: o.metadata?.resourceVersion,
    view,
    place: cx.placeOf(o, k.kind),
  };
  if (!prev) {
    const changes = mode === "baseline"
      ? []
      : kind.appeared
      ? kind.appeared(cx, k, o, view)
      : [cx.lifecycle(o, k.kind, "created")];
    return { changes, writes: [[key, snap]] };
  }
  return { changes: kind.changes(cx, k, o, prev.view, view), writes: [[key, snap]] };
}

/** A view whose `spec` is diffed field by field. */
export interface SpecView {
  spec: unknown;
}

/** One event for a changed spec (services, ingresses, CronJobs, HPAs), titled with the first paths changed. */
export function specChanges(
  cx: Cx,
  k: KindDef,
  o: KubeObject,
  before: SpecView,
  after: SpecView,
  label: string,
  eventType: string,
  extra: Record<string, unknown> = {},
): MappedChange[] {
  const diff = diffObjects(before.spec, after.spec, cx.ignore, "spec");
  if (diff.length === 0) return [];
  const b = cx.base(o, k.kind);
  const paths = diff.map((d) => d.path.replace(/^spec\./, "")).slice(0, 5).join(", ");
  return [cx.simpleChange(o, k.kind, eventType, `${label} ${b.ns}/${b.name} changed: ${paths}`, diff, extra)];
}
