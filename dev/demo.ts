/**
 * `deno task demo`: the whole stack plus fake GitHub, GitLab and Kubernetes servers that keep producing changes, so a newcomer
 * sees a populated, live timeline within seconds and needs no credentials. Data stays under .data/demo.
 */
import { fileURLToPath } from "node:url";
import { stringify as stringifyYaml } from "yaml";
import { createLogger, destroyAll, names, openNats } from "@painchain/shared/internal";
import { signalChild } from "@painchain/testing/child";
import { FakeGithub } from "@painchain/testing/fake_github";
import { FakeGitlab } from "@painchain/testing/fake_gitlab";
import { FakeKube } from "@painchain/testing/fake_kube";
import {
  configMap,
  crashLooping,
  deployment,
  hpa,
  pod,
  rolledOut,
  running,
} from "@painchain/testing/fake_kube/objects";

const root = fileURLToPath(new URL("..", import.meta.url));
const log = createLogger({ service: "demo" });
const env = Deno.env.toObject();
const port = env.PORT ?? "8000";
// The demo has its own prefix and data directory, whatever the environment says: it wipes both at every start,
// so it must never point at a real installation's.
// (DEMO_PREFIX, which must start with "demo", lets tests run a demo beside another one.)
const prefix = /^demo[a-z0-9_]{0,20}$/.test(env.DEMO_PREFIX ?? "") ? env.DEMO_PREFIX! : "demo";
const dataDir = `${root}.data/${prefix}`;
for (const k of ["PAINCHAIN_PREFIX", "PAINCHAIN_DATA_DIR"]) {
  if (env[k] && env[k] !== (k === "PAINCHAIN_PREFIX" ? prefix : dataDir)) {
    log.info(
      `The demo ignores ${k}: it always uses its own (${k === "PAINCHAIN_PREFIX" ? prefix : dataDir})`,
    );
  }
}
// Every demo starts fresh: its own NATS prefix and data directory are wiped.
await Deno.remove(dataDir, { recursive: true }).catch(() => {});
await Deno.mkdir(dataDir, { recursive: true });
try {
  const nats = await openNats(env.NATS_URL ?? "nats://127.0.0.1:4222", "painchain-demo");
  await destroyAll(nats.jsm, names(prefix));
  await nats.nc.close();
} catch { /* NATS is not up yet: start.ts starts it, and there is nothing to wipe */ }

const github = await new FakeGithub().start();
const gitlab = await new FakeGitlab().start();
const rand = (n: number) => Math.floor(Math.random() * n);
const pick = <T>(xs: T[]) => xs[rand(xs.length)]!;
const ago = (minutes: number) => Date.now() - minutes * 60_000;

const GH_REPOS = ["acme/checkout", "acme/payments", "acme/web"];
const GL_PROJECTS = ["platform/api", "platform/infra"];
const PEOPLE = ["alice", "bob", "carol", "dmitri", "erin", "farah"];
const TOPICS = [
  "retry on 503",
  "bump node to 22",
  "cache product pages",
  "fix currency rounding",
  "add tracing",
  "tune connection pool",
  "feature flag for new checkout",
  "rotate signing keys",
  "split payment worker",
];

// A week of history.
/** `each` changes on every target, at random times in the last week; `add` makes the i-th one at `at`. */
const history = async <T>(
  targets: T[],
  each: number,
  add: (target: T, at: number, i: number) => Promise<unknown>,
) => {
  for (const target of targets) for (let i = 0; i < each; i++) await add(target, ago(rand(7 * 24 * 60)), i);
};
let prNumber = 100;
await history(GH_REPOS, 14, async (repo, at, i) => {
  await github.addPull(repo, {
    number: ++prNumber,
    at,
    merged: Math.random() < 0.7,
    title: pick(TOPICS),
    author: pick(PEOPLE),
  });
  await github.addCommit(repo, { message: `${pick(TOPICS)} (#${prNumber})`, at: at + 60_000 });
  await github.addRun(repo, {
    at: at + 120_000,
    status: "completed",
    conclusion: Math.random() < 0.85 ? "success" : "failure",
    failedJobs: ["integration-tests"],
  });
  if (i % 3 === 0) {
    await github.addDeployment(repo, {
      at: at + 600_000,
      state: Math.random() < 0.9 ? "success" : "failure",
    });
  }
});
for (const repo of GH_REPOS) {
  await github.addRelease(repo, { tag: `v2.${rand(9)}.0`, at: ago(rand(3 * 24 * 60)) });
}
let iid = 10;
await history(GL_PROJECTS, 12, async (project, at, i) => {
  await gitlab.addMergeRequest(project, {
    iid: ++iid,
    at,
    state: Math.random() < 0.7 ? "merged" : "opened",
    title: pick(TOPICS),
  });
  await gitlab.addPipeline(project, {
    at: at + 60_000,
    status: Math.random() < 0.85 ? "success" : "failed",
    failedJobs: ["terraform-plan"],
  });
  if (i % 4 === 0) {
    await gitlab.addDeployment(project, {
      at: at + 300_000,
      status: "success",
      environment: pick(["production", "staging"]),
    });
  }
});

// A small cluster: two namespaces of workloads, an autoscaler, config.
const kube = new FakeKube().start();
const WORKLOADS: [string, string, string][] = [
  ["shop", "checkout", "registry.acme.dev/checkout"],
  ["shop", "web", "registry.acme.dev/web"],
  ["payments", "payments-api", "registry.acme.dev/payments-api"],
  ["payments", "ledger", "registry.acme.dev/ledger"],
];
const version: Record<string, number> = {};
for (const [ns, name, image] of WORKLOADS) {
  version[name] = 10 + rand(10);
  kube.apply("deployments", deployment(ns, name, `${image}:1.${version[name]}.0`, 3), {
    at: new Date(ago(3 * 24 * 60)),
  });
}
kube.apply("horizontalpodautoscalers", hpa("shop", "checkout", "checkout"));
kube.apply(
  "configmaps",
  configMap("payments", "ledger-config", { RETRY_LIMIT: "3", CURRENCY_ROUNDING: "bankers" }),
);
const kubeRollout = (ns: string, name: string, image: string) => {
  version[name] = (version[name] ?? 1) + 1;
  const next = kube.update("deployments", ns, name, (o) => {
    o.spec.template.spec.containers[0].image = `${image}:1.${version[name]}.0`;
  }, { manager: pick(["kubectl-client-side-apply", "argocd-controller", "helm"]) });
  setTimeout(() => kube.setStatus("deployments", ns, name, rolledOut(next.metadata.generation, 3)), 6_000);
};

const connectionsFile = `${dataDir}/connections.yaml`;
/** A demo connection, `demo-<connector>`, to one of the local fake servers. */
const demoConnection = (
  connector: string,
  name: string,
  pollInterval: number,
  tags: string[],
  config: Record<string, unknown>,
  secrets?: Record<string, string>,
) => ({
  id: `demo-${connector}`,
  connector,
  name,
  pollInterval,
  tags,
  config,
  ...(secrets ? { secrets } : {}),
});
const connections = [
  demoConnection("github", "Acme on GitHub (demo)", 5, ["prod", "team-checkout"], {
    baseUrl: github.url,
    repositories: GH_REPOS,
  }),
  demoConnection("gitlab", "Platform on GitLab (demo)", 5, ["prod", "team-platform"], {
    instanceUrl: gitlab.url,
    projects: GL_PROJECTS,
  }),
  demoConnection(
    "kubernetes",
    "Demo cluster (fake Kubernetes API)",
    1,
    ["prod"],
    { auth: "kubeconfig", clusterName: "demo-eu-1", namespaces: ["shop", "payments"] },
    { kubeconfig: "env:CONNECTION_SECRET_DEMO_KUBECONFIG" },
  ),
];
await Deno.writeTextFile(
  connectionsFile,
  `# Written by deno task demo: connections as code, pointing at the local fake servers.\n${
    stringifyYaml(connections)
  }`,
);

// The demo's own admin token (in its data directory, where start.ts looks), printed once below to sign in with.
const adminToken = env.PAINCHAIN_ADMIN_TOKEN ??
  Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");
await Deno.writeTextFile(`${dataDir}/admin.token`, `${adminToken}\n`, { mode: 0o600 });
const auth = { authorization: `Bearer ${adminToken}` };
const stackEnv: Record<string, string> = {
  ...env,
  CONNECTION_SECRET_DEMO_KUBECONFIG: kube.kubeconfig(),
  // The fake upstreams listen on loopback, which the egress policy refuses unless allowed.
  PAINCHAIN_UPSTREAM_ALLOW: "127.0.0.1",
  PORT: port,
  PAINCHAIN_PREFIX: prefix,
  PAINCHAIN_DATA_DIR: dataDir,
  PAINCHAIN_CONNECTIONS_FILE: connectionsFile,
  HEARTBEAT_MS: "3000",
};
delete stackEnv.PAINCHAIN_ADMIN_TOKEN;
if (!env.DEMO_DATABASE_URL) delete stackEnv.DATABASE_URL;
else stackEnv.DATABASE_URL = env.DEMO_DATABASE_URL;
const stack = new Deno.Command(Deno.execPath(), {
  args: ["run", "--quiet", "-A", "dev/start.ts"],
  cwd: root,
  env: stackEnv,
}).spawn();

// Once the gateway answers, add one connection through the API, so the audit trail has an entry too.
const base = `http://127.0.0.1:${port}`;
for (let i = 0; i < 120; i++) {
  try {
    const res = await fetch(`${base}/api/health`);
    await res.body?.cancel();
    if (res.ok) break;
  } catch { /* not yet */ }
  await new Promise((r) => setTimeout(r, 500));
}
for (let i = 0; i < 20; i++) {
  const res = await fetch(`${base}/api/connections`, {
    method: "POST",
    headers: { "content-type": "application/json", ...auth },
    body: JSON.stringify({
      id: "demo-web",
      connector: "github",
      name: "Acme web (added through the API)",
      tags: ["team-web"],
      config: { baseUrl: github.url, repositories: "acme/web", token: "demo-token-not-real" },
    }),
  }).catch(() => null);
  if (res && (res.status === 201 || res.status === 409)) break;
  await res?.body?.cancel();
  await new Promise((r) => setTimeout(r, 1000));
}
await fetch(`${base}/api/teams`, {
  method: "POST",
  headers: { "content-type": "application/json", ...auth },
  body: JSON.stringify({ name: "Checkout", tags: ["team-checkout"] }),
}).then((r) => r.body?.cancel()).catch(() => {});
// A deploy script and a feature-flag flip, posted to the change API as a pipeline would.
await fetch(`${base}/api/changes`, {
  method: "POST",
  headers: { "content-type": "application/json", ...auth },
  body: JSON.stringify([
    {
      title: "Deploy checkout v2.14.0",
      service: "checkout",
      environment: "production",
      start: new Date(Date.now() - 40 * 60_000).toISOString(),
      end: new Date(Date.now() - 36 * 60_000).toISOString(),
      status: "success",
      tags: ["team-checkout"],
    },
    {
      title: "Feature flag new-pricing turned on for 10%",
      type: "feature_flag",
      service: "pricing",
      environment: "production",
      author: "carol",
    },
  ]),
}).then((r) => r.body?.cancel()).catch(() => {});
Deno.stdout.writeSync(new TextEncoder().encode(
  `\nThe demo is live: open http://localhost:${port} and sign in with ${adminToken}\n` +
    `(fake GitHub ${github.url}, fake GitLab ${gitlab.url}, fake Kubernetes ${kube.url})\n`,
));
// Once the connector has its baseline, the cluster starts changing.
setTimeout(() => {
  const [ns, name, image] = WORKLOADS[2]!;
  kubeRollout(ns, name, image);
}, 8_000);
let crashPod = 0;

// Keep producing changes: runs that progress, merges, pipelines, deployments.
const live = setInterval(async () => {
  try {
    const repo = pick(GH_REPOS);
    const project = pick(GL_PROJECTS);
    if (rand(4) === 0) {
      const [ns, name, image] = pick(WORKLOADS);
      if (rand(3) > 0) {
        kubeRollout(ns, name, image);
      } else {
        // A pod that crash-loops for a while, then recovers: one grouped event with a count.
        const p = pod(ns, name, `c${++crashPod}`, crashLooping(1));
        kube.apply("pods", p, { manager: "kubelet" });
        for (let i = 2; i <= 5; i++) {
          setTimeout(() =>
            kube.update("pods", ns, p.metadata.name, (o) => {
              o.status.containerStatuses[0] = { ...crashLooping(i), name };
            }, { manager: "kubelet", subresource: "status" }), i * 2_000);
        }
        setTimeout(() =>
          kube.update("pods", ns, p.metadata.name, (o) => {
            o.status.containerStatuses[0] = { ...running(5), name };
            o.status.conditions = [{ type: "Ready", status: "True" }];
          }, { manager: "kubelet", subresource: "status" }), 14_000);
      }
      return;
    }
    switch (rand(5)) {
      case 0: {
        const pr = await github.addPull(repo, {
          number: ++prNumber,
          at: Date.now(),
          title: pick(TOPICS),
          author: pick(PEOPLE),
        });
        // Merged, then built: the pull request, its merge and its run make a chain of one commit.
        setTimeout(() => {
          github.mergePull(repo, pr.number, Date.now());
          github.addRun(repo, {
            at: Date.now(),
            status: "completed",
            conclusion: "success",
            sha: pr.merge_commit_sha,
          }).catch(() => {});
        }, 8_000);

        break;
      }
      case 1: {
        const run = await github.addRun(repo, { at: Date.now(), status: "queued" });
        setTimeout(() => github.updateRun(repo, run.id, { status: "in_progress", at: Date.now() }), 4_000);
        setTimeout(
          () =>
            github.updateRun(repo, run.id, {
              status: "completed",
              conclusion: Math.random() < 0.8 ? "success" : "failure",
              at: Date.now(),
            }),
          12_000,
        );
        break;
      }
      case 2: {
        const pl = await gitlab.addPipeline(project, { at: Date.now(), status: "running" });
        setTimeout(
          () =>
            gitlab.updatePipeline(
              project,
              pl.id,
              Math.random() < 0.8
                ? { status: "success", at: Date.now() }
                : { status: "failed", at: Date.now(), failedJobs: ["e2e"] },
            ),
          10_000,
        );
        break;
      }
      case 3:
        await gitlab.addDeployment(project, {
          at: Date.now(),
          status: "success",
          environment: pick(["production", "staging"]),
        });
        break;
      default:
        await github.addCommit(repo, { message: pick(TOPICS), at: Date.now() });
    }
  } catch (err) {
    log.warn("Demo generator failed", { error: String(err) });
  }
}, 4_000);

const stop = async () => {
  clearInterval(live);
  signalChild(stack, "SIGTERM");
  await stack.status;
  await github.stop();
  await gitlab.stop();
  Deno.exit(0);
};
Deno.addSignalListener("SIGINT", stop);
Deno.addSignalListener("SIGTERM", stop);
await stack.status;
await stop();
