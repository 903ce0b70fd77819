/**
 * The auth matrix: every API route called with no credentials, a read key, an ingest key, a write key and the
 * admin token; each gets the 2xx, 401 or 403 written here (not derived from the gateway's own table). Then the
 * UI session: HttpOnly cookie, revocation, cross-site refusal, public-read mode, and the sign-in rate limit.
 */
import assert from "node:assert/strict";
import type { ConnectorDefinition } from "@painchain/shared/internal";
import { testConnectorMeta } from "@painchain/testing/gateway";
import { json, migratedEnv, waitFor } from "@painchain/testing";
import { startPipeline, TEST_ADMIN_TOKEN, testGateway } from "@painchain/testing/pipeline";

type Caller = "none" | "read" | "ingest" | "write" | "admin";
const CALLERS: Caller[] = ["none", "read", "ingest", "write", "admin"];
type Need = "public" | "read" | "write" | "ingest" | "admin" | "signature";

/** What each caller gets for each requirement; "ok" is a 2xx. */
const EXPECT: Record<Need, Record<Caller, "ok" | 401 | 403>> = {
  public: { none: "ok", read: "ok", ingest: "ok", write: "ok", admin: "ok" },
  read: { none: 401, read: "ok", ingest: 403, write: "ok", admin: "ok" },
  write: { none: 401, read: 403, ingest: 403, write: "ok", admin: "ok" },
  ingest: { none: 401, read: 403, ingest: "ok", write: 403, admin: "ok" },
  admin: { none: 401, read: 403, ingest: 403, write: 403, admin: "ok" },
  signature: { none: 401, read: 401, ingest: 401, write: 401, admin: 401 },
};

const fakeConnector: ConnectorDefinition = {
  metadata: testConnectorMeta,
  logo: new URL("../testing/fixtures/fake_connector/logo.svg", import.meta.url),
  test: () => Promise.resolve("reachable"),
  poll: () => Promise.resolve(),
};

Deno.test("auth matrix: every route, every kind of caller", async (t) => {
  const pl = await startPipeline();
  try {
    await pl.connector(fakeConnector);
    const admin = (path: string, init: RequestInit = {}) => pl.app.request(path, init);
    const makeKey = async (scopes: string[]) =>
      (await (await admin("/api/keys", json("POST", { name: `k-${scopes}`, scopes }))).json()).key as string;
    const tokens: Record<Caller, string | null> = {
      none: null,
      read: await makeKey(["read"]),
      ingest: await makeKey(["ingest"]),
      write: await makeKey(["write"]),
      admin: TEST_ADMIN_TOKEN,
    };
    let n = 0;
    const newConnection = async () => {
      const res = await admin(
        "/api/connections",
        json("POST", {
          id: `c${++n}`,
          connector: "fake",
          name: `C ${n}`,
          config: { token: "x", repos: "a" },
        }),
      );
      assert.equal(res.status, 201, await res.text());
      return `c${n}`;
    };
    const newTeam = async () =>
      (await (await admin("/api/teams", json("POST", { name: `Team ${++n}`, tags: ["x"] }))).json())
        .id as string;
    const newKey = async () =>
      (await (await admin("/api/keys", json("POST", { name: `tmp ${++n}`, scopes: ["read"] }))).json())
        .id as string;
    const shared = await newConnection();
    // Sync needs a replica holding the connection.
    await waitFor(async () =>
      (await admin(`/api/connections/${shared}/sync`, { method: "POST" })).status === 202
    );
    await admin("/api/changes", json("POST", { title: "seed", id: "seed" }));
    const seeded = await waitFor(async () =>
      (await (await admin("/api/events?connector=custom")).json()).events[0]
    );

    const routes: {
      need: Need;
      method: string;
      path: () => Promise<string> | string;
      body?: () => unknown;
    }[] = [
      { need: "public", method: "GET", path: () => "/api/health" },
      { need: "public", method: "GET", path: () => "/api/auth/me" },
      { need: "public", method: "GET", path: () => "/api/connectors/metadata" },
      { need: "public", method: "GET", path: () => "/api/connectors/custom/logo" },
      { need: "read", method: "GET", path: () => "/api/events?limit=5" },
      { need: "read", method: "GET", path: () => `/api/events/${seeded.id}` },
      { need: "read", method: "GET", path: () => "/api/events/stream" },
      { need: "read", method: "GET", path: () => "/api/timeline" },
      { need: "read", method: "GET", path: () => "/api/connections" },
      { need: "read", method: "GET", path: () => `/api/connections/${shared}` },
      { need: "read", method: "GET", path: () => "/api/teams" },
      {
        need: "write",
        method: "POST",
        path: () => "/api/connections",
        body: () => ({ connector: "fake", name: `New ${++n}`, config: { token: "x", repos: "a" } }),
      },
      {
        need: "write",
        method: "PUT",
        path: async () => `/api/connections/${await newConnection()}`,
        body: () => ({ enabled: false }),
      },
      { need: "write", method: "DELETE", path: async () => `/api/connections/${await newConnection()}` },
      { need: "write", method: "POST", path: () => `/api/connections/${shared}/sync` },
      {
        need: "write",
        method: "POST",
        path: () => "/api/connections/test",
        body: () => ({ connector: "fake", config: { token: "x", repos: "a" } }),
      },
      {
        need: "write",
        method: "POST",
        path: () => "/api/teams",
        body: () => ({ name: `T${++n}`, tags: ["a"] }),
      },
      {
        need: "write",
        method: "PUT",
        path: async () => `/api/teams/${await newTeam()}`,
        body: () => ({ name: "R", tags: ["b"] }),
      },
      { need: "write", method: "DELETE", path: async () => `/api/teams/${await newTeam()}` },
      {
        need: "ingest",
        method: "POST",
        path: () => "/api/changes",
        body: () => ({ title: `Deploy ${++n}` }),
      },
      { need: "admin", method: "GET", path: () => "/api/keys" },
      {
        need: "admin",
        method: "POST",
        path: () => "/api/keys",
        body: () => ({ name: "x", scopes: ["read"] }),
      },
      { need: "admin", method: "DELETE", path: async () => `/api/keys/${await newKey()}` },
      {
        need: "signature",
        method: "POST",
        path: () => `/api/webhooks/github/${shared}`,
        body: () => ({ zen: "x" }),
      },
      { need: "signature", method: "POST", path: () => `/api/webhooks/gitlab/${shared}`, body: () => ({}) },
    ];

    let calls = 0;
    for (const r of routes) {
      await t.step(`${r.method} ${await r.path()} needs ${r.need}`, async () => {
        for (const who of CALLERS) {
          const path = await r.path();
          const headers = new Headers();
          if (tokens[who]) headers.set("authorization", `Bearer ${tokens[who]}`);
          if (r.body) headers.set("content-type", "application/json");
          const ac = new AbortController();
          const res = await pl.raw.request(path, {
            method: r.method,
            headers,
            signal: ac.signal,
            ...(r.body ? { body: JSON.stringify(r.body()) } : {}),
          });
          const want = EXPECT[r.need][who];
          const body = path.endsWith("/stream") && res.ok ? "(stream)" : await res.text();
          ac.abort();
          await res.body?.cancel().catch(() => {});
          calls++;
          if (want === "ok") {
            assert.ok(res.status >= 200 && res.status < 300, `${who}: ${res.status} ${body}`);
          } else {
            assert.equal(res.status, want, `${who}: ${res.status} ${body}`);
            if (want === 401) assert.match(res.headers.get("www-authenticate") ?? "", /Bearer/);
          }
        }
      });
    }
    await t.step(`${calls} calls made (${routes.length} routes × ${CALLERS.length} callers)`, () => {
      assert.equal(calls, routes.length * CALLERS.length);
    });

    await t.step(
      "a wrong token, a malformed header and a revoked key are 401, even on public reads",
      async () => {
        for (const h of ["Bearer nope-nope-nope", "Basic abc", "Bearer pck_aaaaaaaaaaaa_wrong"]) {
          const res = await pl.raw.request("/api/events", { headers: { authorization: h } });
          assert.equal(res.status, 401, h);
        }
        const key = await makeKey(["read"]);
        const id = key.slice(4, 16);
        assert.equal(
          (await pl.raw.request("/api/events", { headers: { authorization: `Bearer ${key}` } })).status,
          200,
        );
        assert.equal((await admin(`/api/keys/${id}`, { method: "DELETE" })).status, 204);
        assert.equal(
          (await pl.raw.request("/api/events", { headers: { authorization: `Bearer ${key}` } })).status,
          401,
        );
        // A key with the right id and a wrong secret is refused as well.
        const forged = `${key.slice(0, 17)}${"A".repeat(key.length - 17)}`;
        assert.equal(
          (await pl.raw.request("/api/events", { headers: { authorization: `Bearer ${forged}` } })).status,
          401,
        );
      },
    );

    await t.step("keys are stored hashed: the KV value holds no key secret", async () => {
      const created = await (await admin("/api/keys", json("POST", { name: "hash-check", scopes: ["read"] })))
        .json();
      const raw = new TextDecoder().decode((await pl.tn.buckets.apiKeys.get(created.id))!.value);
      assert.ok(!raw.includes(created.key.slice(17)), raw);
      const listed = await (await admin("/api/keys")).text();
      assert.ok(!listed.includes(created.key.slice(17)) && !listed.includes(`"hash"`), listed);
    });
  } finally {
    await pl.close();
  }
});

Deno.test("UI sessions: HttpOnly cookie, revocation, cross-site refusal, sign-in rate limit", async (t) => {
  const pl = await startPipeline();
  try {
    const signIn = async (token: string) => {
      const res = await pl.raw.request("http://gw.test/api/auth/session", json("POST", { token }));
      const setCookie = res.headers.get("set-cookie") ?? "";
      return { res, setCookie, cookie: setCookie.split(";")[0]! };
    };

    await t.step("signing in with the admin token sets an HttpOnly, SameSite=Strict cookie", async () => {
      const { res, setCookie, cookie } = await signIn(TEST_ADMIN_TOKEN);
      assert.equal(res.status, 200);
      assert.match(setCookie, /HttpOnly/i);
      assert.match(setCookie, /SameSite=Strict/i);
      assert.ok(!setCookie.includes(TEST_ADMIN_TOKEN));
      const me = await (await pl.raw.request("/api/auth/me", { headers: { cookie } })).json();
      assert.equal(me.principal.kind, "admin");
      assert.equal((await pl.raw.request("/api/connections", { headers: { cookie } })).status, 200);
      // Same-origin writes work with the cookie; cross-site ones are refused.
      const ok = await pl.raw.request(
        "http://gw.test/api/teams",
        json("POST", { name: "Cookie team", tags: ["a"] }, { cookie, origin: "http://gw.test" }),
      );
      assert.equal(ok.status, 201);
      const evil = await pl.raw.request(
        "http://gw.test/api/teams",
        json("POST", { name: "Evil team", tags: ["a"] }, { cookie, origin: "https://evil.example" }),
      );
      assert.equal(evil.status, 403);
      const evil2 = await pl.raw.request(
        "http://gw.test/api/teams",
        json("POST", { name: "Evil team", tags: ["a"] }, { cookie, "sec-fetch-site": "cross-site" }),
      );
      assert.equal(evil2.status, 403);
      // Signing out ends the session.
      assert.equal(
        (await pl.raw.request("/api/auth/session", { method: "DELETE", headers: { cookie } })).status,
        204,
      );
      assert.equal((await pl.raw.request("/api/connections", { headers: { cookie } })).status, 401);
    });

    await t.step("a session made with a key ends when the key is revoked", async () => {
      const k = await (await pl.app.request("/api/keys", json("POST", { name: "viewer", scopes: ["read"] })))
        .json();
      const { cookie } = await signIn(k.key);
      assert.equal((await pl.raw.request("/api/events", { headers: { cookie } })).status, 200);
      // Read scope only: writes through the session are 403.
      const w = await pl.raw.request(
        "http://gw.test/api/teams",
        json("POST", { name: "No", tags: ["a"] }, { cookie }),
      );
      assert.equal(w.status, 403);
      await pl.app.request(`/api/keys/${k.id}`, { method: "DELETE" });
      assert.equal((await pl.raw.request("/api/events", { headers: { cookie } })).status, 401);
      // A stale cookie does not block the public routes (the sign-in page still loads).
      const me = await pl.raw.request("/api/auth/me", { headers: { cookie } });
      assert.equal(me.status, 200);
      assert.equal((await me.json()).authenticated, false);
    });

    await t.step("a wrong token cannot sign in; repeated tries are rate limited (429)", async () => {
      const statuses: number[] = [];
      for (let i = 0; i < 15; i++) statuses.push((await signIn(`wrong-${i}-0123456789abcdef`)).res.status);
      assert.ok(statuses.slice(0, 5).every((s) => s === 401), statuses.join());
      assert.ok(statuses.includes(429), statuses.join());
    });
  } finally {
    await pl.close();
  }
});

Deno.test("public-read mode: reads without credentials, writes still need them", async () => {
  const { db, tn, sql } = await migratedEnv(2);
  const { raw, hub } = testGateway(sql, tn, { publicRead: true });
  try {
    assert.equal((await raw.request("/api/events")).status, 200);
    assert.equal((await raw.request("/api/connectors/metadata")).status, 200);
    assert.equal((await raw.request("/api/keys")).status, 401);
    const res = await raw.request("/api/teams", json("POST", { name: "x", tags: ["y"] }));
    assert.equal(res.status, 401);
    assert.equal((await (await raw.request("/api/auth/me")).json()).publicRead, true);
  } finally {
    hub.close();
    await sql.end();
    await tn.cleanup();
    await db.drop();
  }
});
