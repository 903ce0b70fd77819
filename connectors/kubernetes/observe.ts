/**
 * From a watched object and the last state seen of it, the changes worth an event. Pure: it reads the state and
 * returns the changes plus the state writes, which the poll applies only after the changes are published (so a
 * crash in between publishes the same ids again, never a different story).
 *
 * Ids are stable: a rollout is its workload's generation, a config change its resourceVersion, a Helm release its
 * revision, a trouble group its first sighting. A re-list after 410 Gone or a restart therefore re-finds the same
 * ids, and the store keeps one row each.
 */
import type { MappedChange } from "@painchain/shared";
import { DEFAULT_IGNORE, diffObjects, type FieldChange, hashOf, ignored } from "./diff.ts";
import { decodeHelmRelease, HELM_SECRET_TYPE } from "./helm.ts";
import { type KindDef, WORKLOAD_KINDS } from "./resources.ts";
import type { KubeSettings } from "./settings.ts";

export type StateMap = Map<string, unknown>;
export type StateWrite = [string, unknown | null];

export interface Observation {
  changes: MappedChange[];
  writes: StateWrite[];
}

/** baseline: the first list of a scope (record silently); relist: a re-list after 410 (reconcile). */
export type Mode = "watch" | "baseline" | "relist";

interface Snapshot {
  uid: string;
  rv: string;
  view: Record<string, unknown>;
  generation?: number;
  /** Pod-template hashes seen, oldest first (rollback detection). */
  templates?: string[];
  /** The rollout event of the current generation, while it may still change status. */
  rollout?: { generation: number; status: string; change: MappedChange };
  /** Helm: the event of this revision. */
  change?: MappedChange;
}

interface TroubleGroup {
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
}

interface PodSnapshot {
  uid: string;
  rv: string;
  owner: string;
  restarts: number;
  reasons: string[];
}

const TROUBLE_WAITING = new Set([
  "CrashLoopBackOff",
  "ImagePullBackOff",
  "ErrImagePull",
  "CreateContainerConfigError",
]);
/** Restarts since the last sighting that count as a jump, even without a waiting reason. */
const RESTART_JUMP = 3;
/** Warning reasons on pods that pod trouble already reports. */
const COVERED_BY_POD_TROUBLE = new Set(["BackOff", "Failed"]);

export const objectKey = (k: KindDef, ns: string | null | undefined, name: string) =>
  `obj.${k.key}.${ns || "_"}.${name}`;
const troubleKey = (ns: string, owner: string, reason: string) => `trouble.${ns}.${owner}.${reason}`;

// deno-lint-ignore no-explicit-any
type Json = any;

function iso(s: unknown): string | null {
  if (typeof s !== "string" || !s) return null;
  const t = Date.parse(s);
  return Number.isNaN(t) ? null : new Date(t).toISOString();
}

/** Who last wrote the spec (or one field of it), and when, from managedFields. */
export function lastWriter(obj: Json, field?: string): { manager: string; time: string | null } | null {
  const entries = (obj.metadata?.managedFields ?? []) as Json[];
  let best: Json = null;
  for (const e of entries) {
    if (e.subresource === "status") continue;
    const spec = e.fieldsV1?.["f:spec"] ?? e.fieldsV1?.["f:data"] ?? e.fieldsV1?.["f:stringData"];
    if (!spec) continue;
    if (field && !(field in (e.fieldsV1?.["f:spec"] ?? {}))) continue;
    if (!best || String(e.time ?? "") > String(best.time ?? "")) best = e;
  }
  return best ? { manager: String(best.manager ?? ""), time: iso(best.time) } : null;
}

function images(podSpec: Json): string[] {
  return [...(podSpec?.initContainers ?? []), ...(podSpec?.containers ?? [])].map((c: Json) =>
    String(c.image)
  );
}

function rolloutStatus(kind: string, o: Json): string {
  const s = o.status ?? {};
  const gen = o.metadata?.generation ?? 0;
  if ((s.observedGeneration ?? 0) < gen) return "progressing";
  if (kind === "Deployment") {
    const cond = (s.conditions ?? []).find((c: Json) => c.type === "Progressing");
    if (cond?.reason === "ProgressDeadlineExceeded") return "failed";
    const want = o.spec?.replicas ?? 1;
    const done = (s.updatedReplicas ?? 0) >= want && (s.availableReplicas ?? 0) >= want &&
      (s.replicas ?? 0) <= want;
    return done ? "complete" : "progressing";
  }
  if (kind === "StatefulSet") {
    const want = o.spec?.replicas ?? 1;
    const done = (s.updatedReplicas ?? 0) >= want && (s.readyReplicas ?? 0) >= want &&
      (!s.updateRevision || s.currentRevision === s.updateRevision);
    return done ? "complete" : "progressing";
  }
  const want = s.desiredNumberScheduled ?? 0;
  return (s.updatedNumberScheduled ?? 0) >= want && (s.numberAvailable ?? 0) >= want
    ? "complete"
    : "progressing";
}

/** The workload a pod belongs to: its ReplicaSet's Deployment, its StatefulSet, DaemonSet or Job, or itself. */
export function podOwner(pod: Json): string {
  const ref = (pod.metadata?.ownerReferences ?? []).find((r: Json) => r.controller) ??
    pod.metadata?.ownerReferences?.[0];
  if (!ref) return String(pod.metadata?.name);
  const hash = pod.metadata?.labels?.["pod-template-hash"];
  if (ref.kind === "ReplicaSet" && hash && String(ref.name).endsWith(`-${hash}`)) {
    return String(ref.name).slice(0, -(hash.length + 1));
  }
  return String(ref.name);
}

function podTrouble(pod: Json): { reasons: string[]; restarts: number; message: string } {
  const statuses = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
  const reasons = new Set<string>();
  let restarts = 0;
  let message = "";
  for (const c of statuses) {
    restarts += c.restartCount ?? 0;
    const waiting = c.state?.waiting;
    if (waiting && TROUBLE_WAITING.has(waiting.reason)) {
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

export function createObserver(s: KubeSettings, connectionTags: string[], now: () => Date) {
  const ignore = [...DEFAULT_IGNORE, ...s.ignoreFields];
  const tagsFor = (ns: string | null) => [
    ...new Set([...connectionTags, `cluster:${s.cluster}`, ...(ns ? [`namespace:${ns}`] : [])]),
  ];
  const base = (o: Json, kind: string) => {
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
  const idOf = (...parts: (string | number | null)[]) => [s.cluster, ...parts.map((p) => p ?? "_")].join(":");

  function hpaOwnsReplicas(state: StateMap, ns: string, kind: string, name: string): boolean {
    for (const [k, v] of state) {
      if (!k.startsWith(`obj.hpas.${ns}.`)) continue;
      const ref = (v as Snapshot).view.scaleTargetRef as Json;
      if (ref?.kind === kind && ref?.name === name) return true;
    }
    return false;
  }

  function simpleChange(
    o: Json,
    kind: string,
    eventType: string,
    title: string,
    diff: FieldChange[],
    extra: Record<string, unknown> = {},
    status = "changed",
  ): MappedChange {
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
      refs: [b.ref],
      metadata: { ...b.meta, manager: w?.manager ?? null, diff, ...extra },
    };
  }

  function lifecycle(o: Json, kind: string, what: "created" | "deleted"): MappedChange {
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
      refs: [b.ref],
      metadata: { ...b.meta, manager: what === "created" ? w?.manager ?? null : null },
    };
  }

  /** The tracked view of an object: what a diff compares. Never holds a Secret value. */
  function viewOf(k: KindDef, o: Json): Record<string, unknown> | null {
    switch (k.key) {
      case "deployments":
      case "statefulsets":
      case "daemonsets":
        return { spec: structuredClone(o.spec ?? {}) };
      case "services":
        return {
          spec: {
            type: o.spec?.type ?? "ClusterIP",
            ports: (o.spec?.ports ?? []).map((p: Json) => ({
              name: p.name ?? `${p.port}`,
              port: p.port,
              targetPort: p.targetPort ?? p.port,
              protocol: p.protocol ?? "TCP",
              ...(p.nodePort ? { nodePort: p.nodePort } : {}),
            })),
          },
        };
      case "ingresses":
        return {
          spec: {
            ingressClassName: o.spec?.ingressClassName ?? null,
            rules: (o.spec?.rules ?? []).map((r: Json) => ({
              name: r.host ?? "*",
              paths: (r.http?.paths ?? []).map((p: Json) => ({
                name: p.path ?? "/",
                backend: p.backend?.service
                  ? `${p.backend.service.name}:${
                    p.backend.service.port?.number ?? p.backend.service.port?.name
                  }`
                  : p.backend?.resource?.name ?? null,
              })),
            })),
            tls: (o.spec?.tls ?? []).flatMap((t: Json) => t.hosts ?? []).sort(),
          },
        };
      case "configmaps": {
        const data = { ...(o.data ?? {}), ...(o.binaryData ?? {}) };
        return {
          keys: Object.fromEntries(
            Object.keys(data).sort().map((key) => [key, hashOf(data[key], o.metadata?.uid)]),
          ),
        };
      }
      case "secrets":
        // Only the key names and one salted hash of all values: no value, not even per key.
        return {
          type: o.type ?? "Opaque",
          keyNames: Object.keys(o.data ?? {}).sort(),
          contentHash: hashOf(o.data ?? {}, String(o.metadata?.uid)),
        };
      case "cronjobs":
        return {
          spec: {
            schedule: o.spec?.schedule,
            suspend: o.spec?.suspend ?? false,
            timeZone: o.spec?.timeZone ?? null,
          },
        };
      case "hpas":
        return {
          scaleTargetRef: o.spec?.scaleTargetRef ?? null,
          spec: {
            minReplicas: o.spec?.minReplicas ?? 1,
            maxReplicas: o.spec?.maxReplicas,
            metrics: o.spec?.metrics ?? [],
          },
        };
      case "jobs": {
        const failed = (o.status?.conditions ?? []).find((c: Json) =>
          c.type === "Failed" && c.status === "True"
        );
        return {
          failed: failed
            ? {
              at: iso(failed.lastTransitionTime),
              reason: failed.reason ?? "Failed",
              message: failed.message ?? "",
            }
            : null,
        };
      }
      default:
        return null;
    }
  }

  function workload(
    k: KindDef,
    o: Json,
    prev: Snapshot | undefined,
    mode: Mode,
    state: StateMap,
  ): Observation {
    const view = viewOf(k, o)!;
    const b = base(o, k.kind);
    const generation = Number(o.metadata?.generation ?? 0);
    const template = hashOf(o.spec?.template ?? {});
    const templates = [...(prev?.templates ?? []).filter((t) => t !== template), template].slice(-10);
    const status = rolloutStatus(k.kind, o);
    const snap: Snapshot = {
      uid: o.metadata.uid,
      rv: o.metadata.resourceVersion,
      view,
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
          upstreamId: idOf(b.ns, k.kind.toLowerCase(), b.name, `g${generation}`),
          eventType: "scale",
          time,
          subject: `${b.ns}/${k.kind}/${b.name}`,
          title: `Scaled ${kindName} from ${d.before} to ${d.after} replicas`,
          author: w?.manager ?? "",
          status: "scaled",
          tags: tagsFor(b.ns),
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
          upstreamId: idOf(b.ns, k.kind.toLowerCase(), b.name, `g${generation}`),
          eventType: "rollout",
          time,
          subject: `${b.ns}/${k.kind}/${b.name}`,
          title: `${rollback ? "Rollback" : prev ? "Rollout" : "New"} ${kindName}: ${what}`.slice(0, 500),
          description: diff.map((d) => `${d.path}: ${JSON.stringify(d.before)} → ${JSON.stringify(d.after)}`)
            .join("\n").slice(0, 4000),
          author: w?.manager ?? "",
          status,
          tags: tagsFor(b.ns),
          refs: [b.ref, ...imgs.map((i) => `image:${i}`), ...digests.map((d) => `image:${d}`)].slice(0, 50),
          metadata: {
            ...b.meta,
            manager: w?.manager ?? null,
            generation,
            revision: o.metadata?.annotations?.["deployment.kubernetes.io/revision"] ?? null,
            rollback,
            images: imgs,
            imageDigests: digests,
            replicas: o.spec?.replicas ?? null,
            readyReplicas: o.status?.readyReplicas ?? o.status?.numberReady ?? null,
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
      const change = structuredClone(prev.rollout.change);
      change.status = status;
      change.metadata = {
        ...change.metadata,
        readyReplicas: o.status?.readyReplicas ?? o.status?.numberReady ?? null,
        finishedAt: status === "progressing" ? null : now().toISOString(),
      };
      changes.push(change);
      snap.rollout = { generation, status, change };
    }
    return { changes, writes: [[key, snap]] };
  }

  function keyed(k: KindDef, o: Json, prev: Snapshot | undefined, mode: Mode): Observation {
    const view = viewOf(k, o)!;
    const b = base(o, k.kind);
    const key = objectKey(k, b.ns, b.name);
    const snap: Snapshot = { uid: o.metadata.uid, rv: o.metadata.resourceVersion, view };
    if (!prev) {
      const created = mode !== "baseline" && k.key !== "jobs";
      const failedJob = mode !== "baseline" && k.key === "jobs" && view.failed;
      return {
        changes: failedJob
          ? [jobFailed(o, view.failed as Json)]
          : created
          ? [lifecycle(o, k.kind, "created")]
          : [],
        writes: [[key, snap]],
      };
    }
    const changes: MappedChange[] = [];
    const where = `${b.ns}/${b.name}`;
    switch (k.key) {
      case "configmaps": {
        const before = prev.view.keys as Record<string, string>;
        const after = view.keys as Record<string, string>;
        const added = Object.keys(after).filter((x) => !(x in before));
        const removed = Object.keys(before).filter((x) => !(x in after));
        const changed = Object.keys(after).filter((x) => x in before && before[x] !== after[x]);
        if (added.length + removed.length + changed.length > 0) {
          const keys = [...added, ...changed, ...removed];
          changes.push(
            simpleChange(o, k.kind, "config", `ConfigMap ${where} changed: ${keys.join(", ")}`, [], {
              addedKeys: added,
              removedKeys: removed,
              changedKeys: changed,
            }),
          );
        }
        break;
      }
      case "secrets": {
        const before = prev.view.keyNames as string[];
        const after = view.keyNames as string[];
        const added = after.filter((x) => !before.includes(x));
        const removed = before.filter((x) => !after.includes(x));
        const contentChanged = prev.view.contentHash !== view.contentHash;
        if (added.length || removed.length || contentChanged) {
          const parts = [
            ...(added.length ? [`keys added: ${added.join(", ")}`] : []),
            ...(removed.length ? [`keys removed: ${removed.join(", ")}`] : []),
            ...(contentChanged && !added.length && !removed.length ? ["content changed"] : []),
          ];
          changes.push(
            simpleChange(o, k.kind, "config", `Secret ${where} changed: ${parts.join("; ")}`, [], {
              addedKeys: added,
              removedKeys: removed,
              changedKeys: [],
              contentHash: view.contentHash,
              previousContentHash: prev.view.contentHash,
            }),
          );
        }
        break;
      }
      case "jobs":
        if (view.failed && !prev.view.failed) changes.push(jobFailed(o, view.failed as Json));
        break;
      default: {
        const diff = diffObjects(prev.view.spec, view.spec, ignore, "spec");
        if (diff.length === 0) break;
        const label = { services: "Service", ingresses: "Ingress", cronjobs: "CronJob", hpas: "Autoscaler" }[
          k.key
        ] ?? k.kind;
        const type = { services: "service", ingresses: "ingress", cronjobs: "job", hpas: "hpa" }[k.key] ??
          "resource";
        const paths = diff.map((d) => d.path.replace(/^spec\./, "")).slice(0, 5).join(", ");
        changes.push(
          simpleChange(o, k.kind, type, `${label} ${where} changed: ${paths}`, diff, {
            ...(k.key === "cronjobs" ? { schedule: o.spec?.schedule } : {}),
          }),
        );
      }
    }
    return { changes, writes: [[key, snap]] };
  }

  function jobFailed(o: Json, failed: { at: string | null; reason: string; message: string }): MappedChange {
    const b = base(o, "Job");
    return {
      upstreamId: idOf(b.ns, "job", b.name, o.metadata?.uid, "failed"),
      eventType: "job",
      time: failed.at ?? now().toISOString(),
      subject: `${b.ns}/Job/${b.name}`,
      title: `Job ${b.ns}/${b.name} failed: ${failed.reason}`,
      description: failed.message.slice(0, 4000),
      author: "",
      status: "failed",
      tags: tagsFor(b.ns),
      refs: [b.ref],
      metadata: { ...b.meta, manager: null, reason: failed.reason, message: failed.message },
    };
  }

  function helm(k: KindDef, o: Json, prev: Snapshot | undefined, mode: Mode): Observation {
    const key = objectKey(k, o.metadata?.namespace, o.metadata?.name);
    let r;
    try {
      r = decodeHelmRelease(o);
    } catch {
      return { changes: [], writes: [] };
    }
    const view = { ...r };
    const snap: Snapshot = { uid: o.metadata.uid, rv: o.metadata.resourceVersion, view };
    if (mode === "baseline" && !prev) return { changes: [], writes: [[key, snap]] };
    if (prev && prev.view.status === r.status) return { changes: [], writes: [[key, snap]] };
    const ns = o.metadata?.namespace ?? r.namespace;
    const change: MappedChange = {
      upstreamId: idOf(ns, "helm", r.release, r.revision),
      eventType: "helm",
      time: iso(r.lastDeployed) ?? iso(o.metadata?.creationTimestamp) ?? now().toISOString(),
      subject: `${ns}/helm/${r.release}`,
      title: `Helm ${r.release} revision ${r.revision}: ${r.chart} ${r.chartVersion} ${r.status}`.slice(
        0,
        500,
      ),
      description: r.description.slice(0, 4000),
      author: "helm",
      status: r.status,
      tags: tagsFor(ns),
      refs: [`helm:${s.cluster}/${ns}/${r.release}`],
      metadata: {
        cluster: s.cluster,
        namespace: ns,
        kind: "HelmRelease",
        name: r.release,
        uid: o.metadata?.uid ?? null,
        resourceVersion: o.metadata?.resourceVersion ?? null,
        manager: "helm",
        release: r.release,
        chart: r.chart,
        chartVersion: r.chartVersion,
        appVersion: r.appVersion,
        revision: r.revision,
        helmStatus: r.status,
      },
    };
    return { changes: [change], writes: [[key, { ...snap, change }]] };
  }

  function troubleChange(g: TroubleGroup): MappedChange {
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
      tags: tagsFor(g.namespace),
      refs: [`k8s:${s.cluster}/${g.namespace}/workload/${g.owner}`],
      metadata: {
        cluster: s.cluster,
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

  function pod(
    k: KindDef,
    o: Json,
    prev: PodSnapshot | undefined,
    mode: Mode,
    state: StateMap,
    deleted: boolean,
  ): Observation {
    const ns = String(o.metadata?.namespace);
    const name = String(o.metadata?.name);
    const key = objectKey(k, ns, name);
    const owner = podOwner(o);
    const t = deleted
      ? { reasons: [] as string[], restarts: prev?.restarts ?? 0, message: "" }
      : podTrouble(o);
    const jump = prev && t.restarts - prev.restarts >= RESTART_JUMP && t.reasons.length === 0
      ? ["Restarts"]
      : [];
    const reasons = [...t.reasons, ...jump];
    const writes: StateWrite[] = [[
      key,
      deleted ? null : {
        uid: o.metadata.uid,
        rv: o.metadata.resourceVersion,
        owner,
        restarts: t.restarts,
        reasons,
      } satisfies PodSnapshot,
    ]];
    const changes: MappedChange[] = [];
    const at = now().toISOString();
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
        changes.push(troubleChange(g));
        writes.push([gk, g]);
      } else {
        const ng: TroubleGroup = {
          upstreamId: idOf(ns, "trouble", owner, reason, Date.parse(at)),
          reason,
          owner,
          namespace: ns,
          firstSeen: at,
          lastSeen: at,
          count: 1,
          pods: { [name]: t.restarts },
          open: true,
          message: t.message || (reason === "Restarts" ? `${name} restarted ${t.restarts} times` : reason),
        };
        changes.push(troubleChange(ng));
        writes.push([gk, ng]);
      }
    }
    // Groups this pod was part of and no longer shows: the pod recovered (or went away).
    for (const [gk, v] of state) {
      if (!gk.startsWith(`trouble.${ns}.${owner}.`)) continue;
      const g = structuredClone(v as TroubleGroup);
      if (!g.open || !(name in g.pods) || reasons.includes(g.reason)) continue;
      const ready = deleted ||
        (o.status?.conditions ?? []).some((c: Json) => c.type === "Ready" && c.status === "True");
      if (!ready && g.reason !== "Restarts") continue;
      delete g.pods[name];
      if (Object.keys(g.pods).length === 0) {
        g.open = false;
        g.lastSeen = at;
        changes.push(troubleChange(g));
      }
      writes.push([gk, g]);
    }
    if (mode === "baseline") {
      // A pod already in trouble when watching starts is still worth an event; recoveries are not.
      return { changes: changes.filter((c) => c.status === "ongoing"), writes };
    }
    return { changes, writes };
  }

  function warning(
    k: KindDef,
    o: Json,
    prev: Snapshot | undefined,
    mode: Mode,
    deleted: boolean,
  ): Observation {
    const key = objectKey(k, o.metadata?.namespace, o.metadata?.name);
    if (deleted) return { changes: [], writes: [[key, null]] };
    if (o.type !== "Warning") return { changes: [], writes: [] };
    const involved = o.involvedObject ?? o.regarding ?? {};
    if (s.kinds.has("pods") && involved.kind === "Pod" && COVERED_BY_POD_TROUBLE.has(o.reason)) {
      return { changes: [], writes: [] };
    }
    const count = Number(o.count ?? o.series?.count ?? 1);
    const snap: Snapshot = { uid: o.metadata.uid, rv: o.metadata.resourceVersion, view: { count } };
    if (mode === "baseline" || (prev && prev.view.count === count)) {
      return { changes: [], writes: [[key, snap]] };
    }
    const ns = o.metadata?.namespace ?? involved.namespace ?? null;
    const target = `${involved.kind ?? "object"} ${ns ? `${ns}/` : ""}${involved.name ?? ""}`;
    const change: MappedChange = {
      upstreamId: idOf(ns, "event", o.metadata?.uid),
      eventType: "trouble",
      time: iso(o.firstTimestamp) ?? iso(o.eventTime) ?? iso(o.metadata?.creationTimestamp) ??
        now().toISOString(),
      subject: `${ns ?? ""}/${involved.kind}/${involved.name}`,
      title: `${o.reason} on ${target}${count > 1 ? ` (×${count})` : ""}`.slice(0, 500),
      description: String(o.message ?? o.note ?? "").slice(0, 4000),
      author: String(o.source?.component ?? o.reportingController ?? ""),
      status: "warning",
      tags: tagsFor(ns),
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
        message: String(o.message ?? o.note ?? ""),
      },
    };
    return { changes: [change], writes: [[key, snap]] };
  }

  return {
    /** An object as listed or watched (ADDED or MODIFIED). */
    observe(k: KindDef, o: Json, mode: Mode, state: StateMap): Observation {
      if (
        k.key === "secrets" &&
        (o.type === HELM_SECRET_TYPE || o.type === "kubernetes.io/service-account-token")
      ) {
        return { changes: [], writes: [] };
      }
      const prev = state.get(objectKey(k, o.metadata?.namespace, o.metadata?.name)) as Json;
      // A new object under an old name (deleted and recreated): compare with nothing.
      const same = prev && prev.uid === o.metadata?.uid ? prev : undefined;
      if (same && same.rv === o.metadata?.resourceVersion) return { changes: [], writes: [] };
      if (k.key === "helm") return helm(k, o, same, mode);
      if (k.key === "pods") return pod(k, o, same, mode, state, false);
      if (k.key === "events") return warning(k, o, same, mode, false);
      if (WORKLOAD_KINDS.has(k.kind)) return workload(k, o, same, mode, state);
      return keyed(k, o, same, mode);
    },
    /** An object deleted (watched DELETED, or missing from a re-list). */
    deleted(k: KindDef, o: Json, state: StateMap): Observation {
      const key = objectKey(k, o.metadata?.namespace, o.metadata?.name);
      if (k.key === "pods") return pod(k, o, state.get(key) as PodSnapshot | undefined, "watch", state, true);
      if (k.key === "events" || k.key === "helm" || k.key === "jobs") {
        return { changes: [], writes: [[key, null]] };
      }
      if (!state.has(key)) return { changes: [], writes: [] };
      return { changes: [lifecycle(o, k.kind, "deleted")], writes: [[key, null]] };
    },
    ignored: (path: string) => ignored(path, ignore),
  };
}

export type Observer = ReturnType<typeof createObserver>;
