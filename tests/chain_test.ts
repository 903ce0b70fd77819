/**
 * The investigation issue's chain, end to end through the real connectors: the fake GitHub (a pull request, its
 * merge commit's push, a workflow run and a deployment of that commit) and the fake Kubernetes (a rollout of an
 * image tagged with the commit's first eight hex digits) → GitHub and Kubernetes connectors → NATS → store →
 * Postgres → /api/events/:id/chain and /api/investigate. The chain comes back whole from any member, the rollout
 * linked by the prefix, and unrelated changes (another repository's pull request, a commit of the same
 * repository, another image whose tag shares seven digits) never in it.
 */
import assert from "node:assert/strict";
import { githubConnector } from "@painchain/github";
import { kubernetesConnector } from "@painchain/kubernetes";
import { decoder } from "@painchain/shared/internal";
import { FakeGithub } from "@painchain/testing/fake_github";
import { FakeKube, type Json } from "@painchain/testing/fake_kube";
import { deployment, rolledOut } from "@painchain/testing/fake_kube/objects";
import { serviceTest, waitFor } from "@painchain/testing";
import { startPipeline } from "@painchain/testing/pipeline";

type Pipeline = Awaited<ReturnType<typeof startPipeline>>;

interface Row {
  id: string;
  connector: string;
  event_type: string;
  subject: string;
  service: string;
  environment: string;
  refs: string[];
  time: Date;
}

interface Member {
  event: { id: string; time: string };
  depth: number;
  via: { key: string; confidence: "exact" | "prefix"; from: string } | null;
}

interface Suspect {
  event: { id: string };
  reasons: { code: string; text: string; weight: number }[];
}

const NOW = Date.now();
const ago = (minutes: number) => NOW - minutes * 60_000;

async function rows(pl: Pipeline): Promise<Row[]> {
  return [
    ...await pl.sql<Row[]>`SELECT id, connector, event_type, subject, service, environment, refs,
      occurred_at AS time FROM change_events ORDER BY occurred_at, id`,
  ].map((r) => ({ ...r }));
}

/** A Deployment of `name` in namespace shop, labelled for production. */
function workload(name: string, image: string): Json {
  const d = deployment("shop", name, image);
  d.metadata.labels = { ...d.metadata.labels, environment: "production" };
  return d;
}

async function post(pl: Pipeline, body: unknown) {
  const res = await pl.createConnection(body);
  assert.equal(res.status, 201, await res.text());
}

async function get<T>(pl: Pipeline, path: string): Promise<T> {
  const res = await pl.app.request(path);
  const body = await res.json();
  assert.equal(res.status, 200, JSON.stringify(body));
  return body as T;
}

serviceTest(
  "Chain: a PR, its push, run and deployment (fake GitHub) and a rollout (fake Kubernetes), from any member",
  async (t) => {
    const gh = await new FakeGithub({ token: "ghp_chain" }).start();
    const kube = new FakeKube({ bookmarkMs: 200 }).start();
    const pl = await startPipeline();
    try {
      // --- Upstream history. ---------------------------------------------------------------------------
      const pr = await gh.addPull("acme/checkout", { number: 42, at: ago(70), title: "Faster checkout" });
      gh.mergePull("acme/checkout", 42, ago(50));
      const sha: string = pr.merge_commit_sha;
      assert.match(sha, /^[0-9a-f]{40}$/);
      await gh.addCommit("acme/checkout", {
        sha,
        branch: "main",
        message: "Merge pull request #42 from acme/faster-checkout",
        at: ago(50) + 20_000,
      });
      const run = await gh.addRun("acme/checkout", {
        sha,
        at: ago(48),
        status: "completed",
        conclusion: "success",
      });
      const dep = await gh.addDeployment("acme/checkout", {
        sha,
        ref: "main",
        at: ago(40),
        environment: "production",
        state: "success",
      });
      // Unrelated: another commit of the same repository, another repository's merged pull request and push.
      await gh.addCommit("acme/checkout", { branch: "main", message: "Docs only", at: ago(38) });
      const webPr = await gh.addPull("acme/web", {
        number: 7,
        at: ago(45),
        merged: true,
        title: "Web tweak",
      });
      await gh.addCommit("acme/web", {
        sha: webPr.merge_commit_sha,
        message: "Merge #7",
        at: ago(45) + 20_000,
      });

      kube.apply("namespaces", { metadata: { name: "shop" } });
      const old = new Date(NOW - 30 * 86400_000);
      kube.apply("deployments", workload("checkout", "registry.example.com/acme/checkout:1.0.0"), {
        at: old,
      });
      kube.apply("deployments", workload("web", "registry.example.com/acme/web:1.0.0"), { at: old });

      // --- Connectors and connections. ----------------------------------------------------------------
      await pl.connector(githubConnector({ retryBaseMs: 10 }), "gh-1");
      await pl.connector(kubernetesConnector({ watchSeconds: 1 }), "k8s-1");
      await post(pl, {
        id: "acme",
        connector: "github",
        name: "Acme",
        pollInterval: 60,
        config: { token: "ghp_chain", repositories: "acme/checkout\nacme/web", baseUrl: gh.url },
      });
      await post(pl, {
        id: "prod",
        connector: "kubernetes",
        name: "Cluster prod",
        pollInterval: 1,
        config: { auth: "kubeconfig", kubeconfig: kube.kubeconfig(), clusterName: "prod-eu" },
      });
      // The first list of the cluster is recorded silently; changes after it are events.
      await waitFor(
        async () => {
          const e = await pl.tn.buckets.cursors.get("kubernetes.prod");
          if (!e || e.operation !== "PUT") return false;
          const c = JSON.parse(decoder.decode(e.value)).cursor;
          return c && Object.keys(c.rvs).length > 0 && Object.values(c.rvs).every(Boolean);
        },
        30_000,
        "the cluster's baseline",
      );

      // The image built from the merge commit, tagged with its first eight hex digits, rolled out.
      const tag = sha.slice(0, 8);
      kube.update("deployments", "shop", "checkout", (o) => {
        o.spec.template.spec.containers[0].image = `registry.example.com/acme/checkout:${tag}`;
        o.status = rolledOut(2, 2);
      }, { manager: "argocd-application-controller", at: new Date(ago(35)) });
      // Another image whose tag shares the first seven digits, not the eighth: not built from that commit.
      const near = `${sha.slice(0, 7)}${sha[7] === "0" ? "1" : "0"}`;
      kube.update("deployments", "shop", "web", (o) => {
        o.spec.template.spec.containers[0].image = `registry.example.com/acme/web:${near}`;
        o.status = rolledOut(2, 2);
      }, { manager: "argocd-application-controller", at: new Date(ago(33)) });

      const find = (list: Row[], connector: string, type: string, subject: string, ref?: string) =>
        list.find((r) =>
          r.connector === connector && r.event_type === type && r.subject === subject &&
          (!ref || r.refs.includes(ref))
        );
      const all = await waitFor(
        async () => {
          const list = await rows(pl);
          const want = [
            find(list, "github", "pull_request", "acme/checkout#42"),
            find(list, "github", "commit", "acme/checkout@main", `sha:${sha}`),
            find(list, "github", "workflow_run", `acme/checkout/Build#${run.run_number}`),
            find(list, "github", "deployment", "acme/checkout@production"),
            find(list, "github", "pull_request", "acme/web#7"),
            find(list, "github", "commit", "acme/web@main"),
            find(list, "kubernetes", "rollout", "shop/Deployment/checkout"),
            find(list, "kubernetes", "rollout", "shop/Deployment/web"),
          ];
          return want.every(Boolean) && list.filter((r) => r.event_type === "commit").length === 3
            ? list
            : null;
        },
        45_000,
        "every change stored",
      );
      const member = {
        pr: find(all, "github", "pull_request", "acme/checkout#42")!,
        push: find(all, "github", "commit", "acme/checkout@main", `sha:${sha}`)!,
        run: find(all, "github", "workflow_run", `acme/checkout/Build#${run.run_number}`)!,
        deployment: find(all, "github", "deployment", "acme/checkout@production")!,
        rollout: find(all, "kubernetes", "rollout", "shop/Deployment/checkout")!,
      };
      const unrelated = all.filter((r) => !Object.values(member).includes(r));
      assert.deepEqual(
        unrelated.map((r) => `${r.event_type} ${r.subject}`).sort(),
        [
          "commit acme/checkout@main",
          "commit acme/web@main",
          "pull_request acme/web#7",
          "rollout shop/Deployment/web",
        ],
      );
      const expected = [member.pr, member.push, member.run, member.deployment, member.rollout].map((r) =>
        r.id
      );

      await t.step("each connector emitted the refs a chain is made of", () => {
        assert.equal(member.deployment.id, `github-deployment-${dep.id}`);
        for (const m of [member.pr, member.push, member.run, member.deployment]) {
          assert.ok(m.refs.includes(`sha:${sha}`), `${m.id}: ${m.refs}`);
        }
        assert.ok(member.pr.refs.includes("pr:acme/checkout#42"));
        assert.ok(
          member.rollout.refs.includes(`image:registry.example.com/acme/checkout:${tag}`),
          String(member.rollout.refs),
        );
        assert.ok(!member.rollout.refs.some((r) => r.startsWith("sha:")), "the rollout knows only its image");
        assert.deepEqual(
          [member.rollout.service, member.rollout.environment],
          ["checkout", "production"],
          "the app label names the service, the environment label the environment",
        );
        // In time order as upstream said: merged, pushed, built, deployed, rolled out.
        assert.deepEqual(all.filter((r) => expected.includes(r.id)).map((r) => r.id), expected);
        assert.equal(
          member.rollout.time.toISOString(),
          new Date(ago(35)).toISOString().replace(/\.\d+Z$/, ".000Z"),
        );
      });

      await t.step("the chain comes back whole, in time order, from every member", async () => {
        for (const [name, start] of Object.entries(member)) {
          const chain = await get<{ id: string; members: Member[]; truncated: boolean }>(
            pl,
            `/api/events/${encodeURIComponent(start.id)}/chain`,
          );
          const ids = chain.members.map((m) => m.event.id);
          assert.deepEqual(ids, expected, `from the ${name}`);
          assert.equal(chain.truncated, false);
          const times = chain.members.map((m) => m.event.time);
          assert.deepEqual(times, [...times].sort(), `from the ${name}: in time order`);
          for (const u of unrelated) assert.ok(!ids.includes(u.id), `from the ${name}: ${u.id} is not in it`);

          const root = chain.members.find((m) => m.event.id === start.id)!;
          assert.deepEqual([root.depth, root.via], [0, null], `from the ${name}: it starts the walk`);
          for (const m of chain.members.filter((x) => x !== root)) {
            assert.ok(
              m.via && expected.includes(m.via.from),
              `from the ${name}: ${m.event.id} reached from a member`,
            );
            // The rollout shares no key but a commit's first seven digits with the rest: linked by the prefix,
            // whichever side the walk starts from. Between the GitHub changes, the commit itself.
            const prefix = start === member.rollout || m.event.id === member.rollout.id;
            assert.deepEqual(
              [m.via.confidence, m.via.key],
              prefix ? ["prefix", `sha7:${sha.slice(0, 7)}`] : ["exact", m.via.key],
              `from the ${name}: ${m.event.id} via ${JSON.stringify(m.via)}`,
            );
            if (!prefix) assert.match(m.via.key, /^(sha|pr):/);
          }
        }
      });

      await t.step("an unrelated change's chain holds none of the members", async () => {
        for (const u of unrelated) {
          const chain = await get<{ members: Member[] }>(pl, `/api/events/${encodeURIComponent(u.id)}/chain`);
          const ids = chain.members.map((m) => m.event.id);
          assert.ok(ids.every((id) => !expected.includes(id)), `${u.id}: ${ids}`);
        }
      });

      await t.step(
        "investigate for checkout after the rollout gives the linked changes the chain reason",
        async () => {
          // The GitHub connector names no service (no catalog rule here): only the rollout is checkout's own, and
          // the changes linked to it are checkout's by the chain.
          for (const m of [member.pr, member.push, member.run, member.deployment]) {
            assert.equal(m.service, "");
          }
          assert.equal(member.deployment.environment, "production");
          const at = new Date(ago(30)).toISOString();
          const r = await get<{ changes: Suspect[] }>(
            pl,
            `/api/investigate?at=${encodeURIComponent(at)}&window=2h&service=checkout&environment=production`,
          );
          const of = (id: string) => r.changes.find((s) => s.event.id === id);
          const codes = (id: string) => (of(id)?.reasons ?? []).map((x) => x.code);
          for (const m of [member.pr, member.push, member.run, member.deployment]) {
            const chain = of(m.id)?.reasons.find((x) => x.code === "chain");
            assert.ok(chain, `${m.id}: ${JSON.stringify(of(m.id))}`);
            assert.match(chain.text, /^Linked to checkout's "Rollout deployment shop\/checkout: image /);
            assert.ok(chain.weight > 0);
          }
          assert.ok(
            codes(member.deployment.id).includes("environment"),
            "the deployment is production's too",
          );
          assert.ok(
            codes(member.rollout.id).includes("service") && !codes(member.rollout.id).includes("chain"),
          );
          assert.equal(r.changes[0]!.event.id, member.rollout.id, "the service's own rollout leads");
          for (const u of unrelated) assert.ok(!codes(u.id).includes("chain"), `${u.id}: ${codes(u.id)}`);
        },
      );
    } finally {
      await pl.close();
      await kube.stop();
      await gh.stop();
    }
  },
);
