/** Kubernetes connector metadata: the connection form and the detail panels of every event type. */
import type { ConnectorMetadataInput } from "@painchain/shared";

const objectSection = {
  title: "Object",
  fields: [
    { key: "metadata.cluster", label: "Cluster" },
    { key: "metadata.namespace", label: "Namespace" },
    { key: "metadata.kind", label: "Kind" },
    { key: "metadata.name", label: "Name" },
    { key: "metadata.manager", label: "Changed by (field manager)" },
    { key: "metadata.resourceVersion", label: "Resource version", visible: false },
    { key: "metadata.uid", label: "UID", visible: false },
  ],
};
const diffSection = {
  title: "Changes",
  fields: [{ key: "metadata.diff", label: "Field changes", format: "diff" as const }],
};

const toggle = (key: string, label: string, dflt = true) => ({
  key,
  label,
  type: "boolean" as const,
  default: dflt,
});

export const metadata: ConnectorMetadataInput = {
  id: "kubernetes",
  displayName: "Kubernetes",
  color: "#326ce5",
  logo: "logo.svg",
  description:
    "Rollouts, rollbacks, scaling, config and secret changes, services, ingresses, jobs, HPAs, Helm releases and pod trouble, watched live",
  defaultPollInterval: 2,
  minPollInterval: 1,
  configSchema: [
    {
      key: "auth",
      label: "How to reach the cluster",
      type: "select",
      default: "incluster",
      options: [
        { value: "incluster", label: "In-cluster service account (PainChain runs in this cluster)" },
        { value: "kubeconfig", label: "Kubeconfig" },
        { value: "token", label: "Server URL and token" },
      ],
    },
    {
      key: "kubeconfig",
      label: "Kubeconfig",
      type: "textarea",
      secret: true,
      required: false,
      placeholder: "apiVersion: v1\nkind: Config\n…   (or file:/etc/painchain/kubeconfig)",
      help: "Pasted, or a reference: file:/path or env:NAME. Only for the kubeconfig option.",
    },
    {
      key: "context",
      label: "Kubeconfig context",
      type: "text",
      required: false,
      help: "Default: current-context",
    },
    {
      key: "server",
      label: "API server URL",
      type: "url",
      required: false,
      placeholder: "https://k8s.example.com:6443",
    },
    { key: "token", label: "Bearer token", type: "password", secret: true, required: false },
    {
      key: "caData",
      label: "CA certificate (PEM)",
      type: "textarea",
      required: false,
      help: "The cluster's CA, to verify the API server. Leave empty to use the system's roots.",
    },
    {
      key: "clusterName",
      label: "Cluster name",
      type: "text",
      required: false,
      placeholder: "prod-eu-1",
      help:
        "Shown on every event and added as the tag cluster:<name>. Default: the kubeconfig context, or default.",
    },
    {
      key: "namespaces",
      label: "Namespaces",
      type: "list",
      required: false,
      placeholder: "payments\ncheckout",
      help: "One per line; each is watched on its own. Empty: all namespaces.",
    },
    toggle("deployments", "Deployments"),
    toggle("statefulsets", "StatefulSets"),
    toggle("daemonsets", "DaemonSets"),
    toggle("services", "Services (type and ports)"),
    toggle("configmaps", "ConfigMaps (changed keys)"),
    toggle("secrets", "Secrets (changed keys and a content hash; values never leave the cluster)"),
    toggle("ingresses", "Ingresses (hosts and paths)"),
    toggle("jobs", "Jobs (failures)"),
    toggle("cronjobs", "CronJobs (schedule changes)"),
    toggle("hpas", "HorizontalPodAutoscalers"),
    toggle("helm", "Helm releases"),
    toggle("pods", "Pod trouble (CrashLoopBackOff, ImagePullBackOff, OOMKilled, restarts)"),
    toggle("events", "Warning events"),
    toggle("hpaReplicaChanges", "Report replica changes made by an HPA", false),
    {
      key: "ignoreFields",
      label: "Also ignore these fields",
      type: "list",
      required: false,
      placeholder: "spec.template.metadata.annotations\nspec.progressDeadlineSeconds",
      help:
        "Field paths (and everything under them) left out of diffs. Always ignored: status, metadata.managedFields, resourceVersion, generation, and spec.replicas when an HPA owns it.",
    },
  ],
  eventTypes: {
    rollout: {
      displayName: "Rollouts",
      description: "A workload's pod template changed (image, env, config): the rollout, until it completes",
      sections: [
        {
          title: "Rollout",
          fields: [
            { key: "metadata.images", label: "Images", format: "list" },
            { key: "metadata.imageDigests", label: "Image digests", format: "list", visible: false },
            { key: "metadata.rollback", label: "Rollback" },
            { key: "metadata.revision", label: "Revision" },
            { key: "metadata.readyReplicas", label: "Ready", format: "number" },
            { key: "metadata.replicas", label: "Replicas", format: "number" },
            { key: "metadata.finishedAt", label: "Finished", format: "time" },
          ],
        },
        diffSection,
        objectSection,
      ],
    },
    scale: {
      displayName: "Scaling",
      description: "Replicas changed by a person (or by an HPA, when configured)",
      sections: [diffSection, objectSection],
    },
    config: {
      displayName: "Config and secrets",
      description: "ConfigMap data or Secret keys changed (secret values are never read out)",
      sections: [
        {
          title: "Keys",
          fields: [
            { key: "metadata.addedKeys", label: "Added", format: "list" },
            { key: "metadata.removedKeys", label: "Removed", format: "list" },
            { key: "metadata.changedKeys", label: "Changed", format: "list" },
            { key: "metadata.contentHash", label: "Content hash", format: "code", visible: false },
          ],
        },
        objectSection,
      ],
    },
    service: { displayName: "Services", sections: [diffSection, objectSection] },
    ingress: { displayName: "Ingresses", sections: [diffSection, objectSection] },
    job: {
      displayName: "Jobs and CronJobs",
      description: "Failed jobs and CronJob schedule changes",
      sections: [
        {
          title: "Job",
          fields: [
            { key: "metadata.reason", label: "Reason" },
            { key: "metadata.message", label: "Message" },
            { key: "metadata.schedule", label: "Schedule", format: "code" },
          ],
        },
        diffSection,
        objectSection,
      ],
    },
    hpa: { displayName: "Autoscalers", sections: [diffSection, objectSection] },
    helm: {
      displayName: "Helm releases",
      sections: [
        {
          title: "Release",
          fields: [
            { key: "metadata.release", label: "Release" },
            { key: "metadata.chart", label: "Chart" },
            { key: "metadata.chartVersion", label: "Chart version" },
            { key: "metadata.appVersion", label: "App version" },
            { key: "metadata.revision", label: "Revision", format: "number" },
            { key: "metadata.helmStatus", label: "Status" },
          ],
        },
        objectSection,
      ],
    },
    trouble: {
      displayName: "Pod trouble",
      description: "CrashLoopBackOff, ImagePullBackOff, OOMKilled, restart jumps and Warning events, grouped",
      sections: [
        {
          title: "Trouble",
          fields: [
            { key: "metadata.reason", label: "Reason" },
            { key: "metadata.count", label: "Count", format: "number" },
            { key: "metadata.pods", label: "Pods", format: "list" },
            { key: "metadata.lastSeen", label: "Last seen", format: "time" },
            { key: "metadata.message", label: "Message" },
          ],
        },
        objectSection,
      ],
    },
    resource: {
      displayName: "Created and deleted",
      sections: [objectSection],
    },
  },
};
