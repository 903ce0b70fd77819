/**
 * Deployments, StatefulSets and DaemonSets: a pod-template change is one `rollout` event per generation whose
 * status moves on in place (progressing → complete or failed); an earlier template coming back is a rollback;
 * a replicas-only change is a `scale` event, unless an HPA owns the replicas.
 */
import type { MappedChange } from "@painchain/shared";
import { diffObjects, hashOf } from "../diff.ts";
import type { DaemonSet, Deployment, PodSpec, StatefulSet, Workload } from "../model.ts";
import type { HpaView } from "./batch.ts";
import type { KindDef } from "../resources.ts";
import {
  type Cx,
  iso,
  lastWriter,
  type Mode,
  objectKey,
  type Observation,
  type Snapshot,
  type StateMap,
} from "./common.ts";

export interface WorkloadView extends Record<string, unknown> {
  spec: Workload["spec"];
}

export interface WorkloadSnapshot extends Snapshot<WorkloadView> {
  generation?: number;
  /** Pod-template hashes seen, oldest first (rollback detection). */
  templates?: string[];
  /** The rollout event of the current generation, while it may still change status. */
  rollout?: { generation: number; status: string; change: MappedChange };
}

/** Every container image of a pod spec, init containers first, as written. */
export function images(podSpec: PodSpec | undefined): string[] {
  return [...(podSpec?.initContainers ?? []), ...(podSpec?.containers ?? [])].map((c) => String(c.image));
}

function rolloutStatus(kind: string, o: Workload): string {
  const gen = o.metadata?.generation ?? 0;
  if ((o.status?.observedGeneration ?? 0) < gen) return "progressing";
  if (kind === "Deployment") {
    const { spec, status } = o as Deployment;
    const s: Partial<NonNullable<Deployment["status"]>> = status ?? {};
    const cond = (s.conditions ?? []).find((c) => c.type === "Progressing");
    if (cond?.reason === "ProgressDeadlineExceeded") return "failed";
    const want = spec?.replicas ?? 1;
    const done = (s.updatedReplicas ?? 0) >= want && (s.availableReplicas ?? 0) >= want &&
      (s.replicas ?? 0) <= want;
    return done ? "complete" : "progressing";
  }
  if (kind === "StatefulSet") {
    const { spec, status } = o as StatefulSet;
    const s: Partial<NonNullable<StatefulSet["status"]>> = status ?? {};
    const want = spec?.replicas ?? 1;
    const done = (s.updatedReplicas ?? 0) >= want && (s.readyReplicas ?? 0) >= want &&
      (!s.updateRevision || s.currentRevision === s.updateRevision);
    return done ? "complete" : "progressing";
  }
  const s: Partial<NonNullable<DaemonSet["status"]>> = (o as DaemonSet).status ?? {};
  const want = s.desiredNumberScheduled ?? 0;
  return (s.updatedNumberScheduled ?? 0) >= want && (s.numberAvailable ?? 0) >= want
    ? "complete"
    : "progressing";
}

/** Ready replicas as each workload kind reports them. */
function readyReplicas(o: Workload): number | null {
  const s = o.status as { readyReplicas?: number; numberReady?: number } | undefined;
  return s?.readyReplicas ?? s?.numberReady ?? null;
}

function hpaOwnsReplicas(state: StateMap, ns: string | null, kind: string, name: string): boolean {
  for (const [k, v] of state) {
    if (!k.startsWith(`obj.hpas.${ns}.`)) continue;
    const ref = (v as Snapshot<HpaView>).view.scaleTargetRef;
    if (ref?.kind === kind && ref?.name === name) return true;
  }
  return false;
}

export function observeWorkload(
  cx: Cx,
  k: KindDef,
  o: Workload,
  prev: WorkloadSnapshot | undefined,
  mode: Mode,
  state: StateMap,
): Observation {
  const { s, ignore, now } = cx;
  const view: WorkloadView = { spec: structuredClone(o.spec ?? {}) as Workload["spec"] };
  const b = cx.base(o, k.kind);
  const generation = Number(o.metadata?.generation ?? 0);
  const template = hashOf(o.spec?.template ?? {});
  const templates = [...(prev?.templates ?? []).filter((t) => t !== template), template].slice(-10);
  const status = rolloutStatus(k.kind, o);
  // Unlabelled, a workload's service is its name.
  const place = cx.placeOf(o, k.kind, b.name);
  const snap: WorkloadSnapshot = {
    uid: o.metadata?.uid,
    rv: o.metadata?.resourceVersion,
    view,
    place,
    generation,
    templates,
    ...(prev?.rollout ? { rollout: prev.rollout } : {}),
  };
  const key = objectKey(k, b.ns, b.name);
  if (mode === "baseline" && !prev) return { changes: [], writes: [[key, snap]] };

  // Replicas an HPA owns are the HPA's business, not a change (unless the user asks for them).
  const byHpa = hpaOwnsReplicas(state, b.ns, k.kind, b.name) ||
    /kube-controller-manager|horizontal-pod-autoscaler/.test(lastWriter(o, "f:replicas")?.manager ?? "");
  const skip = byHpa && !s.hpaReplicaChanges ? [...ignore, "spec.replicas"] : ignore;
  const diff = prev ? diffObjects(prev.view.spec, view.spec, skip, "spec") : [];
  const specChanged = !prev || diff.length > 0;
  const changes: MappedChange[] = [];
  if (specChanged && (!prev || generation !== prev.generation)) {
    const replicasOnly = prev && diff.every((d) => d.path === "spec.replicas");
    const w = lastWriter(o, replicasOnly ? "f:replicas" : undefined) ?? lastWriter(o);
    const time = (prev ? w?.time : iso(o.metadata?.creationTimestamp)) ?? now().toISOString();
    const imgs = images(o.spec?.template?.spec);
    const kindName = `${k.kind.toLowerCase()} ${b.ns}/${b.name}`;
    if (replicasOnly) {
      const d = diff[0]!;
      changes.push({
        upstreamId: cx.idOf(b.ns, k.kind.toLowerCase(), b.name, `g${generation}`),
        eventType: "scale",
        time,
        subject: `${b.ns}/${k.kind}/${b.name}`,
        title: `Scaled ${kindName} from ${d.before} to ${d.after} replicas`,
        author: w?.manager ?? "",
        status: "scaled",
        tags: cx.tagsFor(b.ns),
        ...place,
        refs: [b.ref],
        metadata: { ...b.meta, manager: w?.manager ?? null, diff, replicas: d.after },
      });
    } else {
      // A template seen before, but not the one just replaced: a rollback.
      const rollback = !!prev && (prev.templates ?? []).slice(0, -1).includes(template) &&
        prev.templates?.at(-1) !== template;
      const imageDiff = diff.filter((d) => /\.image$/.test(d.path));
      const what = !prev
        ? "created"
        : rollback
        ? "rolled back"
        : imageDiff.length
        ? `image ${imageDiff.map((d) => d.after).join(", ")}`
        : `${diff.length} field${diff.length === 1 ? "" : "s"} changed`;
      const digests = imgs.filter((i) => i.includes("@sha256:")).map((i) => i.slice(i.indexOf("@") + 1));
      const change: MappedChange = {
        upstreamId: cx.idOf(b.ns, k.kind.toLowerCase(), b.name, `g${generation}`),
        eventType: "rollout",
        time,
        subject: `${b.ns}/${k.kind}/${b.name}`,
        title: `${rollback ? "Rollback" : prev ? "Rollout" : "New"} ${kindName}: ${what}`.slice(0, 500),
        description: diff.map((d) => `${d.path}: ${JSON.stringify(d.before)} → ${JSON.stringify(d.after)}`)
          .join("\n").slice(0, 4000),
        author: w?.manager ?? "",
        status,
        tags: cx.tagsFor(b.ns),
        ...place,
        // Each image as written (image:registry/name:tag, to chain to the build that pushed it) and each digest.
        refs: [...new Set([b.ref, ...imgs.map((i) => `image:${i}`), ...digests.map((d) => `image:${d}`)])]
          .filter((r) => r.length <= 200).slice(0, 50),
        metadata: {
          ...b.meta,
          manager: w?.manager ?? null,
          generation,
          revision: o.metadata?.annotations?.["deployment.kubernetes.io/revision"] ?? null,
          rollback,
          images: imgs,
          imageDigests: digests,
          replicas: (o.spec as { replicas?: number } | undefined)?.replicas ?? null, // DaemonSets have none
          readyReplicas: readyReplicas(o),
          finishedAt: null,
          diff,
        },
      };
      if (status !== "progressing") {
        change.metadata = { ...change.metadata, finishedAt: now().toISOString() };
      }
      changes.push(change);
      snap.rollout = { generation, status, change };
    }
  } else if (prev?.rollout && prev.rollout.generation === generation && prev.rollout.status !== status) {
    // The same rollout moving on: progressing → complete (or failed). Same id, new status.
    const change: MappedChange = { ...structuredClone(prev.rollout.change), ...place };
    change.status = status;
    change.metadata = {
      ...change.metadata,
      readyReplicas: readyReplicas(o),
      finishedAt: status === "progressing" ? null : now().toISOString(),
    };
    changes.push(change);
    snap.rollout = { generation, status, change };
  }
  return { changes, writes: [[key, snap]] };
}
