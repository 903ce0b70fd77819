import assert from "node:assert/strict";
import { startingStatus } from "@painchain/shared/internal";
import type { ConnectorMeta } from "./api.ts";
import { connectionState, connectorSummary, holderOf, webhookInfo } from "./settings_status.ts";

function meta(over: Partial<ConnectorMeta> = {}): ConnectorMeta {
  return {
    id: "acme",
    displayName: "Acme",
    color: "#123456",
    logo: "logo.svg",
    description: "Acme changes",
    internal: false,
    defaultPollInterval: 300,
    minPollInterval: 60,
    configSchema: [
      {
        key: "hookSecret",
        label: "Delivery secret",
        type: "password",
        required: false,
        secret: true,
        origin: false,
        local: true,
      },
    ],
    eventTypes: {},
    logoUrl: "/api/connectors/acme/logo",
    status: "up",
    builtIn: false,
    lastHeartbeatAt: new Date(Date.now() - 5_000).toISOString(),
    instances: [{
      instanceId: "r1",
      startedAt: "",
      heartbeatAt: "",
      connections: [
        { ...startingStatus("c1"), state: "idle", eventsPublished: 3 },
        { ...startingStatus("c2"), state: "standby" },
      ],
    }],
    ...over,
  };
}

Deno.test("a built-in connector says built in, not replicas, heartbeat or up", () => {
  const s = connectorSummary(meta({ builtIn: true, instances: [], lastHeartbeatAt: null }));
  assert.equal(s.pill.text, "built in");
  assert.ok(s.pill.ok);
  assert.doesNotMatch(s.line, /replicas? \(|heartbeat|never/);
});

Deno.test("a hosted connector shows its replicas and last heartbeat", () => {
  const s = connectorSummary(meta());
  assert.equal(s.pill.text, "up");
  assert.match(s.line, /^1 replica \(r1\) · last heartbeat 5s ago$/);
  const down = connectorSummary(meta({ status: "down", instances: [], lastHeartbeatAt: null }));
  assert.equal(down.pill.text, "down");
  assert.ok(!down.pill.ok);
  assert.equal(down.line, "0 replicas · last heartbeat never");
});

Deno.test("a connection's state comes from the replica holding it, never a standby", () => {
  assert.equal(holderOf(meta(), "c1")?.instanceId, "r1");
  assert.equal(holderOf(meta(), "c2"), null);
  assert.equal(connectionState({ id: "c1", enabled: true }, meta()), "idle on r1");
  assert.equal(connectionState({ id: "c2", enabled: true }, meta()), "waiting for a replica");
  assert.equal(connectionState({ id: "c3", enabled: false }, meta()), "disabled");
});

Deno.test("webhooks come from the metadata's webhook block: its secret field, URL and headers", () => {
  assert.equal(webhookInfo(meta(), { id: "c1", secrets: {} }, "https://pc"), null, "no webhook block");
  const m = meta({
    webhook: {
      verify: "hmac-sha256",
      signatureHeader: "X-Acme-Signature",
      eventHeader: "X-Acme-Event",
      deliveryHeaders: [],
      secretField: "hookSecret",
      pingEvents: [],
    },
  });
  const off = webhookInfo(m, { id: "c1", secrets: {} }, "https://pc")!;
  assert.equal(off.ready, false);
  assert.equal(off.secretLabel, "Delivery secret");
  const on = webhookInfo(m, { id: "c 1", secrets: { hookSecret: "set" } }, "https://pc")!;
  assert.equal(on.ready, true);
  assert.equal(on.url, "https://pc/api/webhooks/acme/c%201");
  assert.match(on.expects, /X-Acme-Signature/);
  assert.match(on.expects, /HMAC-SHA256/);
  assert.match(on.expects, /X-Acme-Event/);
  const token = webhookInfo(
    { ...m, webhook: { ...m.webhook!, verify: "token" } },
    { id: "c1", secrets: {} },
    "",
  )!;
  assert.match(token.expects, /the same secret in X-Acme-Signature/);
});
