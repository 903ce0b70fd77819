/**
 * Kubernetes connector end to end: fake API server (real list+watch, TLS, bookmarks, 410) → connector → NATS →
 * store → Postgres. Plus kubectl against the fake, to check the fake speaks the real protocol.
 */
import assert from "node:assert/strict";
import { kubernetesConnector } from "@painchain/kubernetes";
import { createLogger, decoder } from "@painchain/shared/internal";
import { FakeKube } from "@painchain/testing/fake_kube";
import {
  configMap,
  crashLooping,
  deployment,
  helmRelease,
  hpa,
  pod,
  rolledOut,
  running,
  secret,
  service,
  warningEvent,
} from "@painchain/testing/fake_kube/objects";
import { json, skipWithout, waitFor } from "@painchain/testing";
import { startPipeline } from "@painchain/testing/pipeline";

type Pipeline = Awaited<ReturnType<typeof startPipeline>>;

interface Row {
  id: string;
  event_type: string;
  status: string;
  title: string;
  author: string;
  version: number;
  service: string;
  environment: string;
  refs: string[];
  metadata: Record<string, unknown>;
  time: Date;
}

async function rows(pl: Pipeline): Promise<Row[]> {
  // Plain objects: node:assert's deep comparison of a postgres.js Result never returns.
  return [
    ...await pl.sql<
      Row[]
    >`SELECT id, event_type, status, title, author, version, service, environment, refs, metadata,
      occurred_at AS time
    FROM change_events WHERE connector = 'kubernetes' ORDER BY id`,
  ].map((r) => ({ ...r }));
}

/** Waits until the store holds exactly `n` Kubernetes rows; returns them. */
function rowsCount(pl: Pipeline, n: number, label: string): Promise<Row[]> {
  return waitFor(
    async () => {
      const r = await rows(pl);
      return r.length === n ? r : null;
    },
    20_000,
    label,
  );
}

function seed(kube: FakeKube) {
  for (const ns of ["a", "b", "c"]) kube.apply("namespaces", { metadata: { name: ns } });
  const old = new Date(Date.now() - 30 * 86400_000);
  kube.apply("deployments", deployment("a", "web", "registry.example.com/web:1.25"), { at: old });
  kube.apply("deployments", deployment("a", "api", "registry.example.com/api:3.0", 2), { at: old });
  kube.apply("horizontalpodautoscalers", hpa("a", "api", "api"), { at: old });
  kube.apply("deployments", deployment("b", "worker", "registry.example.com/worker:7"), { at: old });
  kube.apply("deployments", deployment("c", "batch", "registry.example.com/batch:2"), { at: old });
  kube.apply("configmaps", configMap("a", "web-config", { LOG_LEVEL: "info", FEATURE_X: "off" }), {
    at: old,
  });
  kube.apply("secrets", secret("a", "db", { password: "hunter2-canary-old", user: "app" }), { at: old });
  kube.apply("services", service("a", "web", 80), { at: old });
  kube.apply(
    "secrets",
    helmRelease("a", "shop", 1, "deployed", "1.0.0", { dbPassword: "helm-canary-value" }),
    {
      at: old,
      manager: "helm",
    },
  );
}

async function connect(pl: Pipeline, kube: FakeKube, id: string, config: Record<string, unknown> = {}) {
  const res = await pl.createConnection({
    id,
    connector: "kubernetes",
    name: `Cluster ${id}`,
    pollInterval: 1,
    tags: ["prod"],
    config: { auth: "kubeconfig", kubeconfig: kube.kubeconfig(), clusterName: "prod-eu", ...config },
  });
  assert.equal(res.status, 201, await res.text());
  await settled(pl, id);
}

/** Waits until the connection has listed every kind (its baseline), and its cursor is saved. */
async function settled(pl: Pipeline, id: string) {
  await waitFor(
    async () => {
      const e = await pl.tn.buckets.cursors.get(`kubernetes.${id}`);
      if (!e || e.operation !== "PUT") return false;
      const c = JSON.parse(decoder.decode(e.value)).cursor;
      return c && Object.keys(c.rvs).length > 0 && Object.values(c.rvs).every(Boolean);
    },
    20_000,
    `baseline of ${id}`,
  );
}

async function withCluster(
  fn: (x: { pl: Pipeline; kube: FakeKube; logs: string[] }) => Promise<void>,
  fake: ConstructorParameters<typeof FakeKube>[0] = {},
) {
  const kube = new FakeKube({ bookmarkMs: 200, ...fake }).start();
  seed(kube);
  const pl = await startPipeline();
  const logs: string[] = [];
  const log = createLogger({}, { level: "debug", write: (l) => logs.push(l) });
  try {
    await pl.connector(kubernetesConnector({ watchSeconds: 1 }), "k8s-1", log);
    await fn({ pl, kube, logs });
  } finally {
    await pl.close();
    await kube.stop();
  }
}

const ignoreOps = { sanitizeResources: false, sanitizeOps: false };

Deno.test({
  name: "Kubernetes: rollouts, HPA scaling, secrets, crash loops and Helm",
  ...ignoreOps,
  fn: () =>
    withCluster(async ({ pl, kube, logs }) => {
      await connect(pl, kube, "prod");
      assert.deepEqual(await rows(pl), [], "the first list records state silently");

      // 1. An image rollout: one event with the image diff and its author; it completes in place.
      const before = Date.now();
      kube.update("deployments", "a", "web", (o) => {
        o.spec.template.spec.containers[0].image = "registry.example.com/web:1.26";
        o.status.observedGeneration = 1;
      }, { manager: "kubectl-client-side-apply" });
      const rollout = await waitFor(
        async () => (await rows(pl)).find((r) => r.event_type === "rollout"),
        15_000,
      );
      assert.equal(rollout.status, "progressing");
      assert.equal(rollout.author, "kubectl-client-side-apply");
      assert.match(rollout.title, /web:1\.26/);
      assert.deepEqual(rollout.metadata.diff, [{
        path: "spec.template.spec.containers[web].image",
        before: "registry.example.com/web:1.25",
        after: "registry.example.com/web:1.26",
      }]);
      assert.ok(rollout.time.getTime() >= before - 1000, "time of the change, not creationTimestamp");
      // The app label names the service; no environment label: the namespace.
      assert.deepEqual([rollout.service, rollout.environment], ["web", "a"]);
      assert.ok(rollout.refs.includes("image:registry.example.com/web:1.26"), String(rollout.refs));
      kube.setStatus("deployments", "a", "web", rolledOut(2, 2));
      await waitFor(
        async () => (await rows(pl)).find((r) => r.id === rollout.id && r.status === "complete"),
        15_000,
      );
      assert.equal(
        (await rows(pl)).filter((r) => r.event_type === "rollout").length,
        1,
        "one event per rollout",
      );

      // 2. The HPA scales api: no event. A marker change after it proves the watch went past it.
      kube.update("deployments", "a", "api", (o) => (o.spec.replicas = 6), {
        manager: "kube-controller-manager",
        subresource: "scale",
      });
      kube.update("configmaps", "a", "web-config", (o) => (o.data.LOG_LEVEL = "debug"));
      const cm = await waitFor(async () => (await rows(pl)).find((r) => r.event_type === "config"), 15_000);
      assert.match(cm.title, /ConfigMap a\/web-config changed: LOG_LEVEL/);
      assert.deepEqual(cm.metadata.changedKeys, ["LOG_LEVEL"]);
      assert.ok(!JSON.stringify(cm).includes("debug"), "only keys, no values");
      assert.equal(
        (await rows(pl)).filter((r) => r.event_type === "scale").length,
        0,
        "HPA scaling is no event",
      );
      // A person scaling a deployment no HPA owns is an event.
      kube.update("deployments", "b", "worker", (o) => (o.spec.replicas = 4), { manager: "kubectl-scale" });
      const scaled = await waitFor(
        async () => (await rows(pl)).find((r) => r.event_type === "scale"),
        15_000,
      );
      assert.equal(scaled.author, "kubectl-scale");
      assert.match(scaled.title, /from 2 to 4 replicas/);

      // 3. A Secret's value changes: an event, and the value is nowhere.
      kube.update("secrets", "a", "db", (o) => (o.data.password = btoa("hunter2-canary-new")));
      const sec = await waitFor(
        async () => (await rows(pl)).find((r) => r.title.startsWith("Secret a/db")),
        15_000,
      );
      assert.match(sec.title, /content changed/);
      const raw = await rawEvents(pl);
      for (const v of ["hunter2-canary-old", "hunter2-canary-new", "helm-canary-value"]) {
        for (const form of [v, btoa(v)]) {
          assert.ok(!raw.includes(form), `NATS events hold ${form}`);
          assert.ok(!logs.join("\n").includes(form), `logs hold ${form}`);
          assert.ok(!(await rawState(pl)).includes(form), `KV state holds ${form}`);
          assert.ok(!JSON.stringify(await rows(pl)).includes(form), `Postgres holds ${form}`);
        }
      }

      // 4. A crash-looping pod: one grouped event with a count; recovery resolves it.
      kube.apply("pods", pod("a", "web", "x1", crashLooping(1)), { manager: "kubelet" });
      for (let restarts = 2; restarts <= 6; restarts++) {
        kube.update("pods", "a", "web-5d4f8c7b9-x1", (o) => (o.status.containerStatuses[0] = {
          ...crashLooping(restarts),
          name: "web",
          image: "registry.example.com/app:1",
        }), { manager: "kubelet", subresource: "status" });
        kube.apply(
          "events",
          warningEvent("a", "web-5d4f8c7b9-x1.17f", "web-5d4f8c7b9-x1", "BackOff", restarts),
        );
      }
      const crash = await waitFor(
        async () => {
          const r = (await rows(pl)).filter((x) => x.event_type === "trouble");
          return r.length === 1 && Number(r[0]!.metadata.count) >= 6 ? r : null;
        },
        15_000,
        "one grouped crash-loop event",
      );
      assert.match(crash[0]!.title, /CrashLoopBackOff in a\/web/);
      assert.deepEqual([crash[0]!.service, crash[0]!.environment], ["web", "a"], "the workload's");
      assert.equal(crash[0]!.status, "ongoing");
      kube.update("pods", "a", "web-5d4f8c7b9-x1", (o) => {
        o.status.containerStatuses[0] = { ...running(6), name: "web" };
        o.status.conditions = [{ type: "Ready", status: "True" }];
      }, { manager: "kubelet", subresource: "status" });
      await waitFor(
        async () => (await rows(pl)).find((r) => r.id === crash[0]!.id && r.status === "resolved"),
        15_000,
      );
      assert.equal((await rows(pl)).filter((r) => r.event_type === "trouble").length, 1);

      // 5. Helm: a new revision is an event with chart and version; values never read out.
      kube.update("secrets", "a", "sh.helm.release.v1.shop.v1", (o) => {
        Object.assign(o, helmRelease("a", "shop", 1, "superseded", "1.0.0"));
      }, { manager: "helm" });
      kube.apply(
        "secrets",
        helmRelease("a", "shop", 2, "deployed", "1.1.0", { dbPassword: "helm-canary-value" }),
        {
          manager: "helm",
        },
      );
      const helm = await waitFor(
        async () => (await rows(pl)).find((r) => r.event_type === "helm" && r.title.includes("revision 2")),
        15_000,
      );
      // Revision 1 moved to superseded: the same event, updated.
      assert.ok((await rows(pl)).some((r) => r.title.includes("revision 1") && r.status === "superseded"));
      assert.match(helm.title, /shop revision 2: shop 1\.1\.0 deployed/);
      assert.ok(!JSON.stringify(await rows(pl)).includes("helm-canary-value"));
      assert.ok(!(await rawEvents(pl)).includes("helm-canary-value"));
    }),
});

Deno.test({
  name:
    "Kubernetes: a restart resumes from the kept resourceVersion (no re-list, no duplicate, nothing missed)",
  ...ignoreOps,
  fn: () =>
    withCluster(async ({ pl, kube }) => {
      await connect(pl, kube, "prod");
      kube.update("configmaps", "a", "web-config", (o) => (o.data.FEATURE_X = "on"));
      await waitFor(async () => (await rows(pl)).length === 1, 15_000);
      const first = await rows(pl);
      // Bookmarks move every watch on, even those of kinds that did not change: a restart resumes from now.
      await waitFor(
        async () => {
          const e = await pl.tn.buckets.cursors.get("kubernetes.prod");
          const rvs = Object.values(JSON.parse(decoder.decode(e!.value)).cursor.rvs);
          return rvs.length === 13 && rvs.every((v) => v === kube.resourceVersion);
        },
        15_000,
        "every resourceVersion at the cluster's latest",
      );
      // Stop the replica, change things while it is down, start a new one.
      await pl.stopConnectors();
      kube.update(
        "deployments",
        "b",
        "worker",
        (o) => (o.spec.template.spec.containers[0].image = "worker:8"),
        {
          manager: "argocd-controller",
        },
      );
      kube.update("configmaps", "a", "web-config", (o) => (o.data.NEW_KEY = "1"));
      const mark = kube.requests.length;
      await pl.connector(kubernetesConnector({ watchSeconds: 1 }), "k8s-2");
      const after = await rowsCount(pl, 3, "the two changes made while down");
      const worker = after.find((r) => r.event_type === "rollout")!;
      assert.equal(worker.author, "argocd-controller");
      const cms = after.filter((r) => r.event_type === "config");
      assert.equal(cms.length, 2);
      assert.deepEqual(
        cms.find((r) => r.id === first[0]!.id)!.version,
        first[0]!.version,
        "not published again",
      );
      const lists = kube.requests.slice(mark).filter((r) =>
        r.method === "GET" && !r.query.watch && /\/(deployments|configmaps|secrets|pods)$/.test(r.path)
      );
      assert.deepEqual(lists, [], "the restart listed nothing: it resumed the watches");
      // Quiet afterwards: nothing else appears, versions stay.
      await new Promise((r) => setTimeout(r, 2500));
      assert.deepEqual((await rows(pl)).map((r) => [r.id, r.version]), after.map((r) => [r.id, r.version]));
    }),
});

for (const plain of [false, true]) {
  Deno.test({
    name: `Kubernetes: 410 Gone (${
      plain ? "a plain HTTP 410" : "an ERROR event in the stream"
    }) re-lists and reconciles without duplicates`,
    ...ignoreOps,
    fn: () =>
      withCluster(async ({ pl, kube }) => {
        await connect(pl, kube, "prod");
        kube.update("services", "a", "web", (o) => (o.spec.ports[0].port = 8080));
        await waitFor(async () => (await rows(pl)).length === 1, 15_000);
        const before = await rows(pl);
        await pl.stopConnectors();
        kube.update("configmaps", "a", "web-config", (o) => (o.data.LOG_LEVEL = "warn"));
        kube.delete("services", "a", "web");
        const stale = Number(kube.resourceVersion);
        kube.compact();
        const mark = kube.requests.length;
        await pl.connector(kubernetesConnector({ watchSeconds: 1 }), "k8s-2");
        const after = await rowsCount(pl, 3, "changes found by the re-list");
        assert.ok(after.some((r) => r.event_type === "config"));
        assert.ok(after.some((r) => r.status === "deleted" && r.title === "Service a/web deleted"));
        assert.equal(after.find((r) => r.id === before[0]!.id)!.version, before[0]!.version, "no duplicate");
        const since = kube.requests.slice(mark);
        const relisted = since.filter((r) => !r.query.watch && r.path.endsWith("/configmaps"));
        assert.ok(relisted.length >= 1, "a re-list after 410");
        // Each stale resourceVersion was refused once, never retried.
        const staleWatches = since.filter((r) =>
          r.query.watch && r.query.resourceVersion && Number(r.query.resourceVersion) < stale
        );
        // And every watch after the re-list starts from the list's resourceVersion, not from nothing.
        assert.ok(since.every((r) => !r.query.watch || r.query.resourceVersion), "a watch from no version");
        const perPath = new Map<string, number>();
        for (const r of staleWatches) {
          const at = `${r.path}?${r.query.labelSelector ?? ""}`;
          perPath.set(at, (perPath.get(at) ?? 0) + 1);
        }
        assert.ok([...perPath.values()].every((n) => n === 1), JSON.stringify([...perPath]));
        await new Promise((r) => setTimeout(r, 2500));
        assert.equal((await rows(pl)).length, 3);
      }, { plainGone: plain }),
  });
}

Deno.test({
  name: "Kubernetes: a namespace filter [a, b] watches a and b, not c",
  ...ignoreOps,
  fn: () =>
    withCluster(async ({ pl, kube }) => {
      await connect(pl, kube, "ab", { namespaces: ["a", "b"] });
      for (const ns of ["a", "b", "c"]) {
        const name = { a: "web", b: "worker", c: "batch" }[ns]!;
        kube.update(
          "deployments",
          ns,
          name,
          (o) => (o.spec.template.spec.containers[0].image = `${name}:next`),
        );
      }
      const got = await waitFor(
        async () => {
          const r = (await rows(pl)).filter((x) => x.event_type === "rollout");
          return r.length === 2 ? r : null;
        },
        15_000,
        "rollouts in a and b",
      );
      await new Promise((r) => setTimeout(r, 2000));
      const namespaces = (await rows(pl)).map((r) => r.metadata.namespace);
      assert.deepEqual([...new Set(namespaces)].sort(), ["a", "b"]);
      assert.ok(got.every((r) => (r.metadata as { namespace: string }).namespace !== "c"));
      const watched = kube.watchPaths();
      assert.ok(
        watched.some((p) => p.includes("/namespaces/a/")) &&
          watched.some((p) => p.includes("/namespaces/b/")),
      );
      assert.ok(
        watched.every((p) => /\/namespaces\/(a|b)\//.test(p)),
        `only a and b: ${[...new Set(watched)]}`,
      );
      // The other way in: server URL + token + CA, checked through "test connection".
      const tested = await (await pl.app.request(
        "/api/connections/test",
        json("POST", {
          connector: "kubernetes",
          config: {
            auth: "token",
            server: kube.url,
            token: kube.token,
            caData: FakeKube.caPem,
            namespaces: ["a"],
          },
        }),
      )).json();
      assert.equal(tested.ok, true, tested.message);
      assert.match(tested.message, /Kubernetes v1\.31\.0-fake/);
      const refused = await (await pl.app.request(
        "/api/connections/test",
        json("POST", {
          connector: "kubernetes",
          config: { auth: "token", server: kube.url, token: "wrong", caData: FakeKube.caPem },
        }),
      )).json();
      assert.equal(refused.ok, false);
      assert.match(refused.message, /401/);
      const tags = (await rows(pl))[0]!;
      const full = await (await pl.app.request(`/api/events/${encodeURIComponent(tags.id)}`)).json();
      assert.ok(
        full.tags.includes("cluster:prod-eu") && full.tags.includes(`namespace:${tags.metadata.namespace}`),
      );
    }),
});

Deno.test({
  name: "the fake Kubernetes API passes kubectl: get -A and get -w",
  ignore: skipWithout("kubectl"),
  ...ignoreOps,
  fn: async () => {
    const kube = new FakeKube().start();
    seed(kube);
    const dir = await Deno.makeTempDir();
    const kubeconfig = `${dir}/config`;
    await Deno.writeTextFile(kubeconfig, kube.kubeconfig());
    try {
      const out = await new Deno.Command("kubectl", {
        args: ["--kubeconfig", kubeconfig, "get", "deployments", "-A"],
        stdout: "piped",
        stderr: "piped",
      }).output();
      const text = new TextDecoder().decode(out.stdout);
      assert.ok(out.success, new TextDecoder().decode(out.stderr));
      for (const [ns, name] of [["a", "web"], ["a", "api"], ["b", "worker"], ["c", "batch"]]) {
        assert.match(text, new RegExp(`^${ns}\\s+${name}\\s`, "m"), text);
      }
      const watch = new Deno.Command("kubectl", {
        args: ["--kubeconfig", kubeconfig, "get", "deployments", "-n", "a", "-w", "--output-watch-events"],
        stdout: "piped",
        stderr: "piped",
      }).spawn();
      await waitFor(() => kube.watchPaths().length > 0, 10_000, "kubectl watching");
      kube.update(
        "deployments",
        "a",
        "web",
        (o) => (o.spec.template.spec.containers[0].image = "web:watched"),
      );
      await new Promise((r) => setTimeout(r, 1000));
      watch.kill("SIGTERM");
      const w = new TextDecoder().decode((await watch.output()).stdout);
      assert.match(w, /ADDED\s+web/);
      assert.match(w, /MODIFIED\s+web/);
    } finally {
      await kube.stop();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

/** Every message of the events stream, raw. */
async function rawEvents(pl: Pipeline): Promise<string> {
  const info = await pl.tn.nats.jsm.streams.info(pl.tn.names.eventsStream);
  let out = "";
  for (let seq = info.state.first_seq; seq <= info.state.last_seq && info.state.messages > 0; seq++) {
    const m = await pl.tn.nats.jsm.streams.getMessage(pl.tn.names.eventsStream, { seq }).catch(() => null);
    if (m) out += decoder.decode(m.data);
  }
  return out;
}

/** Every value of the connector's KV state, raw. */
async function rawState(pl: Pipeline): Promise<string> {
  let out = "";
  for await (const k of await pl.tn.buckets.state.keys()) {
    const e = await pl.tn.buckets.state.get(k);
    if (e) out += decoder.decode(e.value);
  }
  for await (const k of await pl.tn.buckets.cursors.keys()) {
    const e = await pl.tn.buckets.cursors.get(k);
    if (e) out += decoder.decode(e.value);
  }
  return out;
}
