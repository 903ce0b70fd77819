import assert from "node:assert/strict";
import { gzipSync } from "node:zlib";
import { type Connection, toCloudEvent } from "@painchain/shared/internal";
import { job as fakeJob } from "@painchain/testing/fake_kube/objects";
import { encodeHelmRelease } from "./helm.ts";
import { createObserver, lastWriter, podOwner, type StateMap } from "./observe.ts";
import { KINDS } from "./resources.ts";
import { settingsOf } from "./settings.ts";

// deno-lint-ignore no-explicit-any
type Json = any;
const kind = (key: string) => KINDS.find((k) => k.key === key)!;
const conn = (config: Record<string, unknown> = {}): Connection => ({
  id: "c",
  connector: "kubernetes",
  name: "C",
  enabled: true,
  pollInterval: 1,
  tags: [],
  config: { auth: "token", server: "https://k8s.example.com", clusterName: "prod", ...config },
  secrets: { token: "t" },
  createdAt: "",
  updatedAt: "",
});

let rv = 100;
function deploy(image: string, replicas: number, generation: number, manager = "kubectl"): Json {
  return {
    metadata: {
      name: "web",
      namespace: "shop",
      uid: "u-1",
      resourceVersion: String(++rv),
      generation,
      creationTimestamp: "2026-01-01T00:00:00Z",
      managedFields: [{
        manager,
        operation: "Update",
        time: `2026-11-26T10:00:${String(generation).padStart(2, "0")}Z`,
        fieldsV1: { "f:spec": { "f:replicas": {}, "f:template": {} } },
      }, {
        manager: "kube-controller-manager",
        operation: "Update",
        subresource: "status",
        time: "2026-11-26T11:00:00Z",
        fieldsV1: { "f:status": {} },
      }],
    },
    spec: { replicas, template: { spec: { containers: [{ name: "web", image }] } } },
    status: {
      observedGeneration: generation,
      replicas,
      updatedReplicas: replicas,
      availableReplicas: replicas,
    },
  };
}

/** Feeds objects through an observer, applying its writes as the poll does. */
function feed(config: Record<string, unknown> = {}) {
  const state: StateMap = new Map();
  const o = createObserver(settingsOf(conn(config)), ["prod"], () => new Date("2026-11-26T12:00:00Z"));
  return {
    state,
    see(key: string, obj: Json, mode: "watch" | "baseline" = "watch") {
      const r = o.observe(kind(key), obj, mode, state);
      for (const [k, v] of r.writes) v === null ? state.delete(k) : state.set(k, v);
      for (const c of r.changes) {
        toCloudEvent(c, { connector: "kubernetes", connectionId: "c", recordedAt: new Date() });
      }
      return r.changes;
    },
  };
}

Deno.test("the baseline is silent; a template change is one rollout with its author and the managedFields time", () => {
  const f = feed();
  assert.deepEqual(f.see("deployments", deploy("web:1", 2, 1), "baseline"), []);
  const [c] = f.see("deployments", deploy("web:2", 2, 2, "argocd-controller"));
  assert.equal(c!.eventType, "rollout");
  assert.equal(c!.author, "argocd-controller");
  assert.equal(c!.time, "2026-11-26T10:00:02.000Z");
  assert.match(c!.title, /Rollout deployment shop\/web: image web:2/);
  assert.deepEqual(c!.tags, ["prod", "cluster:prod", "namespace:shop"]);
  // The same object again (a resync) changes nothing.
  assert.deepEqual(f.see("deployments", deploy("web:2", 2, 2)), []);
});

Deno.test("going back to an earlier pod template is a rollback", () => {
  const f = feed();
  f.see("deployments", deploy("web:1", 2, 1), "baseline");
  f.see("deployments", deploy("web:2", 2, 2));
  const [c] = f.see("deployments", deploy("web:1", 2, 3, "kubectl-rollout"));
  assert.equal(c!.metadata!.rollback, true);
  assert.match(c!.title, /^Rollback deployment shop\/web/);
});

Deno.test("replicas owned by an HPA are no event unless configured; a person's scaling is", () => {
  for (const hpaReplicaChanges of [false, true]) {
    const f = feed({ hpaReplicaChanges });
    f.see("hpas", {
      metadata: { name: "web", namespace: "shop", uid: "h", resourceVersion: "1" },
      spec: { scaleTargetRef: { kind: "Deployment", name: "web" }, minReplicas: 2, maxReplicas: 9 },
    }, "baseline");
    f.see("deployments", deploy("web:1", 2, 1), "baseline");
    const changes = f.see("deployments", deploy("web:1", 7, 2, "kube-controller-manager"));
    assert.equal(changes.length, hpaReplicaChanges ? 1 : 0);
    if (hpaReplicaChanges) assert.equal(changes[0]!.eventType, "scale");
  }
  const f = feed();
  f.see("deployments", deploy("web:1", 2, 1), "baseline");
  const [c] = f.see("deployments", deploy("web:1", 4, 2, "kubectl-scale"));
  assert.equal(c!.eventType, "scale");
  assert.equal(c!.author, "kubectl-scale");
});

Deno.test("a user's ignoreFields hide those changes", () => {
  const f = feed({ ignoreFields: ["spec.template.metadata.annotations"] });
  const d = deploy("web:1", 2, 1);
  f.see("deployments", d, "baseline");
  const next = deploy("web:1", 2, 2);
  next.spec.template.metadata = { annotations: { "kubectl.kubernetes.io/restartedAt": "now" } };
  assert.deepEqual(f.see("deployments", next), []);
});

Deno.test("a Secret is kept as key names and a salted hash: no value reaches state or events", () => {
  const f = feed();
  const secret = (v: string, extra: Record<string, string> = {}) => ({
    metadata: { name: "db", namespace: "shop", uid: "s-1", resourceVersion: String(++rv) },
    type: "Opaque",
    data: { password: btoa(v), ...extra },
  });
  f.see("secrets", secret("old-value-123"), "baseline");
  const [changed] = f.see("secrets", secret("new-value-456"));
  assert.match(changed!.title, /content changed/);
  const [added] = f.see("secrets", secret("new-value-456", { token: btoa("tok-789") }));
  assert.deepEqual(added!.metadata!.addedKeys, ["token"]);
  const everything = JSON.stringify([...f.state]) + JSON.stringify([changed, added]);
  for (const v of ["old-value-123", "new-value-456", "tok-789"]) {
    assert.ok(!everything.includes(v) && !everything.includes(btoa(v)), v);
  }
});

Deno.test("managedFields: the latest spec writer wins, status writers do not count", () => {
  const d = deploy("web:1", 2, 3, "helm");
  assert.deepEqual(lastWriter(d), { manager: "helm", time: "2026-11-26T10:00:03.000Z" });
  assert.equal(lastWriter({ metadata: {} }), null);
});

Deno.test("a pod's owner is its Deployment (ReplicaSet hash stripped), else its controller, else itself", () => {
  const rsPod = {
    metadata: {
      name: "web-5d4f8c7b9-x1",
      labels: { "pod-template-hash": "5d4f8c7b9" },
      ownerReferences: [{ kind: "ReplicaSet", name: "web-5d4f8c7b9", controller: true }],
    },
  };
  assert.equal(podOwner(rsPod), "web");
  assert.equal(
    podOwner({ metadata: { name: "db-0", ownerReferences: [{ kind: "StatefulSet", name: "db" }] } }),
    "db",
  );
  assert.equal(podOwner({ metadata: { name: "lonely" } }), "lonely");
});

const meta = (name: string, extra: Json = {}) => ({
  name,
  namespace: "shop",
  uid: `uid-${name}`,
  resourceVersion: String(++rv),
  creationTimestamp: "2026-01-01T00:00:00Z",
  managedFields: [{
    manager: "kubectl-edit",
    operation: "Update",
    time: "2026-11-26T09:00:00Z",
    fieldsV1: { "f:spec": {} },
  }],
  ...extra,
});

const CRASH_LOOP = { waiting: { reason: "CrashLoopBackOff" } };

/** A pod of the ReplicaSet api-abc whose one container, "api", is in the given state; notReady adds Ready=False. */
const apiPod = (name: string, container: Json, o: { labels?: Json; notReady?: boolean } = {}): Json => ({
  metadata: meta(name, {
    labels: { "pod-template-hash": "abc", ...o.labels },
    ownerReferences: [{ kind: "ReplicaSet", name: "api-abc", controller: true }],
  }),
  status: {
    containerStatuses: [{ name: "api", ...container }],
    ...(o.notReady ? { conditions: [{ type: "Ready", status: "False" }] } : {}),
  },
});

Deno.test("ingress hosts/paths, CronJob schedules and HPA limits are diffed; a failed Job is one event", () => {
  const f = feed();
  const ing = (host: string) => ({
    metadata: meta("web"),
    spec: {
      rules: [{
        host,
        http: { paths: [{ path: "/", backend: { service: { name: "web", port: { number: 80 } } } }] },
      }],
    },
  });
  f.see("ingresses", ing("shop.example.com"), "baseline");
  const [i] = f.see("ingresses", ing("www.example.com"));
  assert.equal(i!.eventType, "ingress");
  assert.ok((i!.metadata!.diff as { path: string }[]).some((d) => d.path.startsWith("spec.rules")));

  const cj = (schedule: string) => ({ metadata: meta("nightly"), spec: { schedule, jobTemplate: {} } });
  f.see("cronjobs", cj("0 2 * * *"), "baseline");
  const [c] = f.see("cronjobs", cj("0 3 * * *"));
  assert.equal(c!.eventType, "job");
  assert.deepEqual(c!.metadata!.diff, [{ path: "spec.schedule", before: "0 2 * * *", after: "0 3 * * *" }]);

  const h = (max: number) => ({
    metadata: meta("api"),
    spec: { scaleTargetRef: { kind: "Deployment", name: "api" }, minReplicas: 2, maxReplicas: max },
  });
  f.see("hpas", h(10), "baseline");
  const [a] = f.see("hpas", h(20));
  assert.equal(a!.eventType, "hpa");

  const job = (failed: boolean) => ({ ...fakeJob("shop", "migrate", failed), metadata: meta("migrate") });
  f.see("jobs", job(false), "baseline");
  const [j] = f.see("jobs", job(true));
  assert.equal(j!.status, "failed");
  assert.equal(j!.time, "2026-11-26T09:30:00.000Z");
  assert.deepEqual(f.see("jobs", job(true)), [], "once");
});

Deno.test("ImagePullBackOff and OOMKilled pods open their own groups; other Warning events are grouped by Kubernetes", () => {
  const f = feed();
  const pod = (name: string, status: Json) => apiPod(name, status, { notReady: true });
  const [pull] = f.see(
    "pods",
    pod("api-abc-1", { restartCount: 0, state: { waiting: { reason: "ErrImagePull" } } }),
  );
  assert.equal(pull!.metadata!.reason, "ImagePullBackOff");
  const [oom] = f.see(
    "pods",
    pod("api-abc-2", {
      restartCount: 1,
      state: CRASH_LOOP,
      lastState: { terminated: { reason: "OOMKilled" } },
    }),
  );
  assert.equal(oom!.metadata!.reason, "OOMKilled");
  assert.notEqual(pull!.upstreamId, oom!.upstreamId);

  const warning = (count: number) => ({
    metadata: meta("api.1"),
    type: "Warning",
    reason: "FailedScheduling",
    message: "0/3 nodes are available",
    involvedObject: { kind: "Pod", name: "api-abc-3", namespace: "shop" },
    firstTimestamp: "2026-11-26T09:00:00Z",
    lastTimestamp: "2026-11-26T09:05:00Z",
    count,
  });
  f.see("events", warning(1), "baseline");
  const [w] = f.see("events", warning(4));
  assert.equal(w!.metadata!.count, 4);
  assert.match(w!.title, /FailedScheduling on Pod shop\/api-abc-3 \(×4\)/);
  const [w2] = f.see("events", warning(9));
  assert.equal(w2!.upstreamId, w!.upstreamId, "the same event, with a higher count");
  // BackOff on a pod is already pod trouble.
  assert.deepEqual(f.see("events", { ...warning(2), metadata: meta("api.2"), reason: "BackOff" }), []);
});

Deno.test("image digests become refs", () => {
  const f = feed();
  f.see("deployments", deploy("web:1", 2, 1), "baseline");
  const digest = "sha256:" + "a".repeat(64);
  const [c] = f.see("deployments", deploy(`registry.example.com/web@${digest}`, 2, 2));
  assert.deepEqual(c!.metadata!.imageDigests, [digest]);
  assert.ok(c!.refs!.includes(`image:${digest}`));
});

Deno.test("a rollout carries its service and environment from labels, and a ref per image as written", () => {
  const f = feed();
  const checkout = (image: string, generation: number) => {
    const d = deploy(image, 2, generation);
    d.metadata.labels = { "app.kubernetes.io/part-of": "shop", environment: "staging" };
    d.spec.template.metadata = { labels: { "app.kubernetes.io/name": "checkout", app: "legacy" } };
    d.spec.template.spec.initContainers = [{
      name: "migrate",
      image: "registry.acme.dev/checkout-migrate:1.14.0",
    }];
    return d;
  };
  f.see("deployments", checkout("registry.acme.dev/checkout:1.13.2", 1), "baseline");
  const digest = "sha256:" + "b".repeat(64);
  const [c] = f.see("deployments", checkout("registry.acme.dev/checkout:1.14.0", 2));
  // app.kubernetes.io/name (here on the pod template) before part-of (on the object) before app.
  assert.equal(c!.service, "checkout");
  assert.equal(c!.environment, "staging");
  assert.ok(c!.refs!.includes("image:registry.acme.dev/checkout:1.14.0"), String(c!.refs));
  assert.ok(c!.refs!.includes("image:registry.acme.dev/checkout-migrate:1.14.0"));
  const [d] = f.see("deployments", checkout(`registry.acme.dev/checkout:1.14.0@${digest}`, 3));
  assert.ok(d!.refs!.includes(`image:registry.acme.dev/checkout:1.14.0@${digest}`));
  assert.ok(d!.refs!.includes(`image:${digest}`));
  // The same rollout moving back to progressing is the same event, with the same place.
  const progressing = checkout(`registry.acme.dev/checkout:1.14.0@${digest}`, 3);
  progressing.status.availableReplicas = 0;
  const [p] = f.see("deployments", progressing);
  assert.equal(p!.status, "progressing");
  assert.equal(p!.service, "checkout");
});

Deno.test("service: app.kubernetes.io/name, else part-of, else app, else the workload's name; environment: a label, else the namespace", () => {
  const f = feed();
  const withLabels = (labels: Record<string, string> | undefined, generation: number) => {
    const d = deploy(`web:${generation}`, 2, generation);
    d.metadata.uid = `u-${JSON.stringify(labels)}`;
    if (labels) d.metadata.labels = labels;
    return d;
  };
  const cases: [Record<string, string> | undefined, string, string][] = [
    [{ "app.kubernetes.io/name": "a", "app.kubernetes.io/part-of": "b", app: "c" }, "a", "shop"],
    [
      { "app.kubernetes.io/part-of": "b", app: "c", "app.kubernetes.io/environment": "prod-eu" },
      "b",
      "prod-eu",
    ],
    [{ app: "c" }, "c", "shop"],
    [undefined, "web", "shop"],
  ];
  for (const [labels, service, environment] of cases) {
    f.state.clear();
    f.see("deployments", withLabels(labels, 1), "baseline");
    const [c] = f.see("deployments", withLabels(labels, 2));
    assert.deepEqual([c!.service, c!.environment], [service, environment], JSON.stringify(labels));
  }
  // Config objects: their own labels; a Service also its selector; unlabelled, no service.
  const cm = (v: string, labels?: Record<string, string>) => ({
    metadata: meta("settings", labels ? { labels, uid: "cm-1" } : { uid: "cm-1" }),
    data: { KEY: v },
  });
  f.see("configmaps", cm("1", { app: "payments" }), "baseline");
  const [c1] = f.see("configmaps", cm("2", { app: "payments" }));
  assert.deepEqual([c1!.service, c1!.environment], ["payments", "shop"]);
  const [c2] = f.see("configmaps", cm("3"));
  assert.deepEqual([c2!.service, c2!.environment], ["", "shop"]);
  const svc = (port: number) => ({
    metadata: meta("front", { uid: "svc-1" }),
    spec: { selector: { "app.kubernetes.io/name": "storefront" }, ports: [{ port }] },
  });
  f.see("services", svc(80), "baseline");
  const [s1] = f.see("services", svc(81));
  assert.equal(s1!.service, "storefront");
});

Deno.test("pod trouble and Warning events take the owning workload's service and environment", () => {
  const f = feed();
  const d = deploy("api:1", 2, 1);
  d.metadata.name = "api";
  d.metadata.uid = "u-api";
  d.metadata.labels = { "app.kubernetes.io/name": "orders", environment: "production" };
  f.see("deployments", d, "baseline");
  const pod = apiPod("api-abc-1", { restartCount: 3, state: CRASH_LOOP }, {
    labels: { app: "something-else" },
    notReady: true,
  });
  const [t] = f.see("pods", pod);
  assert.deepEqual([t!.eventType, t!.service, t!.environment], ["trouble", "orders", "production"]);
  const warning = (involved: Json) => ({
    metadata: meta(`ev-${involved.name}`),
    type: "Warning",
    reason: "FailedMount",
    message: "MountVolume.SetUp failed",
    involvedObject: involved,
    count: 2,
  });
  const [w] = f.see("events", warning({ kind: "Pod", name: "api-abc-1", namespace: "shop" }));
  assert.deepEqual([w!.service, w!.environment], ["orders", "production"]);
  const [w2] = f.see("events", warning({ kind: "Deployment", name: "api", namespace: "shop" }));
  assert.deepEqual([w2!.service, w2!.environment], ["orders", "production"]);
  // Never seen: no service, the namespace as environment.
  const [w3] = f.see("events", warning({ kind: "Pod", name: "stranger", namespace: "shop" }));
  assert.deepEqual([w3!.service, w3!.environment], ["", "shop"]);
  // A pod of a workload not (yet) seen: its own labels.
  const lone = structuredClone(pod);
  lone.metadata = meta("batch-xyz-1", {
    labels: { "pod-template-hash": "xyz", "app.kubernetes.io/name": "reports" },
    ownerReferences: [{ kind: "ReplicaSet", name: "batch-xyz", controller: true }],
  });
  const [t2] = f.see("pods", lone);
  assert.deepEqual([t2!.service, t2!.environment], ["reports", "shop"]);
});

Deno.test("Helm releases are their release's service; a deletion found by a re-list keeps the place last seen", () => {
  const f = feed();
  const o = createObserver(settingsOf(conn()), [], () => new Date("2026-11-26T12:00:00Z"));
  const cm = {
    metadata: meta("flags", { labels: { app: "checkout", environment: "qa" } }),
    data: { A: "1" },
  };
  f.see("configmaps", cm, "baseline");
  // What the poll hands over for an object missing from a re-list: its name, namespace and what state kept.
  const gone = { metadata: { name: "flags", namespace: "shop" } };
  const [del] = o.deleted(kind("configmaps"), gone, f.state).changes;
  assert.equal(del!.status, "deleted");
  assert.deepEqual([del!.service, del!.environment], ["checkout", "qa"]);
  const helm = helmSecret();
  const [h] = f.see("helm", helm);
  assert.deepEqual([h!.service, h!.environment], ["shop", "shop"]);
});

function helmSecret(): Json {
  const record = {
    name: "shop",
    namespace: "shop",
    version: 3,
    info: { status: "deployed", last_deployed: "2026-11-26T10:00:00Z", description: "Upgrade complete" },
    chart: { metadata: { name: "shop", version: "1.4.0", appVersion: "2.0" } },
  };
  return {
    metadata: meta("sh.helm.release.v1.shop.v3", { labels: { owner: "helm", name: "shop" } }),
    type: "helm.sh/release.v1",
    data: { release: encodeHelmRelease(record, (b) => gzipSync(b)) },
  };
}

Deno.test("a pod in trouble found gone by a re-list resolves its group (its owner is the one last seen)", () => {
  const f = feed();
  const o = createObserver(settingsOf(conn()), [], () => new Date("2026-11-26T12:00:00Z"));
  const [open] = f.see("pods", apiPod("api-abc-9", { restartCount: 4, state: CRASH_LOOP }));
  assert.equal(open!.status, "ongoing");
  // What the poll hands over for a pod missing from a re-list: its name and namespace only.
  const r = o.deleted(kind("pods"), { metadata: { name: "api-abc-9", namespace: "shop" } }, f.state);
  assert.deepEqual(r.changes.map((c) => [c.upstreamId, c.status]), [[open!.upstreamId, "resolved"]]);
});
