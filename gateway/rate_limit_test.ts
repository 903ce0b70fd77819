import assert from "node:assert/strict";
import { Hono } from "hono";
import { rateLimiter } from "./rate_limit.ts";

Deno.test("the token bucket allows the burst, then refills at the per-minute rate, per key", async () => {
  let now = 0;
  const app = new Hono();
  app.use(rateLimiter({ perMinute: 60, burst: 3 }, (c) => c.req.header("x-who") ?? "", () => now));
  app.get("/", (c) => c.text("ok"));
  const hit = async (who = "a") => (await app.request("/", { headers: { "x-who": who } })).status;
  assert.deepEqual([await hit(), await hit(), await hit(), await hit()], [200, 200, 200, 429]);
  assert.equal(await hit("b"), 200, "another caller has its own bucket");
  const res = await app.request("/", { headers: { "x-who": "a" } });
  assert.equal(res.headers.get("retry-after"), "1");
  now += 1_000; // one token a second
  assert.deepEqual([await hit(), await hit()], [200, 429]);
});
