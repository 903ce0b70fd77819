import assert from "node:assert/strict";
import { CloudEvent } from "cloudevents";
import { consumerOpts } from "nats";
import { createTestNats, waitFor } from "@painchain/testing";
import { connectionKey } from "../connection.ts";
import { silentLogger } from "../log.ts";
import { decoder, encoder } from "../nats.ts";
import { readRegistry } from "../registry.ts";
import { type ConnectorDefinition, type PollContext, startConnector } from "./runtime.ts";

const logo = new URL("../../connectors/painchain/logo.svg", import.meta.url);

function testConnector(polls: PollContext[], opts: { fail?: () => boolean } = {}): ConnectorDefinition {
  return {
    metadata: {
      id: "fake",
      displayName: "Fake",
      color: "#123456",
      logo: "logo.svg",
      description: "A test connector",
      minPollInterval: 1,
      configSchema: [{ key: "token", label: "Token", type: "password", secret: true, required: true }],
      eventTypes: { deploy: { displayName: "Deploy", sections: [] } },
    },
    logo,
    async poll(ctx) {
      polls.push(ctx);
      if (opts.fail?.()) throw new Error("upstream is down");
      const n = ((ctx.cursor as number | null) ?? 0) + 1;
      ctx.rateLimit({ remaining: 100 - n, limit: 100 });
      await ctx.emit([
        {
          upstreamId: n,
          eventType: "deploy",
          time: new Date(Date.UTC(2026, 10, 1, 0, n)),
          title: `Deploy ${n}`,
          tags: ctx.connection.tags,
        },
        // An invalid mapping is dropped and logged, and does not block the valid one.
        { upstreamId: `bad-${n}`, eventType: "deploy", time: "not a time", title: "" },
      ]);
      return { cursor: n };
    },
  };
}

const connection = (id: string, over: Record<string, unknown> = {}) => ({
  id,
  connector: "fake",
  name: id,
  enabled: true,
  pollInterval: 1,
  tags: ["prod"],
  config: {},
  secrets: { token: "t0ken" },
  createdAt: "2026-11-01T00:00:00Z",
  updatedAt: "2026-11-01T00:00:00Z",
  ...over,
});

Deno.test("connector runtime", async (t) => {
  const tn = await createTestNats();
  const polls: PollContext[] = [];
  const received: Uint8Array[] = [];
  const opts = consumerOpts().orderedConsumer().callback((_e, m) => m && received.push(m.data));
  const sub = await tn.nats.js.subscribe(tn.names.eventsSubjects, opts);
  let failing = false;
  const running = await startConnector(testConnector(polls, { fail: () => failing }), {
    ...tn,
    log: silentLogger,
    instanceId: "replica-a",
    httpHostname: "127.0.0.1",
    heartbeatMs: 200,
    leaseTtlMs: 1_500,
  });
  try {
    await t.step("registers metadata and a heartbeat in the registry", async () => {
      const reg = await waitFor(async () =>
        (await readRegistry(tn.buckets.registry)).find((r) => r.metadata.id === "fake")
      );
      assert.equal(reg.status, "up");
      assert.equal(reg.instances[0]!.instanceId, "replica-a");
    });

    await t.step("serves /logo and /healthz", async () => {
      const logoRes = await fetch(`${running.url}/logo`);
      assert.equal(logoRes.headers.get("content-type"), "image/svg+xml");
      assert.match(await logoRes.text(), /^<svg/);
      const health = await fetch(`${running.url}/healthz`);
      assert.equal(health.status, 200);
      assert.equal((await health.json()).ok, true);
    });

    await t.step("a connection written to KV is polled, and events are published", async () => {
      await tn.buckets.connections.put(
        connectionKey("fake", "one"),
        encoder.encode(JSON.stringify(connection("one"))),
      );
      await waitFor(() => received.length >= 2, 10_000, "two events");
      assert.equal(polls[0]!.connection.secrets.token, "t0ken");
      assert.equal(polls[0]!.cursor, null);
      assert.equal(polls[1]!.cursor, 1, "the second poll resumes from the saved cursor");
    });

    await t.step("every published event is accepted by the cloudevents SDK", () => {
      assert.ok(received.length >= 2);
      for (const raw of received) {
        const json = JSON.parse(decoder.decode(raw));
        const ce = new CloudEvent(json, true);
        assert.equal(ce.specversion, "1.0");
        assert.equal(ce.validate(), true);
        assert.match(ce.id, /^fake-deploy-\d+$/);
        assert.ok(json.recordedtime);
        assert.deepEqual(json.data.tags, ["prod"]);
        assert.equal(JSON.stringify(json).includes("t0ken"), false, "secrets never leave the connector");
      }
    });

    await t.step("status reports last poll, success and the rate-limit budget", async () => {
      const s = await waitFor(() => running.statuses().find((x) => x.lastSuccessAt));
      assert.equal(s.connectionId, "one");
      assert.ok(s.eventsPublished >= 1);
      assert.equal(s.rateLimit?.limit, 100);
    });

    await t.step("a failing poll is reported and retried with backoff", async () => {
      failing = true;
      const s = await waitFor(() => running.statuses().find((x) => x.lastError), 10_000, "error status");
      assert.equal(s.lastError, "upstream is down");
      assert.equal(s.state, "error");
      failing = false;
      await waitFor(
        () => running.statuses().find((x) => x.state !== "error" && x.lastError === null),
        15_000,
        "recovery",
      );
    });

    await t.step("a disabled connection stops polling", async () => {
      await tn.buckets.connections.put(
        connectionKey("fake", "one"),
        encoder.encode(JSON.stringify(connection("one", { enabled: false }))),
      );
      await waitFor(() => running.statuses().length === 0, 5_000, "worker stopped");
      const count = polls.length;
      await new Promise((r) => setTimeout(r, 1_500));
      assert.equal(polls.length, count);
    });

    await t.step("a second replica stands by while the first holds the lease, then takes over", async () => {
      await tn.buckets.connections.put(
        connectionKey("fake", "two"),
        encoder.encode(JSON.stringify(connection("two"))),
      );
      await waitFor(() => polls.some((p) => p.connection.id === "two"), 5_000, "replica-a polls two");
      const polls2: PollContext[] = [];
      const second = await startConnector(testConnector(polls2), {
        ...tn,
        log: silentLogger,
        instanceId: "replica-b",
        httpHostname: "127.0.0.1",
        heartbeatMs: 200,
        leaseTtlMs: 1_500,
      });
      try {
        await new Promise((r) => setTimeout(r, 2_000));
        assert.equal(polls2.length, 0, "replica-b must not poll a connection replica-a holds");
        await running.stop();
        await waitFor(() => polls2.some((p) => p.connection.id === "two"), 8_000, "takeover");
        const cursor = polls2.find((p) => p.connection.id === "two")!.cursor as number;
        assert.ok(cursor >= 1, "the takeover resumes from the cursor in KV");
      } finally {
        await second.stop();
      }
    });
  } finally {
    await running.stop().catch(() => {});
    sub.unsubscribe();
    await tn.cleanup();
  }
});
