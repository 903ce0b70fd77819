import assert from "node:assert/strict";
import { gzipSync } from "node:zlib";
import { decodeHelmRelease, encodeHelmRelease } from "./helm.ts";

Deno.test("a Helm release secret decodes to chart, version, revision and status, never values", () => {
  const record = {
    name: "shop",
    namespace: "prod",
    version: 7,
    info: { status: "deployed", last_deployed: "2026-11-26T10:00:00Z", description: "Upgrade complete" },
    chart: {
      metadata: { name: "shop", version: "1.4.0", appVersion: "2.0" },
      values: { password: "chart-default" },
    },
    config: { password: "s3cr3t-value" },
    manifest: "kind: Secret\ndata:\n  password: czNjcjN0",
  };
  const secret = {
    type: "helm.sh/release.v1",
    data: { release: encodeHelmRelease(record, (b) => gzipSync(b)) },
  };
  const r = decodeHelmRelease(secret);
  assert.deepEqual(
    [r.release, r.namespace, r.revision, r.status, r.chart, r.chartVersion, r.appVersion],
    ["shop", "prod", 7, "deployed", "shop", "1.4.0", "2.0"],
  );
  assert.ok(!JSON.stringify(r).includes("s3cr3t"));
  assert.ok(!JSON.stringify(r).includes("chart-default"));
  assert.throws(() => decodeHelmRelease({ type: "Opaque", data: {} }));
});
