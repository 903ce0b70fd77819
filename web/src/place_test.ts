import assert from "node:assert/strict";
import { envKind, whereOf } from "./place.ts";

Deno.test("envKind classes environments by their words", () => {
  for (const e of ["prod", "production", "Production", "eu-prod", "prod-eu-1", "live", "production2"]) {
    assert.equal(envKind(e), "prod", e);
  }
  for (const e of ["staging", "stage", "pre-prod", "preprod", "uat", "canary-eu"]) {
    assert.equal(envKind(e), "staging", e);
  }
  for (const e of ["dev", "development", "review/feature-x", "qa", "test"]) {
    assert.equal(envKind(e), "dev", e);
  }
  for (const e of ["", "eu-west-1", "products"]) assert.equal(envKind(e), "other", e);
});

Deno.test("whereOf is the subject, trimmed, or empty", () => {
  assert.equal(whereOf({ subject: "acme/checkout#12" }), "acme/checkout#12");
  assert.equal(whereOf({ subject: " shop/Deployment/checkout " }), "shop/Deployment/checkout");
  assert.equal(whereOf({ subject: null }), "");
});
