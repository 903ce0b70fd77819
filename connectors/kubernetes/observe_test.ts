import assert from "node:assert/strict";
import { type Connection, toCloudEvent } from "@painchain/shared/internal";
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

  const job = (failed: boolean) => ({
    metadata: meta("migrate"),
    spec: {},
    status: failed
      ? {
        conditions: [{
          type: "Failed",
          status: "True",
          reason: "BackoffLimitExceeded",
          message: "Job has reached the specified backoff limit",
          lastTransitionTime: "2026-11-26T09:30:00Z",
        }],
      }
      : {},
  });
  f.see("jobs", job(false), "baseline");
  const [j] = f.see("jobs", job(true));
  assert.equal(j!.status, "failed");
  assert.equal(j!.time, "2026-11-26T09:30:00.000Z");
  assert.deepEqual(f.see("jobs", job(true)), [], "once");
});

Deno.test("ImagePullBackOff and OOMKilled pods open their own groups; other Warning events are grouped by Kubernetes", () => {
  const f = feed();
  const pod = (name: string, status: Json) => ({
    metadata: meta(name, {
      labels: { "pod-template-hash": "abc" },
      ownerReferences: [{ kind: "ReplicaSet", name: "api-abc", controller: true }],
    }),
    status: {
      containerStatuses: [{ name: "api", ...status }],
      conditions: [{ type: "Ready", status: "False" }],
    },
  });
  const [pull] = f.see(
    "pods",
    pod("api-abc-1", { restartCount: 0, state: { waiting: { reason: "ErrImagePull" } } }),
  );
  assert.equal(pull!.metadata!.reason, "ImagePullBackOff");
  const [oom] = f.see(
    "pods",
    pod("api-abc-2", {
      restartCount: 1,
      state: { waiting: { reason: "CrashLoopBackOff" } },
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
