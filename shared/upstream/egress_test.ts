import assert from "node:assert/strict";
import { egressFetch, egressPolicy, type StreamingInit } from "./egress.ts";
import { UpstreamError } from "./errors.ts";

const resolver = (table: Record<string, string[]>) => (host: string) =>
  Promise.resolve(table[host] ?? (/^[\d.:]+$/.test(host) ? [host] : []));

Deno.test("egressPolicy() refuses private, loopback and metadata addresses unless allowed", async (t) => {
  const none = egressPolicy("");
  await t.step("by default", () => {
    for (
      const ip of [
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",
        "::1",
        "fd00:ec2::254",
        "fe80::1",
        "0.0.0.0",
        "::ffff:127.0.0.1",
        "100.64.0.1",
      ]
    ) {
      assert.ok(none.check("h", [ip]), ip);
    }
    assert.equal(none.check("api.github.com", ["140.82.112.6"]), null);
  });
  await t.step("a CIDR or a host in PAINCHAIN_UPSTREAM_ALLOW opens it", () => {
    const p = egressPolicy("10.20.0.0/16, gitlab.internal, *.corp.example, 127.0.0.1");
    assert.equal(p.check("x", ["10.20.3.4"]), null);
    assert.ok(p.check("x", ["10.21.3.4"]));
    assert.equal(p.check("gitlab.internal", ["10.99.0.5"]), null);
    assert.equal(p.check("git.corp.example", ["192.168.5.5"]), null);
    assert.equal(p.check("localhost", ["127.0.0.1"]), null);
  });
  await t.step("an allowed name still never reaches link-local or metadata addresses", () => {
    const p = egressPolicy("evil.example");
    assert.ok(p.check("evil.example", ["169.254.169.254"]));
    assert.ok(p.check("evil.example", ["fd00:ec2::254"]));
    assert.equal(
      egressPolicy("169.254.169.254").check("x", ["169.254.169.254"]),
      null,
      "unless listed by address",
    );
  });
  await t.step("this machine's own addresses are refused too", () => {
    assert.ok(egressPolicy("", ["93.184.216.34"]).check("me", ["93.184.216.34"]));
    assert.equal(egressPolicy("", ["93.184.216.34"]).check("other", ["93.184.216.35"]), null);
  });
  await t.step("one bad address among many refuses the host", () => {
    assert.ok(none.check("mixed", ["140.82.112.6", "10.0.0.1"]));
  });
  await t.step("a malformed entry is a configuration error", () => {
    assert.throws(() => egressPolicy("10.0.0.0/99"), /not a valid CIDR/);
    assert.throws(() => egressPolicy("bad host!"), /not a host/);
  });
});

Deno.test("egressFetch() checks every hop and drops credentials across origins", async (t) => {
  const calls: { url: string; auth: string | null }[] = [];
  const base: typeof fetch = (input, init) => {
    const url = String(input);
    calls.push({ url, auth: new Headers(init?.headers).get("authorization") });
    if (url === "https://api.example.com/start") {
      return Promise.resolve(
        new Response(null, { status: 302, headers: { location: "https://cdn.example.net/next" } }),
      );
    }
    if (url === "https://api.example.com/meta") {
      return Promise.resolve(
        new Response(null, { status: 301, headers: { location: "http://169.254.169.254/latest" } }),
      );
    }
    return Promise.resolve(new Response("ok"));
  };
  const f = egressFetch(
    egressPolicy(""),
    base,
    resolver({
      "api.example.com": ["93.184.216.34"],
      "cdn.example.net": ["93.184.216.35"],
      "internal.example": ["10.0.0.7"],
    }),
  );
  await t.step("a redirect to another origin is followed without the token", async () => {
    const res = await f("https://api.example.com/start", { headers: { authorization: "token s3cr3t" } });
    assert.equal(await res.text(), "ok");
    assert.deepEqual(calls.map((c) => c.auth), ["token s3cr3t", null]);
  });
  await t.step("a redirect to a metadata address is refused", async () => {
    const err = await f("https://api.example.com/meta").catch((e) => e);
    assert.ok(err instanceof UpstreamError && err.kind === "policy", String(err));
  });
  await t.step("a name that resolves to a private address is refused before any request", async () => {
    calls.length = 0;
    const err = await f("https://internal.example/x").catch((e) => e);
    assert.ok(err instanceof UpstreamError && err.kind === "policy");
    assert.match(err.message, /PAINCHAIN_UPSTREAM_ALLOW/);
    assert.equal(calls.length, 0);
  });
  await t.step("only http and https", async () => {
    await assert.rejects(() => f("file:///etc/passwd"), /not allowed/);
  });
});

Deno.test("egressFetch() bounds a response body; a stream asked for as one is not bounded", async (t) => {
  // 64 chunks of 1 KiB, as an upstream that never stops would send them.
  const body = () =>
    new ReadableStream<Uint8Array>({
      start(ctl) {
        for (let i = 0; i < 64; i++) ctl.enqueue(new Uint8Array(1024).fill(120));
        ctl.close();
      },
    });
  const base: typeof fetch = () => Promise.resolve(new Response(body(), { status: 200 }));
  const f = egressFetch(
    egressPolicy(""),
    base,
    resolver({ "api.example.com": ["93.184.216.34"] }),
    16 * 1024,
  );
  await t.step("over the limit, reading the body fails with a short reason", async () => {
    const res = await f("https://api.example.com/huge");
    assert.equal(res.status, 200);
    assert.equal(res.url, "", "the url is kept as the upstream response had it");
    const err = await res.text().catch((e) => e);
    assert.ok(err instanceof UpstreamError && err.kind === "policy", String(err));
    assert.match(err.message, /larger than .* MiB \(api\.example\.com\)/);
  });
  await t.step("within the limit, the body is whole", async () => {
    const small = egressFetch(egressPolicy(""), base, resolver({ "api.example.com": ["93.184.216.34"] }));
    assert.equal((await (await small("https://api.example.com/ok")).text()).length, 64 * 1024);
  });
  await t.step("a stream (a Kubernetes watch) is left to bound its own lines", async () => {
    const res = await f("https://api.example.com/watch", { stream: true } as StreamingInit);
    assert.equal((await res.text()).length, 64 * 1024);
  });
});
