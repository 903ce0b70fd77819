import assert from "node:assert/strict";
import { envTone, statusSlug, statusTone, toneClass } from "./tone.ts";

Deno.test("statusTone colours the statuses the UI knows and no other", () => {
  for (const s of ["merged", "Success", "created", "enabled", "completed", "published", "pushed"]) {
    assert.equal(statusTone(s), "ok", s);
  }
  for (const s of ["failed", "failure", "deleted", "ERROR", "closed", "canceled", "cancelled", "disabled"]) {
    assert.equal(statusTone(s), "bad", s);
  }
  for (const s of ["running", "in_progress", "queued", "pending", "open", "updated", "draft"]) {
    assert.equal(statusTone(s), "warn", s);
  }
  for (const s of ["", "ongoing", "in progress", "resolved"]) assert.equal(statusTone(s), null, s);
});

Deno.test("statusSlug keeps letters, digits, _ and -; toneClass names the class", () => {
  assert.equal(statusSlug("In Progress!"), "inprogress");
  assert.equal(statusSlug("in_progress"), "in_progress");
  assert.equal(toneClass("bad"), "tone-bad");
  assert.equal(toneClass(null), "");
});

Deno.test("envTone follows the environment's kind", () => {
  assert.deepEqual(["eu-prod", "uat", "review/x", "eu-west-1"].map(envTone), ["bad", "warn", "ok", null]);
});
