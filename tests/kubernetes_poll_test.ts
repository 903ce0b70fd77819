/**
 * The Kubernetes poll and client against the fake API server, without NATS or Postgres: the poll gets a context
 * with an in-memory state store and records what it publishes and saves.
 */
import assert from "node:assert/strict";
import {
  accessOf,
  collectionPath,
  KINDS,
  kubeApi,
  type KubePollOptions,
  pollKubernetes,
  settingsOf,
} from "@painchain/kubernetes";
import {
  type Connection,
  type MappedChange,
  memoryStateStore,
  type PollContext,
  silentLogger,
  type StateStore,
} from "@painchain/shared/internal";
import { FakeKube } from "@painchain/testing/fake_kube";
import { configMap, deployment, pod, running } from "@painchain/testing/fake_kube/objects";

const ignoreOps = { sanitizeResources: false, sanitizeOps: false };

function connection(kube: FakeKube, config: Record<string, unknown> = {}): Connection {
  return {
    id: "poll",
    connector: "kubernetes",
    name: "Poll",
    enabled: true,
    pollInterval: 1,
    tags: [],
    config: {
      auth: "token",
      server: kube.url,
      caData: FakeKube.caPem,
      clusterName: "fake",
      ...config,
    },
    secrets: { token: kube.token },
    createdAt: "",
    updatedAt: "",
  };
}

/** Runs polls of one connection as the runtime would, keeping cursor and state between them. */
export function pollHarness(
  kube: FakeKube,
  config: Record<string, unknown> = {},
  opts: KubePollOptions = {},
) {
  const changes: MappedChange[] = [];
  const writes = { count: 0 };
  const inner = memoryStateStore();
  const state: StateStore = {
    ...inner,
    putMany: (entries) => {
      writes.count += entries.length;
      return inner.putMany(entries);
    },
  };
  let cursor: unknown = null;
  const conn = connection(kube, config);
  return {
    changes,
    writes,
    state,
    get cursor() {
      return cursor;
    },
    poll(signal = new AbortController().signal) {
      const ctx: PollContext = {
        connection: conn,
        provenance: { fromFile: false, references: [] },
        cursor,
        signal,
        log: silentLogger,
        fetch,
        now: () => new Date(),
        emit: (c) => {
          changes.push(...c);
          return Promise.resolve(c.length);
        },
        saveCursor: (c) => {
          cursor = structuredClone(c);
          return Promise.resolve();
        },
        state,
        rateLimit: () => {},
        waitForRateLimit: () => Promise.resolve(),
      };
      return pollKubernetes(ctx, { watchSeconds: 1, ...opts }).then((o) => {
        if (o.cursor !== undefined) cursor = structuredClone(o.cursor);
        return o;
      });
    },
  };
}

Deno.test({
  name: "a list whose continue token expires between pages starts over and still sees every object once",
  ...ignoreOps,
  fn: async () => {
    const kube = new FakeKube().start();
    try {
      for (let i = 0; i < 1_200; i++) kube.apply("configmaps", configMap("a", `cm-${i}`, { K: String(i) }));
      let pages = 0;
      let compacted = false;
      // Between the first and the second page, the history is compacted (the token's snapshot is gone).
      const doFetch: typeof fetch = async (input, init) => {
        const res = await fetch(input, init);
        if (new URL(String(input)).searchParams.get("limit") && ++pages === 1 && !compacted) {
          compacted = true;
          kube.apply("configmaps", configMap("a", "zz-late", { K: "late" }));
          kube.delete("configmaps", "a", "cm-0");
          kube.compact();
        }
        return res;
      };
      const s = settingsOf(connection(kube));
      const api = kubeApi(accessOf(s, false), doFetch);
      const k = KINDS.find((x) => x.key === "configmaps")!;
      let restarts = 0;
      const names: string[] = [];
      const rv = await api.listPages(collectionPath(k, "a"), {
        onRestart: () => {
          restarts++;
          names.length = 0;
        },
      }, (items) => {
        for (const o of items) names.push(String(o.metadata?.name));
      });
      assert.equal(restarts, 1);
      assert.equal(rv, kube.resourceVersion);
      assert.equal(names.length, 1_200, "cm-0 deleted, zz-late added");
      assert.equal(new Set(names).size, names.length);
      assert.ok(names.includes("zz-late") && !names.includes("cm-0"));
    } finally {
      await kube.stop();
    }
  },
});

for (const plainGone of [false, true]) {
  Deno.test({
    name: `the poll re-lists after ${plainGone ? "a plain HTTP 410" : "a 410 ERROR event"} and loses nothing`,
    ...ignoreOps,
    fn: async () => {
      const kube = new FakeKube({ bookmarkMs: 200, plainGone }).start();
      try {
        kube.apply("deployments", deployment("a", "web", "web:1"));
        kube.apply("configmaps", configMap("a", "cfg", { A: "1" }));
        const h = pollHarness(kube, { namespaces: ["a"] });
        await h.poll();
        assert.equal(h.changes.length, 0, "the baseline is silent");
        // While nobody watches: a change, a deletion, and the history is compacted.
        kube.update("deployments", "a", "web", (o) => (o.spec.template.spec.containers[0].image = "web:2"));
        kube.delete("configmaps", "a", "cfg");
        kube.compact();
        const mark = kube.requests.length;
        const outcome = await h.poll();
        assert.deepEqual(outcome.errors ?? [], []);
        assert.deepEqual(
          h.changes.map((c) => [c.eventType, c.status]).sort(),
          [["resource", "deleted"], ["rollout", "progressing"]],
        );
        const lists = kube.requests.slice(mark).filter((r) => !r.query.watch);
        assert.ok(lists.some((r) => r.path === "/apis/apps/v1/namespaces/a/deployments"), "re-listed");
        // The next poll watches on from the new version: nothing again.
        await h.poll();
        assert.equal(h.changes.length, 2);
      } finally {
        await kube.stop();
      }
    },
  });
}

Deno.test({
  name:
    "pod status churn that changes nothing kept writes nothing to KV; what changes is written once, by the poll's end",
  ...ignoreOps,
  fn: async () => {
    const kube = new FakeKube({ bookmarkMs: 200 }).start();
    try {
      kube.apply("deployments", deployment("a", "web", "web:1", 20));
      for (let i = 0; i < 20; i++) {
        kube.apply("pods", pod("a", "web", `p${i}`, running(0)), { manager: "kubelet" });
      }
      const h = pollHarness(kube, { namespaces: ["a"] });
      await h.poll();
      const baseline = h.writes.count;
      assert.equal(baseline, 21, "one state entry per object");
      // Readiness flapping, many times over, and one pod restarting a few times.
      for (let round = 0; round < 5; round++) {
        for (let i = 0; i < 20; i++) {
          kube.update("pods", "a", `web-5d4f8c7b9-p${i}`, (o) => {
            o.status.conditions = [{ type: "Ready", status: round % 2 ? "True" : "False" }];
          }, { manager: "kubelet", subresource: "status" });
        }
        kube.update("pods", "a", "web-5d4f8c7b9-p0", (o) => {
          o.status.containerStatuses[0].restartCount = round + 1;
        }, { manager: "kubelet", subresource: "status" });
      }
      await h.poll();
      assert.equal(h.writes.count - baseline, 1, "p0's restart count, written once");
      assert.equal((await h.state.get("obj.pods.a.web-5d4f8c7b9-p0") as { restarts: number }).restarts, 5);
    } finally {
      await kube.stop();
    }
  },
});
