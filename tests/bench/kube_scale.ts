/**
 * The Kubernetes connector at cluster scale: a fake cluster of 2,000 Deployments and 10,000 Pods (built here,
 * served by testing/fake_kube with paginated lists and watches), then steady churn (pod status updates, pods
 * replaced, Warning events, rollouts). A real connector process watches it all. Measured:
 *
 * - kube_memory_mb: the connector's peak RSS, sampled every 100 ms from start to the end of the churn;
 * - kube_kv_writes_per_s: writes to the state and cursor buckets per second during the churn (their streams'
 *   sequence numbers, so every put and purge counts);
 * - kube_start_to_watching_s: from starting the process until every kind has a watch open (each after its
 *   list: the cluster's baseline).
 *
 * `KUBE_BENCH_BASELINE=/path/to/another/checkout` also runs that checkout's connector against the same cluster in
 * the same run (its figures get the suffix _baseline). Sizes: KUBE_DEPLOYMENTS, KUBE_PODS, KUBE_CHURN_S,
 * KUBE_CHURN_RATE (changes per second). Run alone: `deno run -A tests/bench/kube_scale.ts`.
 */
import { KINDS } from "@painchain/kubernetes";
import { createTestNats, ROOT, type TestNats } from "@painchain/testing";
import { FakeKube, type Json } from "@painchain/testing/fake_kube";
import {
  crashLooping,
  deployment,
  rolledOut,
  running,
  warningEvent,
} from "@painchain/testing/fake_kube/objects";
import { log, PERMISSIONS, type Results, rssMb } from "./util.ts";
import { v8Flags } from "../../dev/permissions.ts";

export interface KubeScaleOptions {
  deployments?: number;
  pods?: number;
  /** How long the churn runs. */
  churnSeconds?: number;
  /** Changes per second made to the cluster during the churn. */
  churnRate?: number;
  /** Another checkout whose connector to measure too (figures suffixed _baseline). */
  baseline?: string;
}

const HASH = "7c9f5d8b6";
const NAMESPACES = 20;

/** A pod as the kubelet and scheduler leave it: a realistic size (spec, status, managedFields). */
function benchPod(ns: string, app: string, i: number, restarts = 0, ready = true): Json {
  const name = `${app}-${HASH}-${i.toString(36).padStart(5, "0")}`;
  return {
    metadata: {
      name,
      namespace: ns,
      generateName: `${app}-${HASH}-`,
      labels: { app, "app.kubernetes.io/name": app, "pod-template-hash": HASH, environment: "production" },
      annotations: { "kubectl.kubernetes.io/restartedAt": "2026-11-01T10:00:00Z" },
      ownerReferences: [{
        apiVersion: "apps/v1",
        kind: "ReplicaSet",
        name: `${app}-${HASH}`,
        uid: `rs-${app}`,
        controller: true,
        blockOwnerDeletion: true,
      }],
    },
    spec: {
      containers: [{
        name: app,
        image: `registry.acme.dev/${app}:1.0.${i % 7}`,
        ports: [{ containerPort: 8080, protocol: "TCP", name: "http" }],
        env: Array.from({ length: 8 }, (_, e) => ({ name: `SETTING_${e}`, value: `value-${e}` })),
        resources: { limits: { memory: "256Mi", cpu: "500m" }, requests: { memory: "128Mi", cpu: "100m" } },
        readinessProbe: { httpGet: { path: "/healthz", port: 8080 }, periodSeconds: 10 },
        livenessProbe: { httpGet: { path: "/healthz", port: 8080 }, periodSeconds: 20 },
        volumeMounts: [{ name: "config", mountPath: "/etc/app" }, {
          name: "kube-api-access",
          mountPath: "/var/run/secrets/kubernetes.io/serviceaccount",
          readOnly: true,
        }],
      }],
      volumes: [{ name: "config", configMap: { name: `${app}-config` } }, {
        name: "kube-api-access",
        projected: { sources: [{ serviceAccountToken: { expirationSeconds: 3607, path: "token" } }] },
      }],
      nodeName: `node-${i % 50}`,
      serviceAccountName: "default",
      restartPolicy: "Always",
      tolerations: [
        {
          key: "node.kubernetes.io/not-ready",
          operator: "Exists",
          effect: "NoExecute",
          tolerationSeconds: 300,
        },
      ],
    },
    status: {
      phase: "Running",
      hostIP: `10.0.${i % 50}.1`,
      podIP: `10.244.${i % 250}.${i % 200}`,
      startTime: "2026-11-01T10:00:00Z",
      qosClass: "Burstable",
      conditions: [
        { type: "Initialized", status: "True" },
        { type: "Ready", status: ready ? "True" : "False" },
        { type: "ContainersReady", status: ready ? "True" : "False" },
        { type: "PodScheduled", status: "True" },
      ],
      containerStatuses: [{
        name: app,
        image: `registry.acme.dev/${app}:1.0.${i % 7}`,
        imageID: `registry.acme.dev/${app}@sha256:${"0".repeat(60)}${
          (i % 65536).toString(16).padStart(4, "0")
        }`,
        containerID: `containerd://${crypto.randomUUID().replaceAll("-", "")}`,
        started: ready,
        ...(ready ? running(restarts) : crashLooping(restarts)),
      }],
    },
  };
}

/** A cluster of `deployments` Deployments with `pods` Pods between them, in 20 namespaces. */
export function buildCluster(kube: FakeKube, deployments: number, pods: number) {
  const apps: { ns: string; app: string; pods: number[] }[] = [];
  const old = new Date(Date.now() - 7 * 86400_000);
  for (let d = 0; d < deployments; d++) {
    const ns = `team-${String(d % NAMESPACES).padStart(2, "0")}`;
    const app = `svc-${String(d).padStart(4, "0")}`;
    const dep = deployment(ns, app, `registry.acme.dev/${app}:1.0.0`, Math.ceil(pods / deployments));
    dep.metadata.labels["app.kubernetes.io/name"] = app;
    kube.apply("deployments", dep, { at: old });
    apps.push({ ns, app, pods: [] });
  }
  for (let p = 0; p < pods; p++) {
    const a = apps[p % apps.length]!;
    kube.apply("pods", benchPod(a.ns, a.app, p), { manager: "kubelet", at: old });
    a.pods.push(p);
  }
  return apps;
}

/** Steady churn: pod status updates, pods replaced, Warning events and rollouts, `rate` changes a second. */
function churn(kube: FakeKube, apps: ReturnType<typeof buildCluster>, rate: number) {
  let seq = 1_000_000;
  let n = 0;
  let rnd = 7;
  const pick = <T>(xs: T[]): T => xs[(rnd = (rnd * 1103515245 + 12345) % 2 ** 31) % xs.length]!;
  const restarts = new Map<number, number>();
  const step = () => {
    const a = pick(apps);
    const r = (rnd % 100) / 100;
    const p = pick(a.pods);
    const podName = `${a.app}-${HASH}-${p.toString(36).padStart(5, "0")}`;
    if (r < 0.7) {
      // The kubelet reports a status: mostly readiness flips and probes, some crash loops.
      const crash = r < 0.1;
      const count = crash ? (restarts.get(p) ?? 0) + 1 : restarts.get(p) ?? 0;
      restarts.set(p, count);
      const status = benchPod(a.ns, a.app, p, count, !crash).status;
      kube.update("pods", a.ns, podName, (o) => (o.status = status), {
        manager: "kubelet",
        subresource: "status",
      });
    } else if (r < 0.85) {
      // A pod replaced (evicted, rescheduled).
      kube.delete("pods", a.ns, podName);
      const np = seq++;
      a.pods[a.pods.indexOf(p)] = np;
      kube.apply("pods", benchPod(a.ns, a.app, np), { manager: "kubelet" });
    } else if (r < 0.98) {
      kube.apply(
        "events",
        warningEvent(
          a.ns,
          `${podName}.${(seq++).toString(16)}`,
          podName,
          pick(["Unhealthy", "FailedMount"]),
          1,
        ),
      );
    } else {
      // A rollout: a new image, the controller's status a moment later.
      const dep = kube.update("deployments", a.ns, a.app, (o) => {
        o.spec.template.spec.containers[0].image = `registry.acme.dev/${a.app}:1.${seq++ % 100}.0`;
      }, { manager: "argocd-controller" });
      setTimeout(
        () =>
          kube.setStatus("deployments", a.ns, a.app, rolledOut(dep.metadata.generation, dep.spec.replicas)),
        500,
      );
    }
    n++;
  };
  // Ten ticks a second, the rate spread over them.
  let carry = 0;
  const timer = setInterval(() => {
    carry += rate / 10;
    for (; carry >= 1; carry--) step();
  }, 100);
  return {
    stop() {
      clearInterval(timer);
      return n;
    },
  };
}

async function lastSeq(tn: TestNats, bucket: string): Promise<number> {
  return (await tn.nats.jsm.streams.info(`KV_${bucket}`)).state.last_seq;
}

async function kvWrites(tn: TestNats): Promise<number> {
  return await lastSeq(tn, tn.names.stateBucket) + await lastSeq(tn, tn.names.cursorsBucket);
}

interface Run {
  memoryMb: number;
  kvWritesPerS: number;
  startToWatchingS: number;
  baselineKvWrites: number;
  steadyRssMb: number;
  lagRv: number;
}

/** One connector (from `root`) against a fresh cluster: start, baseline, churn. */
async function measure(root: string, o: Required<Omit<KubeScaleOptions, "baseline">>): Promise<Run> {
  const kube = new FakeKube({ bookmarkMs: 1_000 }).start();
  const t0 = performance.now();
  const apps = buildCluster(kube, o.deployments, o.pods);
  log(
    `fake cluster: ${kube.count("deployments")} deployments, ${kube.count("pods")} pods ` +
      `(${((performance.now() - t0) / 1000).toFixed(1)} s to build)`,
  );
  const tn = await createTestNats();
  const dir = await Deno.makeTempDir();
  const file = `${dir}/connections.json`;
  await Deno.writeTextFile(
    file,
    JSON.stringify([{
      id: "scale",
      connector: "kubernetes",
      name: "Scale",
      pollInterval: 1,
      config: { auth: "kubeconfig", clusterName: "bench" },
      secrets: { kubeconfig: kube.kubeconfig() },
    }]),
  );
  let proc: Deno.ChildProcess | null = null;
  let output = "";
  try {
    const writes0 = await kvWrites(tn);
    const started = Date.now();
    proc = new Deno.Command(Deno.execPath(), {
      args: ["run", ...PERMISSIONS, ...v8Flags("connector", "kubernetes"), "connectors/kubernetes/main.ts"],
      cwd: root,
      env: {
        ...Deno.env.toObject(),
        LOG_LEVEL: "warn",
        PAINCHAIN_PREFIX: tn.names.prefix,
        CONNECTOR_HOST: "127.0.0.1",
        PAINCHAIN_CONNECTIONS_FILE: file,
        PAINCHAIN_UPSTREAM_ALLOW: "127.0.0.1",
      },
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const pid = proc.pid;
    const drain = async (s: ReadableStream<Uint8Array>) => {
      const dec = new TextDecoder();
      for await (const c of s) output = (output + dec.decode(c, { stream: true })).slice(-20_000);
    };
    const drained = Promise.all([drain(proc.stdout), drain(proc.stderr)]);
    let exited = false;
    proc.status.then(() => (exited = true));
    let peak = 0;
    const sampler = setInterval(() => (peak = Math.max(peak, rssMb(pid))), 100);
    // Watching: every kind has a watch request after the connector started.
    const kinds = new Set(KINDS.map((k) => `${k.plural}?${k.labelSelector ?? ""}`));
    let watchingAt = 0;
    for (const end = Date.now() + 600_000; Date.now() < end && !watchingAt && !exited;) {
      const watched = new Set(
        kube.requests.filter((r) => r.query.watch && r.at >= started).map((r) =>
          `${r.path.split("/").at(-1)}?${r.query.labelSelector ?? ""}`
        ),
      );
      if ([...kinds].every((k) => watched.has(k))) watchingAt = Date.now();
      else await new Promise((r) => setTimeout(r, 100));
    }
    if (!watchingAt) throw new Error(`the connector never watched every kind:\n${output}`);
    const startToWatchingS = (watchingAt - started) / 1000;
    // The baseline's writes settle (they may trail the watches).
    await new Promise((r) => setTimeout(r, 3_000));
    const baselineKvWrites = await kvWrites(tn) - writes0;
    log(`watching after ${startToWatchingS.toFixed(1)} s; baseline wrote ${baselineKvWrites} KV entries`);

    const w0 = await kvWrites(tn);
    const c0 = performance.now();
    const ch = churn(kube, apps, o.churnRate);
    await new Promise((r) => setTimeout(r, o.churnSeconds * 1000));
    const changes = ch.stop();
    const seconds = (performance.now() - c0) / 1000;
    const kvWritesPerS = (await kvWrites(tn) - w0) / seconds;
    // How far behind the cluster the connector's cursor is when the churn stops.
    const cursor = await tn.buckets.cursors.get("kubernetes.scale");
    const rvs = cursor
      ? Object.values(JSON.parse(new TextDecoder().decode(cursor.value)).cursor?.rvs ?? {})
      : [];
    const lagRv = Number(kube.resourceVersion) - Math.min(...rvs.map(Number));
    clearInterval(sampler);
    const steadyRssMb = rssMb(pid);
    peak = Math.max(peak, steadyRssMb);
    log(
      `churn: ${changes} changes in ${seconds.toFixed(0)} s; ${kvWritesPerS.toFixed(0)} KV writes/s; ` +
        `RSS peak ${peak.toFixed(0)} MB, at the end ${
          steadyRssMb.toFixed(0)
        } MB; cursor ${lagRv} versions behind`,
    );
    proc.kill("SIGTERM");
    await proc.status;
    await drained;
    proc = null;
    return {
      memoryMb: +peak.toFixed(1),
      kvWritesPerS: Math.round(kvWritesPerS),
      startToWatchingS: +startToWatchingS.toFixed(1),
      baselineKvWrites,
      steadyRssMb: +steadyRssMb.toFixed(1),
      lagRv,
    };
  } finally {
    if (proc) {
      try {
        proc.kill("SIGKILL");
      } catch { /* gone */ }
      await proc.status;
    }
    await kube.stop();
    await tn.cleanup();
    await Deno.remove(dir, { recursive: true });
  }
}

export async function benchKubeScale(results: Results, opts: KubeScaleOptions = {}): Promise<void> {
  const o = {
    deployments: opts.deployments ?? Number(Deno.env.get("KUBE_DEPLOYMENTS") ?? 2_000),
    pods: opts.pods ?? Number(Deno.env.get("KUBE_PODS") ?? 10_000),
    churnSeconds: opts.churnSeconds ?? Number(Deno.env.get("KUBE_CHURN_S") ?? 30),
    churnRate: opts.churnRate ?? Number(Deno.env.get("KUBE_CHURN_RATE") ?? 200),
  };
  const baseline = opts.baseline ?? Deno.env.get("KUBE_BENCH_BASELINE");
  const runs: [string, string][] = [...(baseline ? [[baseline, "_baseline"] as [string, string]] : []), [
    ROOT,
    "",
  ]];
  const note = `${o.deployments} Deployments, ${o.pods} Pods; churn ${o.churnRate}/s for ${o.churnSeconds} s`;
  for (const [root, suffix] of runs) {
    log(`Kubernetes at scale: the connector of ${root}`);
    const r = await measure(root, o);
    results[`kube_memory_mb${suffix}`] = { value: r.memoryMb, unit: "MB", note: `peak RSS; ${note}` };
    results[`kube_kv_writes_per_s${suffix}`] = {
      value: r.kvWritesPerS,
      unit: "writes/s",
      note: "state + cursor buckets, during the churn",
    };
    results[`kube_start_to_watching_s${suffix}`] = {
      value: r.startToWatchingS,
      unit: "s",
      note: "process start to a watch open for every kind",
    };
    results[`kube_baseline_kv_writes${suffix}`] = { value: r.baselineKvWrites, unit: "writes" };
    results[`kube_end_rss_mb${suffix}`] = {
      value: r.steadyRssMb,
      unit: "MB",
      note: "RSS when the churn ends",
    };
    results[`kube_cursor_lag_versions${suffix}`] = {
      value: r.lagRv,
      unit: "versions",
      note: "how far the slowest watch's saved version trails the cluster when the churn stops",
    };
  }
}

if (import.meta.main) {
  const results: Results = {};
  await benchKubeScale(results);
  for (const [k, r] of Object.entries(results)) {
    log(`${k}: ${r.value} ${r.unit}${r.note ? ` (${r.note})` : ""}`);
  }
}
