import assert from "node:assert/strict";
import { catalogSchema, catalogVersion, derive } from "./catalog.ts";

const catalog = catalogSchema.parse({
  rules: [
    { match: { repository: "acme/checkout*" }, service: "checkout", team: "team-checkout" },
    { match: { namespace: "shop", image: "*/checkout:*" }, service: "checkout" },
    { match: { cluster: "prod-*" }, environment: "production" },
    { match: { tag: "staging" }, environment: "staging" },
    { match: { connector: "gitlab" }, team: "platform" },
  ],
});
const facts = (over: Record<string, unknown> = {}) => ({
  connector: "github",
  subject: null,
  tags: [] as string[],
  refs: [] as string[],
  metadata: {} as Record<string, unknown>,
  ...over,
});
const none = { service: "", environment: "" };

Deno.test("the service catalog fills what a change does not say", async (t) => {
  await t.step("a repository maps to a service and a team", () => {
    assert.deepEqual(derive(catalog, facts({ refs: ["repo:acme/checkout-api", "sha:1"] }), none), {
      service: "checkout",
      environment: "",
      team: "team-checkout",
    });
  });
  await t.step("every field of a rule must match; metadata and tags count", () => {
    const k8s = facts({
      connector: "kubernetes",
      refs: ["image:registry.acme.dev/checkout:1.4"],
      metadata: { namespace: "shop", cluster: "prod-eu" },
    });
    assert.deepEqual(derive(catalog, k8s, none), {
      service: "checkout",
      environment: "production",
      team: "",
    });
    const otherNs = facts({ refs: ["image:registry.acme.dev/checkout:1.4"], metadata: { namespace: "lab" } });
    assert.equal(derive(catalog, otherNs, none).service, "");
  });
  await t.step("what the change declares wins over the catalog", () => {
    const d = derive(catalog, facts({ refs: ["repo:acme/checkout"], tags: ["staging"] }), {
      service: "payments",
      environment: "qa",
    });
    assert.deepEqual(d, { service: "payments", environment: "qa", team: "team-checkout" });
  });
  await t.step("a rule needs something to match and something to set", () => {
    assert.throws(() => catalogSchema.parse({ rules: [{ match: {}, service: "x" }] }));
    assert.throws(() => catalogSchema.parse({ rules: [{ match: { tag: "x" } }] }));
  });
  await t.step("the version changes with the rules; no rules is version 0", () => {
    assert.equal(catalogVersion({ rules: [] }), 0);
    assert.notEqual(catalogVersion(catalog), catalogVersion({ rules: catalog.rules.slice(1) }));
  });
});
