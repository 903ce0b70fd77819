/** Connections CRUD with write-only secrets, logo proxy validation, and garbage input on every route. */
import assert from "node:assert/strict";
import fc from "fast-check";
import { connectorMetadataSchema, putMetadata } from "@painchain/shared/internal";
import { gatewayFixture, TEST_PNG, testConnectorMeta } from "@painchain/testing/gateway";
import { json } from "@painchain/testing";

const PNG = TEST_PNG;

Deno.test("gateway API", async (t) => {
  const fx = await gatewayFixture({ events: 50 });
  try {
    await t.step("metadata lists registered connectors with status", async () => {
      const list = await (await fx.app.request("/api/connectors/metadata")).json();
      const fake = list.find((m: { id: string }) => m.id === "fake");
      assert.equal(fake.color, "#ff00aa");
      assert.equal(fake.status, "up");
      assert.equal(fake.logoUrl, "/api/connectors/fake/logo");
      assert.equal(fake.configSchema.length, 4);
    });

    await t.step("logos from the logos bucket", async (t) => {
      const register = async (id: string, logo: { type: string; body: Uint8Array } | null) => {
        await putMetadata(
          fx.tn.buckets.registry,
          connectorMetadataSchema.parse({ ...testConnectorMeta, id }),
        );
        // Written raw: putLogo() itself refuses oversize logos, and the gateway must not trust the bucket either.
        if (logo) {
          let bin = "";
          for (const b of logo.body) bin += String.fromCharCode(b);
          await fx.tn.buckets.logos.put(
            id,
            new TextEncoder().encode(JSON.stringify({ type: logo.type, data: btoa(bin) })),
          );
        }
      };
      const text = (s: string) => new TextEncoder().encode(s);
      await register("lsvg", {
        type: "image/svg+xml",
        body: text('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
      });
      await register("lhtml", { type: "text/html", body: text("<html></html>") });
      await register("lliar", { type: "image/png", body: text("not a png") });
      await register("lbig", {
        type: "image/png",
        body: Uint8Array.from({ length: 600 * 1024 }, (_, i) => (i < 4 ? PNG[i]! : 0)),
      });
      await register("lnone", null);
      await t.step(
        "serves a valid png with an ETag, and 304 when unchanged, with no replica running",
        async () => {
          const res = await fx.app.request("/api/connectors/fake/logo");
          assert.equal(res.status, 200);
          assert.equal(res.headers.get("content-type"), "image/png");
          assert.deepEqual(new Uint8Array(await res.arrayBuffer()), PNG);
          const etag = res.headers.get("etag")!;
          assert.ok(etag);
          const again = await fx.app.request("/api/connectors/fake/logo", {
            headers: { "if-none-match": etag },
          });
          assert.equal(again.status, 304);
        },
      );
      await t.step("an svg is sandboxed by CSP", async () => {
        const res = await fx.app.request("/api/connectors/lsvg/logo");
        assert.equal(res.status, 200);
        assert.match(res.headers.get("content-security-policy")!, /sandbox/);
        assert.match(res.headers.get("content-security-policy")!, /default-src 'none'/);
        assert.equal(res.headers.get("x-content-type-options"), "nosniff");
      });
      await t.step("wrong type, lying bytes and oversize are 502; no logo is 404", async () => {
        for (const id of ["lhtml", "lliar", "lbig"]) {
          const res = await fx.app.request(`/api/connectors/${id}/logo`);
          assert.equal(res.status, 502, id);
          await res.body?.cancel();
        }
        assert.equal((await fx.app.request("/api/connectors/lnone/logo")).status, 404);
      });
      await t.step("only registered ids are accepted", async () => {
        assert.equal((await fx.app.request("/api/connectors/nobody/logo")).status, 404);
        assert.equal((await fx.app.request("/api/connectors/..%2F..%2Fetc/logo")).status, 400);
      });
    });

    let id = "";
    await t.step("POST /api/connections validates against the configSchema", async () => {
      const bad = await fx.createConnection({ connector: "fake", name: "x", config: { repos: "a" } });
      assert.equal(bad.status, 400);
      assert.match((await bad.json()).error, /Token is required/);
      const badNum = await fx.createConnection({
        connector: "fake",
        name: "x",
        config: { token: "t", repos: "a", depth: 99 },
      });
      assert.equal(badNum.status, 400);
      assert.match(JSON.stringify(await badNum.json()), /Depth must be at most 10/);
      const unknown = await fx.createConnection({ connector: "nope", name: "x" });
      assert.equal(unknown.status, 400);
      const internal = await fx.createConnection({ connector: "painchain", name: "x" });
      assert.equal(internal.status, 400);
      const slow = await fx.createConnection({
        connector: "fake",
        name: "x",
        pollInterval: 1,
        config: { token: "t", repos: "a" },
      });
      assert.equal(slow.status, 400, "below the connector's minimum poll interval");
    });

    await t.step("a created connection never shows its secret", async () => {
      const res = await fx.createConnection({
        connector: "fake",
        name: "Prod Fake",
        tags: "prod, team-a",
        config: { token: "s3cr3t-canary-42", repos: "a/b, c/d" },
      });
      assert.equal(res.status, 201);
      const text = await res.text();
      assert.equal(text.includes("s3cr3t-canary-42"), false);
      const c = JSON.parse(text);
      id = c.id;
      assert.deepEqual(c.secrets, { token: "set" });
      assert.deepEqual(c.config, { repos: ["a/b", "c/d"], depth: 3 });
      assert.deepEqual(c.tags, ["prod", "team-a"]);
      assert.equal(c.pollInterval, 60);
      for (const path of [`/api/connections/${id}`, "/api/connections", "/api/connections?connector=fake"]) {
        const body = await (await fx.app.request(path)).text();
        assert.equal(body.includes("s3cr3t-canary-42"), false, path);
        assert.ok(body.includes(id));
      }
    });

    await t.step("PUT keeps an omitted secret, replaces a given one, clears a null one", async () => {
      const kvValue = async () =>
        JSON.parse(new TextDecoder().decode((await fx.tn.buckets.connections.get(`fake.${id}`))!.value));
      let res = await fx.app.request(
        `/api/connections/${id}`,
        json("PUT", { name: "Renamed", config: { depth: 5 } }),
      );
      assert.equal(res.status, 200);
      assert.equal((await kvValue()).secrets.token, "s3cr3t-canary-42");
      assert.equal((await res.json()).config.depth, 5);
      res = await fx.app.request(`/api/connections/${id}`, json("PUT", { config: { token: "new-token" } }));
      assert.equal((await kvValue()).secrets.token, "new-token");
      res = await fx.app.request(`/api/connections/${id}`, json("PUT", { config: { token: null } }));
      assert.equal(res.status, 400, "a required secret cannot be cleared");
      res = await fx.app.request(`/api/connections/${id}`, json("PUT", { enabled: false }));
      assert.equal((await res.json()).enabled, false);
    });

    await t.step("sync of a connection no replica holds is 503; of a disabled one 400", async () => {
      assert.equal((await fx.app.request(`/api/connections/${id}/sync`, { method: "POST" })).status, 400);
      await fx.app.request(`/api/connections/${id}`, json("PUT", { enabled: true }));
      assert.equal((await fx.app.request(`/api/connections/${id}/sync`, { method: "POST" })).status, 503);
    });

    await t.step("DELETE removes it; then 404", async () => {
      assert.equal((await fx.app.request(`/api/connections/${id}`, { method: "DELETE" })).status, 204);
      assert.equal((await fx.app.request(`/api/connections/${id}`)).status, 404);
      assert.equal((await fx.app.request(`/api/connections/${id}`, { method: "DELETE" })).status, 404);
    });

    await t.step("health reports NATS and Postgres", async () => {
      const res = await fx.app.request("/api/health");
      assert.equal(res.status, 200);
      assert.deepEqual(await res.json(), { status: "ok", nats: "ok", postgres: "ok" });
    });

    await t.step("security headers are set", async () => {
      const res = await fx.app.request("/api/health");
      assert.equal(res.headers.get("x-content-type-options"), "nosniff");
      assert.match(res.headers.get("content-security-policy") ?? "", /frame-ancestors 'none'/);
      assert.equal(res.headers.get("access-control-allow-origin"), null);
    });

    await t.step("garbage in every query parameter and body gives a 4xx, never a 5xx", async () => {
      const clearlyBad = [
        "/api/events?limit=0",
        "/api/events?limit=-5",
        "/api/events?limit=9999",
        "/api/events?limit=abc",
        "/api/events?from=yesterday",
        "/api/events?to=2026-13-45T99:99:99Z",
        "/api/events?cursor=%%%%",
        "/api/events?cursor=bm90IGpzb24",
        "/api/events?cursor=WyJub3QgYSB0aW1lIiwiaWQiXQ",
        "/api/events?connector=UPPER",
        "/api/events?connector=a.b",
        "/api/events?eventType=has%20space",
        "/api/events?unknown=1",
        `/api/events?q=${"x".repeat(300)}`,
        "/api/timeline?bins=1",
        "/api/timeline?bins=x",
        "/api/timeline?from=2026-11-02T00:00:00Z&to=2026-11-01T00:00:00Z",
        "/api/timeline?from=nope",
        "/api/connectors/UPPER/logo",
        "/api/connectors/a%00b/logo",
        "/api/connections?connector=Bad!",
        "/api/connections/..%2F..",
        "/api/connections/%00",
        "/api/events/stream?connector=Bad!",
        "/api/nope",
      ];
      for (const path of clearlyBad) {
        const res = await fx.app.request(path);
        await res.body?.cancel();
        assert.ok(res.status >= 400 && res.status < 500, `${path} -> ${res.status}`);
      }
      const bodies: [string, string, BodyInit][] = [
        ["POST", "/api/connections", "{not json"],
        ["POST", "/api/connections", "[]"],
        ["POST", "/api/connections", "null"],
        ["POST", "/api/connections", JSON.stringify({ connector: 42 })],
        ["POST", "/api/connections", JSON.stringify({ connector: "fake", name: "x", config: "str" })],
        ["POST", "/api/connections", JSON.stringify({ connector: "fake", name: "x", extra: 1 })],
        [
          "POST",
          "/api/connections",
          JSON.stringify({ connector: "fake", name: "x", config: { token: 5, repos: "a" } }),
        ],
        [
          "POST",
          "/api/connections",
          JSON.stringify({ connector: "fake", name: "x", config: { token: "t", repos: "a", nope: 1 } }),
        ],
        [
          "POST",
          "/api/connections",
          JSON.stringify({
            connector: "fake",
            name: "x",
            config: { token: "t", repos: "a", baseUrl: "javascript:alert(1)" },
          }),
        ],
        ["POST", "/api/connections", "x".repeat(2 * 1024 * 1024)],
        ["PUT", "/api/connections/nope", JSON.stringify({ name: "y" })],
        ["PUT", "/api/connections/nope", "{"],
        ["DELETE", "/api/connections/NOPE!", ""],
        ["POST", "/api/connections/nope/sync", ""],
      ];
      for (const [method, path, body] of bodies) {
        const res = await fx.app.request(path, {
          method,
          body: body || undefined,
          headers: { "content-type": "application/json" },
        });
        await res.body?.cancel();
        assert.ok(
          res.status >= 400 && res.status < 500,
          `${method} ${path} ${String(body).slice(0, 60)} -> ${res.status}`,
        );
      }
      // Random strings in every query parameter: any answer but a 5xx.
      const params = [
        "connector",
        "eventType",
        "status",
        "tag",
        "author",
        "ref",
        "q",
        "from",
        "to",
        "cursor",
        "limit",
        "bins",
      ];
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(...params),
          fc.string({ unit: "binary", maxLength: 80 }),
          fc.constantFrom("/api/events", "/api/timeline"),
          async (p, v, route) => {
            const res = await fx.app.request(`${route}?${new URLSearchParams({ [p]: v })}`);
            await res.body?.cancel();
            return res.status < 500;
          },
        ),
        { numRuns: 300 },
      );
      await fc.assert(
        fc.asyncProperty(fc.jsonValue(), async (body) => {
          const res = await fx.createConnection(body);
          await res.body?.cancel();
          return res.status >= 400 && res.status < 500;
        }),
        { numRuns: 200 },
      );
    });
  } finally {
    await fx.close();
  }
});

Deno.test("PUT with only `enabled` keeps name, tags and config", async () => {
  const fx = await gatewayFixture();
  try {
    const created = await (await fx.createConnection({
      connector: "fake",
      name: "Keep",
      tags: ["prod"],
      config: { token: "t", repos: "a/b" },
    })).json();
    const res = await fx.app.request(`/api/connections/${created.id}`, json("PUT", { enabled: false }));
    const after = await res.json();
    assert.equal(after.enabled, false);
    assert.deepEqual(after.tags, ["prod"]);
    assert.equal(after.name, "Keep");
    assert.deepEqual(after.config.repos, ["a/b"]);
  } finally {
    await fx.close();
  }
});

Deno.test("teams API and connection test without a replica", async (t) => {
  const fx = await gatewayFixture();
  const send = (method: string, path: string, body?: unknown) =>
    fx.app.request(path, {
      method,
      headers: { "content-type": "application/json" },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
  try {
    await t.step("teams are created, listed, edited and deleted", async () => {
      const res = await send("POST", "/api/teams", {
        name: "Payments",
        tags: "team-payments, prod-payments",
      });
      assert.equal(res.status, 201);
      assert.deepEqual(await res.json(), {
        id: "payments",
        name: "Payments",
        tags: ["team-payments", "prod-payments"],
      });
      assert.equal((await send("POST", "/api/teams", { name: "Payments", tags: ["x"] })).status, 409);
      assert.equal((await send("POST", "/api/teams", { name: "Empty", tags: "" })).status, 400);
      const put = await send("PUT", "/api/teams/payments", { name: "Payments", tags: ["team-payments"] });
      assert.deepEqual((await put.json()).tags, ["team-payments"]);
      assert.deepEqual((await (await fx.app.request("/api/teams")).json()).map((x: { id: string }) => x.id), [
        "payments",
      ]);
      assert.equal((await send("DELETE", "/api/teams/payments")).status, 204);
      assert.equal((await send("DELETE", "/api/teams/payments")).status, 404);
    });
    await t.step("testing a connection with no running replica is a clear 503", async () => {
      const res = await send("POST", "/api/connections/test", {
        connector: "fake",
        config: { token: "t", repos: "a" },
      });
      assert.equal(res.status, 503);
      assert.match((await res.json()).error, /No running Fake Source replica/);
      const bad = await send("POST", "/api/connections/test", { connector: "fake", config: { repos: "a" } });
      assert.equal(bad.status, 400, "the settings are validated first");
    });
  } finally {
    await fx.close();
  }
});
