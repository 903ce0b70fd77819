import assert from "node:assert/strict";
import { ZodError } from "zod";
import { cloudEventSchema } from "@painchain/shared/internal";
import { mapPostedChange } from "./change.ts";

const ctx = { poster: "k1", posterName: "deploy bot", now: new Date("2026-11-26T10:00:00Z") };

Deno.test("a minimal change becomes a valid custom deploy event", () => {
  const e = mapPostedChange({ title: "Deploy api v3", service: "api", environment: "prod" }, ctx);
  assert.ok(cloudEventSchema.safeParse(e).success);
  assert.match(e.id, /^custom-deploy-/);
  assert.equal(e.data.connector, "custom");
  assert.equal(e.data.connectionId, "k1");
  assert.equal(e.data.author, "deploy bot");
  assert.equal(e.time, "2026-11-26T10:00:00.000Z");
  assert.deepEqual(e.data.tags, ["prod"]);
  assert.deepEqual(e.data.refs, ["service:api", "env:prod"]);
});

Deno.test("the same id (or Idempotency-Key) names the same change; none gives a new one each time", () => {
  const a = mapPostedChange({ title: "Deploy", id: "run-7" }, ctx);
  const b = mapPostedChange({ title: "Deploy done", id: "run-7", status: "success" }, ctx);
  assert.equal(a.id, b.id);
  const c = mapPostedChange({ title: "Deploy" }, { ...ctx, idempotencyKey: "run-7" });
  assert.equal(c.id, a.id);
  assert.notEqual(mapPostedChange({ title: "x" }, ctx).id, mapPostedChange({ title: "x" }, ctx).id);
});

Deno.test("a start/end range sets time, duration and a completed status", () => {
  const e = mapPostedChange({
    title: "Migrate",
    type: "config",
    start: "2026-11-26T09:00:00Z",
    end: "2026-11-26T09:05:30Z",
  }, ctx);
  assert.equal(e.time, "2026-11-26T09:00:00.000Z");
  assert.equal(e.data.eventType, "config");
  assert.equal(e.data.metadata.durationSeconds, 330);
  assert.equal(e.data.status, "completed");
});

Deno.test("a CloudEvent maps with its type's last word and a stable id from source + id", () => {
  const ce = {
    specversion: "1.0",
    id: "42",
    source: "/flags/launchdarkly",
    type: "com.example.feature_flag",
    time: "2026-11-26T09:30:00Z",
    data: { title: "new-pricing on", environment: "prod" },
  };
  const e = mapPostedChange(ce, ctx);
  assert.equal(e.data.eventType, "feature_flag");
  assert.equal(e.time, "2026-11-26T09:30:00.000Z");
  assert.equal(e.id, mapPostedChange(ce, ctx).id);
  assert.notEqual(e.id, mapPostedChange({ ...ce, source: "/flags/other" }, ctx).id);
});

Deno.test("bad input is a ZodError naming the field", () => {
  for (
    const bad of [
      {},
      { title: "" },
      { title: "x", time: "yesterday" },
      { title: "x", end: "2026-11-26T09:00:00Z" },
      { title: "x", start: "2026-11-26T10:00:00Z", end: "2026-11-26T09:00:00Z" },
      { title: "x", url: "javascript:alert(1)" },
      { title: "x", unknown: 1 },
      { title: "x", type: "no spaces please" },
      { title: "x", time: "2030-01-01T00:00:00Z" },
      { specversion: "1.0", id: "1", source: "s", type: "t" },
    ]
  ) {
    assert.throws(() => mapPostedChange(bad, ctx), (e) => e instanceof ZodError, JSON.stringify(bad));
  }
});
