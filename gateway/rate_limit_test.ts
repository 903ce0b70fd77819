import assert from "node:assert/strict";
import { Hono } from "hono";
import { clientAddress } from "./rate_limit.ts";

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
