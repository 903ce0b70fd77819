import assert from "node:assert/strict";
import { Hono } from "hono";
import { clientAddress, rateLimiter } from "./rate_limit.ts";

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

Deno.test("behind trusted proxies the address comes from X-Forwarded-For, counted from the right", async () => {
  const app = new Hono();
  app.get("/0", (c) => c.text(clientAddress(c, 0)));
  app.get("/1", (c) => c.text(clientAddress(c, 1)));
  app.get("/2", (c) => c.text(clientAddress(c, 2)));
  const xff = { "x-forwarded-for": "6.6.6.6, 203.0.113.7, 10.0.0.2" };
  assert.equal(
    await (await app.request("/0", { headers: xff })).text(),
    "local",
    "no proxy trusted: the socket",
  );
  assert.equal(await (await app.request("/1", { headers: xff })).text(), "10.0.0.2");
  assert.equal(
    await (await app.request("/2", { headers: xff })).text(),
    "203.0.113.7",
    "a client cannot pick 6.6.6.6",
  );
  assert.equal(await (await app.request("/1")).text(), "local");
});
