/**
 * From a watched object and the last state seen of it, the changes worth an event. Pure: it reads the state and
 * returns the changes plus the state writes, which the poll applies only after the changes are published (so a
 * crash in between publishes the same ids again, never a different story).
 *
 * Ids are stable: a rollout is its workload's generation, a config change its resourceVersion, a Helm release its
 * revision, a trouble group its first sighting. A re-list after 410 Gone or a restart therefore re-finds the same
 * ids, and the store keeps one row each.
 *
 * This file only dispatches by kind; each family lives in observe/: workloads, config (ConfigMaps, Secrets,
 * Services, Ingresses), batch (Jobs, CronJobs, HPAs), pods (pod trouble, Warning events), helm_releases.
 */
import { ignored } from "./diff.ts";
import { HELM_SECRET_TYPE } from "./helm.ts";
import { asKind, type KubeEvent, type KubeObject, type Pod, type Secret, type Workload } from "./model.ts";
import type { KindDef } from "./resources.ts";
import type { KubeSettings } from "./settings.ts";
import { cronJobs, hpas, jobs } from "./observe/batch.ts";
import {
  type Cx,
  type KeyedKind,
  type Mode,
  none,
  objectKey,
  type Observation,
  observeContext,
  observeKeyed,
  type Snapshot,
  type StateMap,
  stateOf,
} from "./observe/common.ts";
import { configMaps, ingresses, secrets, services } from "./observe/config.ts";
import { type HelmSnapshot, observeHelmRelease } from "./observe/helm_releases.ts";
import { observePod, observeWarning, type PodSnapshot, type WarningView } from "./observe/pods.ts";
import { observeWorkload, type WorkloadSnapshot } from "./observe/workloads.ts";

export { lastWriter, type Mode, objectKey, type Observation, type StateMap } from "./observe/common.ts";
export type { StateWrite } from "./observe/common.ts";
export { podOwner } from "./observe/pods.ts";

type Handler = (cx: Cx, k: KindDef, o: KubeObject, prev: unknown, mode: Mode, state: StateMap) => Observation;

/** The previous snapshot, read under the key of the object's kind: of that kind's snapshot shape. */
const prevAs = <T>(prev: unknown) => prev as T | undefined;

/** A kind kept as a view of the fields that matter and diffed. */
const keyed = <T extends KubeObject, V>(kind: KeyedKind<T, V>): Handler => (cx, k, o, prev, mode) =>
  observeKeyed(cx, kind, k, asKind<T>(o), prevAs<Snapshot<V>>(prev), mode);

const workload: Handler = (cx, k, o, prev, mode, state) =>
  observeWorkload(cx, k, asKind<Workload>(o), prevAs<WorkloadSnapshot>(prev), mode, state);

/** What each kind's object is made into, by the kind's config key. */
const HANDLERS: Record<string, Handler> = {
  deployments: workload,
  statefulsets: workload,
  daemonsets: workload,
  services: keyed(services),
  configmaps: keyed(configMaps),
  secrets: keyed(secrets),
  ingresses: keyed(ingresses),
  jobs: keyed(jobs),
  cronjobs: keyed(cronJobs),
  hpas: keyed(hpas),
  helm: (cx, k, o, prev, mode) =>
    observeHelmRelease(cx, k, asKind<Secret>(o), prevAs<HelmSnapshot>(prev), mode),
  pods: (cx, k, o, prev, mode, state) =>
    observePod(cx, k, asKind<Pod>(o), prevAs<PodSnapshot>(prev), mode, state, false),
  events: (cx, k, o, prev, mode, state) =>
    observeWarning(cx, k, asKind<KubeEvent>(o), prevAs<Snapshot<WarningView>>(prev), mode, state, false),
};

export function createObserver(s: KubeSettings, connectionTags: string[], now: () => Date) {
  const cx = observeContext(s, connectionTags, now);
  return {
    /** An object as listed or watched (ADDED or MODIFIED). */
    observe(k: KindDef, o: KubeObject, mode: Mode, state: StateMap): Observation {
      const secretType = k.key === "secrets" ? asKind<Secret>(o).type : undefined;
      if (secretType === HELM_SECRET_TYPE || secretType === "kubernetes.io/service-account-token") {
        return none();
      }
      const prev = stateOf<Snapshot<unknown>>(state, objectKey(k, o.metadata?.namespace, o.metadata?.name));
      // A new object under an old name (deleted and recreated): compare with nothing.
      const same = prev && prev.uid === o.metadata?.uid ? prev : undefined;
      if (same && same.rv === o.metadata?.resourceVersion) return none();
      return HANDLERS[k.key]?.(cx, k, o, same, mode, state) ?? none();
    },
    /** An object deleted (watched DELETED, or missing from a re-list). */
    deleted(k: KindDef, o: KubeObject, state: StateMap): Observation {
      const key = objectKey(k, o.metadata?.namespace, o.metadata?.name);
      if (k.key === "pods") {
        return observePod(cx, k, asKind<Pod>(o), stateOf<PodSnapshot>(state, key), "watch", state, true);
      }
      if (k.key === "events" || k.key === "helm" || k.key === "jobs") {
        return { changes: [], writes: [[key, null]] };
      }
      if (!state.has(key)) return none();
      const place = stateOf<Snapshot<unknown>>(state, key)?.place;
      return { changes: [cx.lifecycle(o, k.kind, "deleted", place)], writes: [[key, null]] };
    },
    ignored: (path: string) => ignored(path, cx.ignore),
  };
}

export type Observer = ReturnType<typeof createObserver>;
