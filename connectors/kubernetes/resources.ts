/** The Kubernetes kinds the connector watches: where they live in the API and which setting turns them on. */

export interface KindDef {
  /** The config toggle, also the watch's name in cursors: `deployments`, `helm` … */
  key: string;
  kind: string;
  group: string;
  version: string;
  plural: string;
  /** Only objects with these labels (Helm release secrets). */
  labelSelector?: string;
}

export const KINDS: KindDef[] = [
  { key: "deployments", kind: "Deployment", group: "apps", version: "v1", plural: "deployments" },
  { key: "statefulsets", kind: "StatefulSet", group: "apps", version: "v1", plural: "statefulsets" },
  { key: "daemonsets", kind: "DaemonSet", group: "apps", version: "v1", plural: "daemonsets" },
  { key: "services", kind: "Service", group: "", version: "v1", plural: "services" },
  { key: "configmaps", kind: "ConfigMap", group: "", version: "v1", plural: "configmaps" },
  { key: "secrets", kind: "Secret", group: "", version: "v1", plural: "secrets" },
  { key: "ingresses", kind: "Ingress", group: "networking.k8s.io", version: "v1", plural: "ingresses" },
  { key: "jobs", kind: "Job", group: "batch", version: "v1", plural: "jobs" },
  { key: "cronjobs", kind: "CronJob", group: "batch", version: "v1", plural: "cronjobs" },
  {
    key: "hpas",
    kind: "HorizontalPodAutoscaler",
    group: "autoscaling",
    version: "v2",
    plural: "horizontalpodautoscalers",
  },
  // Helm keeps each release revision in a Secret labelled owner=helm.
  { key: "helm", kind: "Secret", group: "", version: "v1", plural: "secrets", labelSelector: "owner=helm" },
  { key: "pods", kind: "Pod", group: "", version: "v1", plural: "pods" },
  { key: "events", kind: "Event", group: "", version: "v1", plural: "events" },
];

export const WORKLOAD_KINDS = new Set(["Deployment", "StatefulSet", "DaemonSet"]);

/** The collection path: `/apis/apps/v1/namespaces/a/deployments`, or cluster-wide without a namespace. */
export function collectionPath(k: KindDef, namespace: string | null): string {
  const base = k.group ? `/apis/${k.group}/${k.version}` : `/api/${k.version}`;
  return `${base}${namespace ? `/namespaces/${namespace}` : ""}/${k.plural}`;
}
