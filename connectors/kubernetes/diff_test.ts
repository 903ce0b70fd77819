import assert from "node:assert/strict";
import { diffObjects } from "./diff.ts";

Deno.test("lists of named items are matched by name, not index", () => {
  const before = { containers: [{ name: "web", image: "a:1" }, { name: "sidecar", image: "s:1" }] };
  const after = { containers: [{ name: "sidecar", image: "s:1" }, { name: "web", image: "a:2" }] };
  assert.deepEqual(diffObjects(before, after, [], "spec"), [
    { path: "spec.containers[web].image", before: "a:1", after: "a:2" },
  ]);
});

Deno.test("ignored paths and everything under them are left out; added and removed fields show", () => {
  const before = { replicas: 2, template: { metadata: { annotations: { a: "1" } } }, paused: true };
  const after = { replicas: 3, template: { metadata: { annotations: { a: "2" } } }, minReadySeconds: 5 };
  assert.deepEqual(diffObjects(before, after, ["spec.template.metadata"], "spec"), [
    { path: "spec.minReadySeconds", before: null, after: 5 },
    { path: "spec.paused", before: true, after: null },
    { path: "spec.replicas", before: 2, after: 3 },
  ]);
});

Deno.test("long values are clipped", () => {
  const d = diffObjects({ v: "x" }, { v: "y".repeat(2000) });
  assert.ok(String(d[0]!.after).length < 600);
});
