/**
 * The Kubernetes objects the connector reads, typed with @kubernetes/client-node's models. TYPES ONLY: `import
 * type` is erased, and the package itself must never load at run time (see client.ts). `Wire<T>` is a model as
 * the API server sends it in JSON: timestamps are RFC 3339 strings where client-node's serializer makes Dates.
 */
import type {
  CoreV1Event,
  EventsV1Event,
  V1ConfigMap,
  V1ContainerStatus,
  V1CronJob,
  V1DaemonSet,
  V1Deployment,
  V1Ingress,
  V1Job,
  V1ManagedFieldsEntry,
  V1ObjectMeta,
  V1Pod,
  V1PodSpec,
  V1PodTemplateSpec,
  V1Secret,
  V1Service,
  V1StatefulSet,
  V1Status,
  V2HorizontalPodAutoscaler,
} from "@kubernetes/client-node";

/** A client-node model as JSON: every Date (and MicroTime) a string, the rest as declared. */
export type Wire<T> = T extends Date ? string
  : T extends (infer U)[] ? Wire<U>[]
  : T extends object ? { [K in keyof T]: Wire<T[K]> }
  : T;

export type ObjectMeta = Wire<V1ObjectMeta>;
export type ManagedFieldsEntry = Wire<V1ManagedFieldsEntry>;
export type PodSpec = Wire<V1PodSpec>;
export type PodTemplate = Wire<V1PodTemplateSpec>;
export type ContainerStatus = Wire<V1ContainerStatus>;

export type Deployment = Wire<V1Deployment>;
export type StatefulSet = Wire<V1StatefulSet>;
export type DaemonSet = Wire<V1DaemonSet>;
export type Workload = Deployment | StatefulSet | DaemonSet;
export type Service = Wire<V1Service>;
export type Ingress = Wire<V1Ingress>;
export type ConfigMap = Wire<V1ConfigMap>;
export type Secret = Wire<V1Secret>;
export type Job = Wire<V1Job>;
export type CronJob = Wire<V1CronJob>;
export type Hpa = Wire<V2HorizontalPodAutoscaler>;
export type Pod = Wire<V1Pod>;
/** A core/v1 Event; the events.k8s.io/v1 names of the same fields are read as well, where a server sends those. */
export type KubeEvent =
  & Wire<CoreV1Event>
  & Partial<Pick<Wire<EventsV1Event>, "regarding" | "note" | "reportingController">>;
/** The Status an ERROR watch event (or an error response) carries. */
export type KubeStatus = Wire<V1Status>;

/** An object as a list or a watch returns it, before its kind is looked at. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
  [field: string]: unknown;
}

/**
 * An object of the kind its collection holds. The API server answers a collection path with that kind only, so
 * this is the one place a listed or watched object is taken to be of its kind.
 */
export const asKind = <T>(o: KubeObject): T => o as T;
