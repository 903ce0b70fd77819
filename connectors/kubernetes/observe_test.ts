import assert from "node:assert/strict";
import { type Connection, toCloudEvent } from "@painchain/shared";
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
