/**
 * Pod trouble and Warning events. Pods in CrashLoopBackOff, ImagePullBackOff, OOMKilled or with a jump in
 * restarts open one group per workload and reason (an event with a count), which resolves once its pods
 * recover. Warning events are one event each (Kubernetes already aggregates them, with a count), except those
 * pod trouble reports already.
 */
import type { MappedChange } from "@painchain/shared";
import type { KubeEvent, ObjectMeta, Pod } from "../model.ts";
import { type KindDef, KINDS } from "../resources.ts";
import {
  type Cx,
  iso,
  type Mode,
  objectKey,
  type Observation,
  type Place,
  type Snapshot,
  type StateMap,
  stateOf,
  type StateWrite,
} from "./common.ts";

export interface TroubleGroup {
  upstreamId: string;
  reason: string;
  owner: string;
  namespace: string;
  firstSeen: string;
  lastSeen: string;
  count: number;
  /** Pods in trouble now → their restart count when last seen. */
  pods: Record<string, number>;
  open: boolean;
  message: string;
  /** Of the owning workload (groups saved before it was kept have none until their next update). */
  place?: Place;
}

export interface PodSnapshot {
  uid?: string;
  rv?: string;
  owner: string;
  restarts: number;
  reasons: string[];
  /** The pod's service and environment: its workload's when known, else its own labels'. */
  place?: Place;
}

export interface WarningView extends Record<string, unknown> {
  count: number;
}

const TROUBLE_WAITING = new Set([
  "CrashLoopBackOff",
  "ImagePullBackOff",
  "ErrImagePull",
  "CreateContainerConfigError",
]);
/** Every reason a trouble group may have (the waiting reasons as grouped, OOMKilled, a restart jump). */
const TROUBLE_REASONS = [
  "CrashLoopBackOff",
  "ImagePullBackOff",
  "CreateContainerConfigError",
  "OOMKilled",
  "Restarts",
];
/** Restarts since the last sighting that count as a jump, even without a waiting reason. */
const RESTART_JUMP = 3;
/** Warning reasons on pods that pod trouble already reports. */
const COVERED_BY_POD_TROUBLE = new Set(["BackOff", "Failed"]);

const troubleKey = (ns: string, owner: string, reason: string) => `trouble.${ns}.${owner}.${reason}`;

/** The state keys a workload named `owner` may be kept under. */
const OWNER_KINDS = ["deployments", "statefulsets", "daemonsets", "jobs"];

/** The place of the workload `owner` in `ns`, as last seen (when its kind is watched and it was seen). */
function workloadPlace(state: StateMap, ns: string, owner: string): Place | undefined {
  for (const kind of OWNER_KINDS) {
    const place = stateOf<Snapshot<unknown>>(state, `obj.${kind}.${ns || "_"}.${owner}`)?.place;
    if (place) return place;
  }
  return undefined;
}

/** What podOwner reads of a pod. */
interface PodLike {
  metadata?: Pick<ObjectMeta, "name" | "labels"> & {
    ownerReferences?: { kind?: string; name?: string; controller?: boolean }[];
  };
}

/** The workload a pod belongs to: its ReplicaSet's Deployment, its StatefulSet, DaemonSet or Job, or itself. */
export function podOwner(pod: PodLike): string {
  const refs = pod.metadata?.ownerReferences ?? [];
  const ref = refs.find((r) => r.controller) ?? refs[0];
  if (!ref) return String(pod.metadata?.name);
  const hash = pod.metadata?.labels?.["pod-template-hash"];
  if (ref.kind === "ReplicaSet" && hash && String(ref.name).endsWith(`-${hash}`)) {
    return String(ref.name).slice(0, -(hash.length + 1));
  }
  return String(ref.name);
}

function podTrouble(pod: Pod): { reasons: string[]; restarts: number; message: string } {
  const statuses = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
  const reasons = new Set<string>();
  let restarts = 0;
  let message = "";
  for (const c of statuses) {
    restarts += c.restartCount ?? 0;
    const waiting = c.state?.waiting;
    if (waiting?.reason && TROUBLE_WAITING.has(waiting.reason)) {
      reasons.add(waiting.reason === "ErrImagePull" ? "ImagePullBackOff" : waiting.reason);
      message ||= `${c.name}: ${waiting.message ?? waiting.reason}`;
    }
    if (c.lastState?.terminated?.reason === "OOMKilled" || c.state?.terminated?.reason === "OOMKilled") {
      reasons.add("OOMKilled");
      message ||= `${c.name}: OOMKilled`;
    }
  }
  // An OOM kill is also a crash loop once backing off: one group, named for the cause.
  if (reasons.has("OOMKilled")) reasons.delete("CrashLoopBackOff");
  return { reasons: [...reasons], restarts, message };
}

function troubleChange(cx: Cx, g: TroubleGroup): MappedChange {
  const status = g.open ? "ongoing" : "resolved";
  return {
    upstreamId: g.upstreamId,
    eventType: "trouble",
    time: g.firstSeen,
    subject: `${g.namespace}/${g.owner}`,
    title: `${g.reason} in ${g.namespace}/${g.owner}: ${g.count} ${
      g.reason === "ImagePullBackOff" ? "pods" : "restarts"
    }${g.open ? "" : " (resolved)"}`,
    description: g.message.slice(0, 4000),
    author: "",
    status,
    tags: cx.tagsFor(g.namespace),
    service: g.place?.service ?? g.owner,
    environment: g.place?.environment ?? g.namespace,
    refs: [`k8s:${cx.s.cluster}/${g.namespace}/workload/${g.owner}`],
    metadata: {
      cluster: cx.s.cluster,
      namespace: g.namespace,
      kind: "Pod",
      name: g.owner,
      manager: null,
      reason: g.reason,
      count: g.count,
      pods: Object.keys(g.pods).sort(),
      lastSeen: g.lastSeen,
      message: g.message,
    },
  };
}

/** A pod seen (or deleted): open or grow a group per reason it shows, and leave the groups it recovered from. */
export function observePod(
  cx: Cx,
  k: KindDef,
  o: Pod,
  prev: PodSnapshot | undefined,
  mode: Mode,
  state: StateMap,
  deleted: boolean,
): Observation {
  const ns = String(o.metadata?.namespace);
  const name = String(o.metadata?.name);
  const key = objectKey(k, ns, name);
  // A pod found gone by a re-list is only its name: its owner is the one last seen.
  const owner = deleted && prev ? prev.owner : podOwner(o);
  const t = deleted ? { reasons: [] as string[], restarts: prev?.restarts ?? 0, message: "" } : podTrouble(o);
  const jump = prev && t.restarts - prev.restarts >= RESTART_JUMP && t.reasons.length === 0
    ? ["Restarts"]
    : [];
  const reasons = [...t.reasons, ...jump];
  // Unlabelled and of no workload seen, a pod's service is its owner's name.
  const place = workloadPlace(state, ns, owner) ??
    (deleted && prev?.place ? prev.place : cx.placeOf(o, "Pod", owner));
  const writes: StateWrite[] = [[
    key,
    deleted ? null : {
      uid: o.metadata?.uid,
      rv: o.metadata?.resourceVersion,
      owner,
      restarts: t.restarts,
      reasons,
      place,
    } satisfies PodSnapshot,
  ]];
  const changes: MappedChange[] = [];
  const at = cx.now().toISOString();
  // Open or grow a group per reason this pod shows.
  for (const reason of reasons) {
    const gk = troubleKey(ns, owner, reason);
    const g = structuredClone(state.get(gk) as TroubleGroup | undefined);
    if (g?.open) {
      // Restarts since this pod was last counted; a pod joining the group counts once.
      const counted = g.pods[name];
      const delta = counted === undefined ? 1 : t.restarts - counted;
      if (delta <= 0) continue;
      g.count += delta;
      g.pods[name] = t.restarts;
      g.lastSeen = at;
      g.message = t.message || g.message;
      g.place = place;
      changes.push(troubleChange(cx, g));
      writes.push([gk, g]);
    } else {
      const ng: TroubleGroup = {
        upstreamId: cx.idOf(ns, "trouble", owner, reason, Date.parse(at)),
        reason,
        owner,
        namespace: ns,
        firstSeen: at,
        lastSeen: at,
        count: 1,
        pods: { [name]: t.restarts },
        open: true,
        message: t.message || (reason === "Restarts" ? `${name} restarted ${t.restarts} times` : reason),
        place,
      };
      changes.push(troubleChange(cx, ng));
      writes.push([gk, ng]);
    }
  }
  // Groups this pod was part of and no longer shows: the pod recovered (or went away). Looked up by reason,
  // not by scanning the state (a cluster's state holds an entry per object).
  for (const gk of TROUBLE_REASONS.map((r) => troubleKey(ns, owner, r))) {
    const v = state.get(gk);
    if (!v) continue;
    const g = structuredClone(v as TroubleGroup);
    if (!g.open || !(name in g.pods) || reasons.includes(g.reason)) continue;
    const ready = deleted ||
      (o.status?.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True");
    if (!ready && g.reason !== "Restarts") continue;
    delete g.pods[name];
    g.place ??= place;
    if (Object.keys(g.pods).length === 0) {
      g.open = false;
      g.lastSeen = at;
      changes.push(troubleChange(cx, g));
    }
    writes.push([gk, g]);
  }
  if (mode === "baseline") {
    // A pod already in trouble when watching starts is still worth an event; recoveries are not.
    return { changes: changes.filter((c) => c.status === "ongoing"), writes };
  }
  return { changes, writes };
}

/**
 * The place of what a Warning event is about: a pod's workload (or the pod as last seen), a workload, or any
 * other object watched with a place. Unknown when that object was never seen.
 */
function involvedPlace(
  state: StateMap,
  ns: string | null,
  involved: Partial<KubeEvent["involvedObject"]>,
): Place | undefined {
  const name = involved.name ?? "";
  if (involved.kind === "Pod") {
    const pod = stateOf<PodSnapshot>(state, `obj.pods.${ns || "_"}.${name}`);
    return pod ? workloadPlace(state, ns ?? "", pod.owner) ?? pod.place : undefined;
  }
  const kind = KINDS.find((k) => k.kind === involved.kind && !k.labelSelector);
  return kind ? stateOf<Snapshot<unknown>>(state, `obj.${kind.key}.${ns || "_"}.${name}`)?.place : undefined;
}

/** A Warning event: one change per Kubernetes event, updated as its count goes up. */
export function observeWarning(
  cx: Cx,
  k: KindDef,
  o: KubeEvent,
  prev: Snapshot<WarningView> | undefined,
  mode: Mode,
  state: StateMap,
  deleted: boolean,
): Observation {
  const { s } = cx;
  const key = objectKey(k, o.metadata?.namespace, o.metadata?.name);
  if (deleted) return { changes: [], writes: [[key, null]] };
  if (o.type !== "Warning") return { changes: [], writes: [] };
  const involved: Partial<KubeEvent["involvedObject"]> = o.involvedObject ?? o.regarding ?? {};
  if (s.kinds.has("pods") && involved.kind === "Pod" && COVERED_BY_POD_TROUBLE.has(o.reason ?? "")) {
    return { changes: [], writes: [] };
  }
  const count = Number(o.count ?? o.series?.count ?? 1);
  const snap: Snapshot<WarningView> = {
    uid: o.metadata?.uid,
    rv: o.metadata?.resourceVersion,
    view: { count },
  };
  if (mode === "baseline" || (prev && prev.view.count === count)) {
    return { changes: [], writes: [[key, snap]] };
  }
  const ns = o.metadata?.namespace ?? involved.namespace ?? null;
  const target = `${involved.kind ?? "object"} ${ns ? `${ns}/` : ""}${involved.name ?? ""}`;
  const message = String(o.message ?? o.note ?? "");
  const place = involvedPlace(state, ns, involved);
  const change: MappedChange = {
    upstreamId: cx.idOf(ns, "event", o.metadata?.uid),
    eventType: "trouble",
    time: iso(o.firstTimestamp) ?? iso(o.eventTime) ?? iso(o.metadata?.creationTimestamp) ??
      cx.now().toISOString(),
    subject: `${ns ?? ""}/${involved.kind}/${involved.name}`,
    title: `${o.reason} on ${target}${count > 1 ? ` (×${count})` : ""}`.slice(0, 500),
    description: message.slice(0, 4000),
    author: String(o.source?.component ?? o.reportingController ?? ""),
    status: "warning",
    tags: cx.tagsFor(ns),
    service: place?.service ?? "",
    environment: place?.environment ?? ns ?? "",
    refs: [`k8s:${s.cluster}/${ns ?? "_"}/${involved.kind}/${involved.name}`],
    metadata: {
      cluster: s.cluster,
      namespace: ns,
      kind: involved.kind ?? null,
      name: involved.name ?? null,
      manager: null,
      reason: o.reason,
      count,
      pods: involved.kind === "Pod" ? [involved.name] : [],
      lastSeen: iso(o.lastTimestamp) ?? iso(o.series?.lastObservedTime) ?? null,
      message,
    },
  };
  return { changes: [change], writes: [[key, snap]] };
}
