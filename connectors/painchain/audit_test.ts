import assert from "node:assert/strict";
import type { Connection } from "@painchain/shared";
import { auditEvent, diffConnections, REDACTED } from "./audit.ts";

const base: Connection = {
  id: "prod",
  connector: "github",
  name: "Prod",
  enabled: true,
  pollInterval: 300,
  tags: ["prod"],
  config: { repos: ["a/b"] },
  secrets: { token: "s3cr3t-canary-1" },
  createdAt: "2026-11-01T00:00:00Z",
  updatedAt: "2026-11-01T00:00:00Z",
};
const at = new Date("2026-11-02T00:00:00Z");
const change = (prev: Connection | null, next: Connection | null, operation: "PUT" | "DEL" = "PUT") =>
  auditEvent({ key: "github.prod", revision: 7, time: at, operation, prev, next });

Deno.test("auditEvent()", async (t) => {
  await t.step("a new connection is ConnectorCreated with the secret redacted", () => {
    const e = change(null, base)!;
    assert.equal(e.eventType, "ConnectorCreated");
    assert.equal(e.upstreamId, "github.prod-7");
    assert.equal(e.time, at);
    assert.equal(JSON.stringify(e).includes("s3cr3t"), false);
    assert.deepEqual((e.metadata!.diff as unknown[]).at(-1), {
      field: "secrets.token",
      before: null,
      after: REDACTED,
    });
  });
  await t.step("only enabled flipping is ConnectorDisabled / ConnectorEnabled", () => {
    const off = { ...base, enabled: false, updatedAt: "2026-11-03T00:00:00Z" };
    assert.equal(change(base, off)!.eventType, "ConnectorDisabled");
    assert.equal(change(off, base)!.eventType, "ConnectorEnabled");
  });
  await t.step("a changed secret shows as changed, never its value", () => {
    const e = change(base, { ...base, secrets: { token: "s3cr3t-canary-2" } })!;
    assert.equal(e.eventType, "ConnectorUpdated");
    assert.deepEqual(e.metadata!.diff, [{
      field: "secrets.token",
      before: REDACTED,
      after: `${REDACTED} (changed)`,
    }]);
    assert.equal(JSON.stringify(e).includes("canary"), false);
  });
  await t.step("config changes are listed field by field", () => {
    const e = change(base, { ...base, pollInterval: 60, config: { repos: ["a/b", "c/d"] } })!;
    assert.deepEqual(diffConnections(base, { ...base, pollInterval: 60 }), [{
      field: "pollInterval",
      before: 300,
      after: 60,
    }]);
    assert.match(e.title, /pollInterval, config.repos/);
  });
  await t.step("a save with no real change publishes nothing", () => {
    assert.equal(change(base, { ...base, updatedAt: "2026-11-09T00:00:00Z" }), null);
  });
  await t.step("a delete is ConnectorDeleted", () => {
    const e = change(base, null, "DEL")!;
    assert.equal(e.eventType, "ConnectorDeleted");
    assert.equal(JSON.stringify(e).includes("s3cr3t"), false);
  });
});
