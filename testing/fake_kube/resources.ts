/** The kinds the fake Kubernetes API serves, and the helpers its list and watch handlers share. */
import type { Json } from "../json.ts";

export interface ResourceType {
  group: string;
  version: string;
  plural: string;
  kind: string;
  namespaced: boolean;
  shortNames?: string[];
}

/** The resources of a real cluster that PainChain reads, as discovery describes them. */
export const RESOURCES: ResourceType[] = [
  {
    group: "",
    version: "v1",
    plural: "namespaces",
    kind: "Namespace",
    namespaced: false,
    shortNames: ["ns"],
  },
  { group: "", version: "v1", plural: "pods", kind: "Pod", namespaced: true, shortNames: ["po"] },
  { group: "", version: "v1", plural: "services", kind: "Service", namespaced: true, shortNames: ["svc"] },
  { group: "", version: "v1", plural: "configmaps", kind: "ConfigMap", namespaced: true, shortNames: ["cm"] },
  { group: "", version: "v1", plural: "secrets", kind: "Secret", namespaced: true },
  { group: "", version: "v1", plural: "events", kind: "Event", namespaced: true, shortNames: ["ev"] },
  {
    group: "apps",
    version: "v1",
    plural: "deployments",
    kind: "Deployment",
    namespaced: true,
    shortNames: ["deploy"],
  },
  {
    group: "apps",
    version: "v1",
    plural: "statefulsets",
    kind: "StatefulSet",
    namespaced: true,
    shortNames: ["sts"],
  },
  {
    group: "apps",
    version: "v1",
    plural: "daemonsets",
    kind: "DaemonSet",
    namespaced: true,
    shortNames: ["ds"],
  },
  { group: "batch", version: "v1", plural: "jobs", kind: "Job", namespaced: true },
  {
    group: "batch",
    version: "v1",
    plural: "cronjobs",
    kind: "CronJob",
    namespaced: true,
    shortNames: ["cj"],
  },
  {
    group: "networking.k8s.io",
    version: "v1",
    plural: "ingresses",
    kind: "Ingress",
    namespaced: true,
    shortNames: ["ing"],
  },
  {
    group: "autoscaling",
    version: "v2",
    plural: "horizontalpodautoscalers",
    kind: "HorizontalPodAutoscaler",
    namespaced: true,
    shortNames: ["hpa"],
  },
];

export const apiVersionOf = (r: ResourceType) => (r.group ? `${r.group}/${r.version}` : r.version);

export function matchesLabels(obj: Json, selector: string | null): boolean {
  if (!selector) return true;
  return selector.split(",").every((term) => {
    const [k, v] = term.split("=");
    return obj.metadata?.labels?.[k!] === v;
  });
}

/** The fields of an object a manager set, in the `FieldsV1` form the API uses (`f:spec` → `f:replicas` …). */
export function fieldsV1(value: Json, depth = 0): Json {
  if (!value || typeof value !== "object" || Array.isArray(value) || depth > 3) return {};
  return Object.fromEntries(Object.keys(value).map((k) => [`f:${k}`, fieldsV1(value[k], depth + 1)]));
}
