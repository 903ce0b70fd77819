/**
 * "What changed?" through the API, on the whole pipeline: the service catalog (applied on write, re-derived in the
 * background), the ranked answer with reasons and the changes after, change chains (commit → image tag prefix),
 * coverage gaps from a stopped connector, compare, and Grafana annotations.
 */
import assert from "node:assert/strict";
import {
  cloudEventSchema,
  type ConnectorDefinition,
  connectorMetadataSchema,
  createPublisher,
  putMetadata,
  silentLogger,
} from "@painchain/shared/internal";
import { metadata as githubMeta } from "@painchain/github";
import { metadata as gitlabMeta } from "@painchain/gitlab";
import { metadata as kubernetesMeta } from "@painchain/kubernetes";
import { json, waitFor } from "@painchain/testing";
import { pipelineTest } from "@painchain/testing/pipeline";
import { connection, putConnection } from "@painchain/testing/poll";

const AT = new Date(Date.now() - 3600_000);
const minutes = (m: number) => new Date(AT.getTime() - m * 60_000).toISOString();

let n = 0;
function event(o: {
  connector?: string;
  eventType?: string;
  minutesBefore: number;
  title?: string;
  service?: string;
  environment?: string;
  status?: string;
  author?: string;
  refs?: string[];
  subject?: string;
  metadata?: Record<string, unknown>;
}) {
  const connector = o.connector ?? "custom";
  const eventType = o.eventType ?? "deploy";
  return cloudEventSchema.parse({
    specversion: "1.0",
    id: `${connector}-${eventType}-inv${++n}`,
    source: "/test",
    type: `dev.painchain.${connector}.${eventType}`,
    ...(o.subject ? { subject: o.subject } : {}),
    time: minutes(o.minutesBefore),
    recordedtime: new Date().toISOString(),
    datacontenttype: "application/json",
    data: {
      title: o.title ?? `change ${n}`,
      eventType,
      connector,
      connectionId: "t",
      service: o.service ?? "",
      environment: o.environment ?? "",
      status: o.status ?? "",
      author: o.author ?? "",
      refs: o.refs ?? [],
      metadata: o.metadata ?? {},
    },
  });
}

pipelineTest(
  "investigate: services, the ranked answer, chains, coverage gaps, compare and annotations",
  async (pl, t) => {
    // The connectors' metadata (their event types' kinds), as running connectors would have registered it.
    for (const m of [githubMeta, gitlabMeta, kubernetesMeta]) {
      await putMetadata(pl.tn.buckets.registry, connectorMetadataSchema.parse(m));
    }
    const publisher = createPublisher({ js: pl.tn.nats.js, names: pl.tn.names, log: silentLogger });
    const get = async (path: string) => {
      const res = await pl.app.request(path);
      const body = await res.json();
      assert.equal(res.status, 200, JSON.stringify(body));
      return body;
    };
    // 200 unrelated changes, many closer to the incident, and the culprit: checkout's production deploy.
    const noise = Array.from({ length: 200 }, (_, i) =>
      event({
        connector: ["github", "gitlab", "kubernetes", "custom"][i % 4],
        eventType: ["deployment", "pipeline", "rollout", "config"][i % 4],
        minutesBefore: (i * 7) % 100,
        service: ["payments", "search", "web", ""][i % 4],
        environment: ["production", "staging"][i % 2],
        status: i % 5 === 0 ? "failure" : "success",
        author: i % 3 ? "alice" : "argocd-controller",
      }));
    const culprit = event({
      connector: "github",
      eventType: "deployment",
      minutesBefore: 80,
      title: "Deploy checkout 2.14 to production",
      environment: "production",
      refs: ["repo:acme/checkout", "sha:0123456789abcdef0123456789abcdef01234567"],
      author: "carol",
    });
    const staging = event({
      connector: "github",
      eventType: "deployment",
      minutesBefore: 1,
      title: "Deploy checkout 2.15 to staging",
      environment: "staging",
      refs: ["repo:acme/checkout"],
    });
    const after = event({
      minutesBefore: -5,
      title: "Rollback checkout",
      service: "checkout",
      environment: "production",
    });
    await publisher.publish([...noise, culprit, staging, after]);
    await waitFor(
      async () => (await pl.sql`SELECT count(*)::int AS n FROM change_events`)[0]!.n === 203,
      20_000,
      "stored",
    );

    await t.step("the service catalog names the service of existing rows, in the background", async () => {
      const before = await get(`/api/events?service=checkout`);
      assert.equal(before.events.length, 1, "only the change that declared it");
      const res = await pl.app.request(
        "/api/catalog",
        json("PUT", {
          rules: [{ match: { repository: "acme/checkout" }, service: "checkout", team: "team-checkout" }],
        }),
      );
      assert.equal(res.status, 200, await res.clone().text());
      const rows = await waitFor(
        async () => {
          const list = (await get(`/api/events?service=checkout&limit=10`)).events;
          return list.length === 3 ? list : null;
        },
        15_000,
        "re-derived rows",
      );
      assert.ok(rows.every((e: { team: string; service: string }) => e.service === "checkout"));
      assert.ok(rows.filter((e: { team: string }) => e.team === "team-checkout").length === 2);
      const cat = await get("/api/catalog");
      assert.equal(cat.rules.length, 1);
      await waitFor(
        async () => (await get("/api/catalog")).pending === 0,
        10_000,
        "nothing left to re-derive",
      );
      const facets = await get("/api/facets");
      assert.ok(facets.services.includes("checkout") && facets.services.includes("payments"));
      assert.deepEqual(facets.environments, ["production", "staging"]);
      assert.deepEqual(facets.teams, ["team-checkout"]);
      // Search finds the repository inside a path.

      assert.ok((await get(`/api/events?q=checkout`)).events.length >= 3);
    });

    await t.step("investigate ranks checkout's production deploy first, with its reasons", async () => {
      const r = await get(
        `/api/investigate?at=${
          encodeURIComponent(AT.toISOString())
        }&window=2h&service=checkout&environment=production`,
      );
      assert.equal(r.changes[0].event.id, culprit.id);
      const codes = r.changes[0].reasons.map((x: { code: string }) => x.code);
      for (const c of ["service", "environment", "kind", "time", "person"]) assert.ok(codes.includes(c), c);
      assert.ok(r.changes.findIndex((s: { event: { id: string } }) => s.event.id === staging.id) > 0);
      assert.deepEqual(
        r.after.map((e: { id: string }) => e.id),
        [after.id],
        "after the moment: listed apart",
      );
      assert.ok(!r.changes.some((s: { event: { id: string } }) => s.event.id === after.id));
      assert.equal(r.weights.service, 10);
      assert.equal(r.window, "2h");
      // Common pasted formats work; a bad one is a clear 400.
      const pasted = await get(
        `/api/investigate?at=${
          encodeURIComponent(AT.toISOString().slice(0, 16).replace("T", " ") + " UTC")
        }&service=checkout&environment=production`,
      );
      assert.equal(pasted.changes[0].event.id, culprit.id);
      for (const at of ["around lunch", "99999999999999999999 days ago"]) {
        const bad = await pl.app.request(`/api/investigate?at=${encodeURIComponent(at)}`);
        assert.equal(bad.status, 400, at);
        assert.match((await bad.json()).detail, /give a time/);
      }
      assert.ok((await get("/api/investigate?at=now")).changes, "now is a time");
      // Weights are adjustable per request: with only time counting, the closest change leads.
      const timeOnly = await get(
        `/api/investigate?at=${AT.toISOString()}&service=checkout&weights=service:0,environment:0,otherEnvironment:0,kind:0,failed:0,person:0,chain:0`,
      );
      const times = timeOnly.changes.map((c: { event: { time: string } }) => c.event.time);
      assert.deepEqual(times, [...times].sort().reverse(), "closest first");
    });

    await t.step(
      "a chain: a commit, its deploy, and a rollout of an image tagged with the commit's prefix",
      async () => {
        const sha = "feedbeef00112233445566778899aabbccddeeff";
        /** A change of the chain, `minutesBefore` the moment, carrying `refs`. */
        const link = (connector: string, eventType: string, minutesBefore: number, ...refs: string[]) =>
          event({ connector, eventType, minutesBefore, refs });
        const pr = link("github", "pull_request", 50, `pr:acme/checkout#42`, `sha:${sha}`);
        const push = link("github", "commit", 48, `sha:${sha}`);
        const run = link("github", "workflow_run", 47, `sha:${sha}`, "pr:acme/checkout#42");
        const deploy = link("github", "deployment", 40, `sha:${sha}`);
        const rollout = link(
          "kubernetes",
          "rollout",
          35,
          `image:registry.acme.dev/checkout:${sha.slice(0, 8)}`,
        );
        const unrelated = link("kubernetes", "rollout", 30, "image:registry.acme.dev/web:feedbee9");
        await publisher.publish([pr, push, run, deploy, rollout, unrelated]);
        await waitFor(
          async () => (await pl.sql`SELECT count(*)::int AS n FROM change_events`)[0]!.n === 209,
          10_000,
        );
        const expected = [pr, push, run, deploy, rollout].map((e) => e.id);
        for (const start of [pr, rollout, deploy]) {
          const chain = await get(`/api/events/${start.id}/chain`);
          assert.deepEqual(
            chain.members.map((m: { event: { id: string } }) => m.event.id),
            expected,
            `from ${start.id}`,
          );
        }
        const fromRollout = await get(`/api/events/${rollout.id}/chain`);
        const viaPrefix = fromRollout.members.filter((m: { via: { confidence: string } | null }) =>
          m.via?.confidence === "prefix"
        );
        assert.ok(viaPrefix.length >= 1, "the image tag links by prefix, with a lower confidence");
        assert.equal((await pl.app.request("/api/events/nope-nope-1/chain")).status, 404);
      },
    );

    await t.step("compare: the net change of a resource changed several times", async () => {
      const subject = "shop/Deployment/checkout";
      const diff = (before: string, after: string) => ({
        diff: [{ field: "spec.template.spec.containers[checkout].image", before, after }],
      });
      await publisher.publish([
        event({
          connector: "kubernetes",
          eventType: "rollout",
          minutesBefore: 20,
          subject,
          service: "checkout",
          metadata: diff("c:1", "c:2"),
        }),
        event({
          connector: "kubernetes",
          eventType: "rollout",
          minutesBefore: 10,
          subject,
          service: "checkout",
          metadata: diff("c:2", "c:3"),
        }),
      ]);
      await waitFor(
        async () => (await pl.sql`SELECT count(*)::int AS n FROM change_events`)[0]!.n === 211,
        10_000,
      );
      const cmp = await get(`/api/compare?from=${minutes(30)}&to=${AT.toISOString()}&service=checkout`);
      const res = cmp.services[0].resources.find((r: { resource: string }) => r.resource === subject);
      assert.equal(res.count, 2);
      assert.deepEqual(res.net, [{
        field: "spec.template.spec.containers[checkout].image",
        before: "c:1",
        after: "c:3",
      }]);
    });

    await t.step("Grafana annotations: epoch milliseconds in, time/title/text/tags out", async () => {
      const list = await get(
        `/api/annotations?from=${AT.getTime() - 3600_000}&to=${AT.getTime()}&service=checkout`,
      );
      assert.ok(list.length >= 3);
      for (const a of list) {
        assert.equal(typeof a.time, "number");
        assert.equal(typeof a.title, "string");
        assert.ok(Array.isArray(a.tags) && a.tags.includes("checkout"));
      }
    });

    await t.step(
      "a connector stopped for a while leaves a recorded gap, listed by investigate",
      async () => {
        let polls = 0;
        const ticker: ConnectorDefinition = {
          metadata: {
            id: "ticker",
            displayName: "Ticker",
            color: "#336699",
            logo: "logo.svg",
            description: "polls every second",
            minPollInterval: 1,
          },
          logo: new URL("../testing/fixtures/fake_connector/logo.svg", import.meta.url),
          poll: () => {
            polls++;
            return Promise.resolve();
          },
        };
        const tick = connection("ticker", {}, {}, { id: "tick", name: "Tick", pollInterval: 1, tags: [] });
        await putConnection(pl.tn.buckets.connections, tick);
        await pl.connector(ticker, "ticker-1");
        await waitFor(() => polls >= 3, 10_000, "polls");
        await pl.stopConnectors();
        const stoppedAt = Date.now();
        await new Promise((r) => setTimeout(r, 12_000));
        await pl.connector(ticker, "ticker-2");
        const count = polls;
        await waitFor(() => polls >= count + 3, 10_000, "polls again");
        await new Promise((r) => setTimeout(r, 500));
        const from = new Date(stoppedAt - 30_000).toISOString();
        const cov = await waitFor(
          async () => {
            const r = await get(`/api/coverage?from=${from}`);
            return r.gaps.find((g: { connectionId: string }) => g.connectionId === "tick");
          },
          10_000,
          "a recorded gap",
        );
        assert.equal(cov.reason, "not_watching");
        assert.ok(
          Date.parse(cov.from) >= stoppedAt - 2_000 && Date.parse(cov.to) > Date.parse(cov.from) + 3_000,
          JSON.stringify(cov),
        );
        const inv = await get(
          `/api/investigate?at=${encodeURIComponent(new Date().toISOString())}&window=1h`,
        );
        assert.ok(
          inv.gaps.some((g: { connectionId: string; reason: string }) => g.connectionId === "tick"),
        );
      },
    );
  },
);
