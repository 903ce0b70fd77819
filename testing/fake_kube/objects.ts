/** Objects shaped as the Kubernetes API returns them (the fake server adds uid, resourceVersion, managedFields). */
import { gzipSync } from "node:zlib";
import { encodeHelmRelease } from "@painchain/kubernetes";
import type { Json } from "./server.ts";

export function deployment(ns: string, name: string, image: string, replicas = 2): Json {
  return {
    metadata: {
      name,
      namespace: ns,
      labels: { app: name },
      annotations: { "deployment.kubernetes.io/revision": "1" },
    },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: "25%", maxUnavailable: "25%" } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          containers: [{
            name,
            image,
            ports: [{ containerPort: 8080, protocol: "TCP" }],
            env: [{ name: "LOG_LEVEL", value: "info" }],
            resources: { limits: { memory: "256Mi" } },
          }],
          restartPolicy: "Always",
        },
      },
    },
    status: rolledOut(1, replicas),
  };
}

/** The status a Deployment controller writes once generation `gen` is fully rolled out. */
export function rolledOut(gen: number, replicas: number): Json {
  return {
    observedGeneration: gen,
    replicas,
    updatedReplicas: replicas,
    readyReplicas: replicas,
    availableReplicas: replicas,
    conditions: [
      { type: "Available", status: "True", reason: "MinimumReplicasAvailable" },
      { type: "Progressing", status: "True", reason: "NewReplicaSetAvailable" },
    ],
  };
}

export function hpa(ns: string, name: string, target: string): Json {
  return {
    metadata: { name, namespace: ns },
    spec: {
      scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: target },
      minReplicas: 2,
      maxReplicas: 10,
      metrics: [{
        type: "Resource",
        resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 70 } },
      }],
    },
  };
}

export function configMap(ns: string, name: string, data: Record<string, string>): Json {
  return { metadata: { name, namespace: ns }, data };
}

export function secret(ns: string, name: string, values: Record<string, string>): Json {
  return {
    metadata: { name, namespace: ns },
    type: "Opaque",
    data: Object.fromEntries(Object.entries(values).map(([k, v]) => [k, btoa(v)])),
  };
}

export function service(ns: string, name: string, port: number): Json {
  return {
    metadata: { name, namespace: ns },
    spec: {
      type: "ClusterIP",
      selector: { app: name },
      ports: [{ name: "http", port, targetPort: 8080, protocol: "TCP" }],
      clusterIP: "10.96.12.34",
    },
  };
}

export function ingress(ns: string, name: string, host: string): Json {
  return {
    metadata: { name, namespace: ns },
    spec: {
      rules: [{
        host,
        http: {
          paths: [{ path: "/", pathType: "Prefix", backend: { service: { name, port: { number: 80 } } } }],
        },
      }],
    },
  };
}

export function cronJob(ns: string, name: string, schedule: string): Json {
  return {
    metadata: { name, namespace: ns },
    spec: { schedule, jobTemplate: { spec: { template: { spec: { restartPolicy: "OnFailure" } } } } },
  };
}

/** A Job, running or failed past its backoff limit (the Failed condition the Job controller sets). */
export function job(ns: string, name: string, failed: boolean): Json {
  return {
    metadata: { name, namespace: ns },
    spec: { backoffLimit: 3, template: { spec: { restartPolicy: "Never" } } },
    status: failed
      ? {
        failed: 4,
        conditions: [{
          type: "Failed",
          status: "True",
          reason: "BackoffLimitExceeded",
          message: "Job has reached the specified backoff limit",
          lastTransitionTime: "2026-11-26T09:30:00Z",
        }],
      }
      : { active: 1 },
  };
}

/** A pod of a Deployment's ReplicaSet, with the container status the kubelet reports. */
export function pod(ns: string, deploymentName: string, suffix: string, container: Json): Json {
  const hash = "5d4f8c7b9";
  return {
    metadata: {
      name: `${deploymentName}-${hash}-${suffix}`,
      namespace: ns,
      labels: { app: deploymentName, "pod-template-hash": hash },
      ownerReferences: [{
        apiVersion: "apps/v1",
        kind: "ReplicaSet",
        name: `${deploymentName}-${hash}`,
        uid: "rs-uid",
        controller: true,
        blockOwnerDeletion: true,
      }],
    },
    spec: { containers: [{ name: deploymentName, image: "registry.example.com/app:1" }] },
    status: {
      phase: "Running",
      conditions: [{ type: "Ready", status: container.ready ? "True" : "False" }],
      containerStatuses: [{ name: deploymentName, image: "registry.example.com/app:1", ...container }],
    },
  };
}

export function crashLooping(restartCount: number): Json {
  return {
    ready: false,
    restartCount,
    state: {
      waiting: {
        reason: "CrashLoopBackOff",
        message: `back-off 40s restarting failed container=app pod=app`,
      },
    },
    lastState: { terminated: { exitCode: 1, reason: "Error", finishedAt: new Date().toISOString() } },
    imageID:
      "registry.example.com/app@sha256:1f2e3d4c5b6a79880f1e2d3c4b5a69788f1e2d3c4b5a69788f1e2d3c4b5a6978",
  };
}

export function running(restartCount: number): Json {
  return { ready: true, restartCount, state: { running: { startedAt: new Date().toISOString() } } };
}

/** A Warning event as the kubelet records it (aggregated: the same object's count goes up). */
export function warningEvent(ns: string, name: string, podName: string, reason: string, count: number): Json {
  return {
    metadata: { name, namespace: ns },
    involvedObject: { kind: "Pod", namespace: ns, name: podName, apiVersion: "v1" },
    reason,
    message: reason === "BackOff" ? "Back-off restarting failed container" : `${reason} happened`,
    source: { component: "kubelet", host: "node-1" },
    firstTimestamp: "2026-11-26T10:00:00Z",
    lastTimestamp: new Date().toISOString(),
    count,
    type: "Warning",
  };
}

/** A Helm 3 release record: the Secret `sh.helm.release.v1.<name>.v<revision>`. */
export function helmRelease(
  ns: string,
  release: string,
  revision: number,
  status: string,
  chartVersion: string,
  values: Record<string, unknown> = {},
): Json {
  const record = {
    name: release,
    namespace: ns,
    version: revision,
    info: {
      first_deployed: "2026-11-20T10:00:00Z",
      last_deployed: new Date().toISOString(),
      status,
      description: revision === 1 ? "Install complete" : "Upgrade complete",
    },
    chart: { metadata: { name: release, version: chartVersion, appVersion: "2.1.0" }, values: {} },
    config: values,
    manifest: "---\n# Source: app/templates/secret.yaml\n",
  };
  return {
    metadata: {
      name: `sh.helm.release.v1.${release}.v${revision}`,
      namespace: ns,
      labels: { owner: "helm", name: release, status, version: String(revision) },
    },
    type: "helm.sh/release.v1",
    data: { release: encodeHelmRelease(record, (b) => gzipSync(b)) },
  };
}
