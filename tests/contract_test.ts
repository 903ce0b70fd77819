/**
 * The connector contract: every field a detail panel names (connectors/<id>/metadata.json, eventTypes.<type>
 * .sections[].fields[].key, a dotted path into the event such as `metadata.mergedBy`) is in that connector's
 * mapped events. The samples are the recorded payloads the connectors' own tests map (GitHub's OpenAPI
 * examples, GitLab's documented objects, the fake Kubernetes objects, audit records, posted changes), sent
 * through the connector's real map functions and the CloudEvent envelope, as JSON (what the store keeps).
 * A key found in no sample of its event type fails, naming connector, event type and key.
 */
import assert from "node:assert/strict";
import { connectorMetadataSchema, type MappedChange, toCloudEvent } from "@painchain/shared/internal";
import * as github from "@painchain/github";
import * as gitlab from "@painchain/gitlab";
import * as kubernetes from "@painchain/kubernetes";
import { auditEvent, auditRecordEvent } from "@painchain/painchain";
import { example } from "@painchain/testing/fake_github/examples";
import { gitlabExample } from "@painchain/testing/fake_gitlab/examples";
import { FakeKube } from "@painchain/testing/fake_kube";
import * as k8s from "@painchain/testing/fake_kube/objects";
import { connection } from "@painchain/testing/poll";
import { mapPostedChange } from "../gateway/change_api/change.ts";
import { mapChange } from "../connectors/_template/map.ts";

type Json = Record<string, unknown>;
const CONNECTORS = new URL("../connectors/", import.meta.url);
const recordedAt = new Date();

/** The stored shape of a mapped change: the CloudEvent's data as JSON would carry it. */
const stored = (connector: string) => (c: MappedChange): Json =>
  JSON.parse(JSON.stringify(toCloudEvent(c, { connector, connectionId: "c1", recordedAt }).data));

async function githubSamples(): Promise<Json[]> {
  const repo = { fullName: "octocat/Hello-World", tags: ["prod"] };
  const pr = await example("pull-request");
  const merged = { ...pr, state: "closed", merged: true, merged_at: "2026-11-25T10:00:00Z" };
  const extras = {
    files: await example("diff-entry-items"),
    reviews: await example("pull-request-review-items"),
  };
  const run = await example("workflow-run");
  const failedJobs = (await example("job-paginated")).jobs.map((j: Json) => ({
    ...j,
    conclusion: "failure",
  }));
  const failedRun = {
    ...run,
    status: "completed",
    conclusion: "failure",
    updated_at: "2020-01-22T19:40:08Z",
  };
  const release = (await example("release-items"))[0];
  const deployment = (await example("deployment-items"))[0];
  return [
    github.mapPullRequest(pr, repo, extras),
    github.mapPullRequest(merged, repo, extras),
    github.mapCommit(await example("commit"), repo, "main"),
    github.mapRelease(release, repo, "c5b97d5ae6c19d5c5df71a34c7fbeeda2479ccbc"),
    github.mapTag((await example("tag-items"))[0], repo, "2026-11-01T00:00:00Z"),
    github.mapWorkflowRun(run, repo),
    github.mapWorkflowRun(failedRun, repo, failedJobs),
    github.mapDeployment(deployment, repo, (await example("deployment-status-items"))[0]),
  ].map(stored("github"));
}

function gitlabSamples(): Json[] {
  const p = {
    path: "diaspora/diaspora-client",
    webUrl: "https://gitlab.example.com/diaspora/diaspora-client",
    tags: [],
  };
  const mr = gitlabExample("merge_request");
  return [
    gitlab.mapMergeRequest(mr, p, { diffs: [gitlabExample("diff")], approvals: gitlabExample("approvals") }),
    gitlab.mapCommit(gitlabExample("commit"), p, "main", ["README"]),
    gitlab.mapPipeline({ ...gitlabExample("pipeline"), status: "failed" }, p, [gitlabExample("job")]),
    gitlab.mapDeployment(gitlabExample("deployment"), p),
    gitlab.mapTag(gitlabExample("tag"), p),
    gitlab.mapRelease(gitlabExample("release"), p),
  ].map(stored("gitlab"));
}

/**
 * The fake cluster's objects, stamped by the fake API server (uid, resourceVersion, generation, managedFields),
 * each listed once as a baseline and then changed, through the connector's observer as a poll feeds it.
 */
function kubernetesSamples(): Json[] {
  const kube = new FakeKube();
  const observer = kubernetes.createObserver(
    kubernetes.settingsOf(
      connection("kubernetes", { auth: "token", server: "https://k8s.example", clusterName: "prod" }, {
        token: "t",
      }),
    ),
    ["prod"],
    () => recordedAt,
  );
  const state: kubernetes.StateMap = new Map();
  const out: MappedChange[] = [];
  const see = (key: string, plural: string, obj: Json, mode: "watch" | "baseline" = "watch") => {
    const kind = kubernetes.KINDS.find((k) => k.key === key)!;
    const r = observer.observe(kind, kube.apply(plural, obj, { manager: "argocd-controller" }), mode, state);
    for (const [k, v] of r.writes) v === null ? state.delete(k) : state.set(k, v);
    out.push(...r.changes);
  };
  const both = (key: string, plural: string, before: Json, after: Json) => {
    see(key, plural, before, "baseline");
    see(key, plural, after);
  };
  const web = k8s.deployment("shop", "web", "registry.example.com/web:1");
  both("deployments", "deployments", web, k8s.deployment("shop", "web", "registry.example.com/web:2"));
  see("deployments", "deployments", k8s.deployment("shop", "web", "registry.example.com/web:2", 5));
  both(
    "configmaps",
    "configmaps",
    k8s.configMap("shop", "web", { a: "1" }),
    k8s.configMap("shop", "web", { a: "2" }),
  );
  both(
    "secrets",
    "secrets",
    k8s.secret("shop", "db", { password: "1" }),
    k8s.secret("shop", "db", { password: "2" }),
  );
  both("services", "services", k8s.service("shop", "web", 80), k8s.service("shop", "web", 8080));
  both(
    "ingresses",
    "ingresses",
    k8s.ingress("shop", "web", "shop.example.com"),
    k8s.ingress("shop", "web", "www.example.com"),
  );
  both(
    "cronjobs",
    "cronjobs",
    k8s.cronJob("shop", "nightly", "0 2 * * *"),
    k8s.cronJob("shop", "nightly", "0 3 * * *"),
  );
  both("jobs", "jobs", k8s.job("shop", "migrate", false), k8s.job("shop", "migrate", true));
  const autoscaler = k8s.hpa("shop", "web", "web");
  both("hpas", "horizontalpodautoscalers", autoscaler, {
    ...autoscaler,
    spec: { ...autoscaler.spec as Json, maxReplicas: 20 },
  });
  both(
    "helm",
    "secrets",
    k8s.helmRelease("shop", "web", 1, "deployed", "1.0.0"),
    k8s.helmRelease("shop", "web", 2, "deployed", "1.1.0"),
  );
  both(
    "pods",
    "pods",
    k8s.pod("shop", "web", "a1", k8s.running(0)),
    k8s.pod("shop", "web", "a1", k8s.crashLooping(3)),
  );
  see("events", "events", k8s.warningEvent("shop", "web.1", "web-5d4f8c7b9-a1", "FailedMount", 3));
  see("configmaps", "configmaps", k8s.configMap("shop", "flags", { beta: "on" }));
  return out.map(stored("kubernetes"));
}

function painchainSamples(): Json[] {
  const at = new Date("2026-11-02T00:00:00Z");
  const conn = { ...connection("github", { repositories: ["a/b"] }, { token: "s" }), updatedBy: "admin" };
  const kv = (
    revision: number,
    prev: typeof conn | null,
    next: typeof conn | null,
    operation: "PUT" | "DEL" = "PUT",
  ) => auditEvent({ key: `github.${conn.id}`, revision, time: at, operation, prev, next });
  const record = (action: string, target: Json, seq: number) =>
    auditRecordEvent(
      { action, actor: "admin", at: at.toISOString(), target } as Parameters<typeof auditRecordEvent>[0],
      seq,
    );
  return [
    kv(1, null, conn),
    kv(2, conn, { ...conn, tags: ["team-a"] }),
    kv(3, conn, { ...conn, enabled: false }),
    kv(4, { ...conn, enabled: false }, conn),
    kv(5, conn, null, "DEL"),
    record("connection.tested", {
      connector: "github",
      connectionId: conn.id,
      name: "Prod",
      baseUrl: "",
      secretsGiven: ["token"],
    }, 1),
    record("key.created", { id: "k1", name: "deploy bot", scopes: ["write"] }, 2),
    record("key.revoked", { id: "k1", name: "deploy bot", scopes: ["write"] }, 3),
    record("catalog.updated", { rules: 3 }, 4),
    record("team.updated", { id: "t1", name: "Payments", tags: ["team-payments"] }, 5),
  ].filter((c): c is MappedChange => c !== null).map(stored("painchain"));
}

function customSamples(): Json[] {
  const ctx = { poster: "k1", posterName: "deploy bot", now: recordedAt };
  const types = ["deploy", "feature_flag", "config", "note", "incident", "change"];
  return types.map((type) =>
    mapPostedChange({
      type,
      title: `A ${type}`,
      service: "checkout",
      environment: "prod",
      start: "2026-11-26T09:00:00Z",
      end: "2026-11-26T09:05:30Z",
      metadata: { ticket: "OPS-1" },
    }, ctx).data as unknown as Json
  ).map((d) => JSON.parse(JSON.stringify(d)));
}

function templateSamples(): Json[] {
  const c = { id: "c-42", kind: "deploy", title: "Deploy api", at: "2026-11-26T09:00:00Z", author: "ci" };
  return [mapChange(c, ["prod"])].map(stored("template"));
}

const SAMPLES: Record<string, () => Json[] | Promise<Json[]>> = {
  github: githubSamples,
  gitlab: gitlabSamples,
  kubernetes: kubernetesSamples,
  painchain: painchainSamples,
  custom: customSamples,
  _template: templateSamples,
};

/** `metadata.a.b` read from an event's data, as the detail panel reads it (web/src/format.ts pick()). */
function pick(obj: unknown, path: string): unknown {
  let cur = obj;
  for (const part of path.split(".")) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Json)[part];
  }
  return cur;
}

/** Every panel key of a connector that none of its samples of that event type carries: "<type>: <key>". */
export function missingFields(
  eventTypes: Record<string, { sections: { fields: { key: string }[] }[] }>,
  samples: Json[],
): string[] {
  const missing: string[] = [];
  for (const [type, meta] of Object.entries(eventTypes)) {
    const ofType = samples.filter((s) => s.eventType === type);
    for (const { key } of meta.sections.flatMap((s) => s.fields)) {
      if (!ofType.some((s) => pick(s, key) !== undefined)) missing.push(`${type}: ${key}`);
    }
  }
  return missing;
}

const dirs: string[] = [];
for await (const e of Deno.readDir(CONNECTORS)) if (e.isDirectory) dirs.push(e.name);

Deno.test("connector contract: every detail-panel field is in the connector's mapped sample events", async (t) => {
  for (const dir of dirs.sort()) {
    const meta = connectorMetadataSchema.parse(
      JSON.parse(await Deno.readTextFile(new URL(`${dir}/metadata.json`, CONNECTORS))),
    );
    if (Object.keys(meta.eventTypes).length === 0) continue;
    await t.step(`${meta.id} (connectors/${dir})`, async () => {
      const samples = SAMPLES[dir];
      assert.ok(samples, `connectors/${dir} has event types but no samples in tests/contract_test.ts`);
      const events = await samples();
      const types = new Set(events.map((e) => e.eventType));
      for (const type of Object.keys(meta.eventTypes)) {
        assert.ok(types.has(type), `${meta.id}: no sample maps to event type "${type}"`);
      }
      const missing = missingFields(meta.eventTypes, events);
      assert.deepEqual(
        missing,
        [],
        `${meta.id}: detail-panel fields found in no mapped sample event:\n  ${
          missing.map((m) => `${meta.id} ${m}`).join("\n  ")
        }`,
      );
    });
  }
});

Deno.test("connector contract: a panel key missing from every sample is reported by connector, type and key", () => {
  const eventTypes = {
    deploy: { sections: [{ fields: [{ key: "metadata.service" }, { key: "metadata.nope" }] }] },
  };
  const samples = [{ eventType: "deploy", metadata: { service: "api" } }];
  assert.deepEqual(missingFields(eventTypes, samples), ["deploy: metadata.nope"]);
  assert.deepEqual(missingFields(eventTypes, [{ eventType: "other", metadata: { service: "api" } }]), [
    "deploy: metadata.service",
    "deploy: metadata.nope",
  ]);
});

Deno.test("test support is imported by tests only: no service module reaches @painchain/testing", async () => {
  const root = new URL("../", import.meta.url);
  const offenders: string[] = [];
  const walk = async (dir: string) => {
    for await (const e of Deno.readDir(new URL(dir, root))) {
      const path = `${dir}${e.name}`;
      if (e.isDirectory && !["node_modules", "dist"].includes(e.name)) await walk(`${path}/`);
      else if (/\.tsx?$/.test(e.name) && !/_test\.tsx?$/.test(e.name)) {
        const text = await Deno.readTextFile(new URL(path, root));
        if (/from\s+["'](?:@painchain\/testing|(?:\.\.\/)+testing\/)/.test(text)) offenders.push(path);
      }
    }
  };
  for (const dir of ["shared/", "store/", "gateway/", "connectors/", "web/"]) await walk(dir);
  assert.deepEqual(offenders, [], `service modules importing test support:\n  ${offenders.join("\n  ")}`);
});
