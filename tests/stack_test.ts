/**
 * The whole stack started by `deno task start`, checked the way the seed's "Test Your Connector" section does,
 * plus the audit trail, secrets and live stream.
 */
import assert from "node:assert/strict";
import { destroyAll, names, openNats } from "@painchain/shared";
import { createTestDb, NATS_URL, waitFor } from "./helpers.ts";
import { freePort, ROOT, startFakeConnector, startStack } from "./stack.ts";

async function curl(args: string[]): Promise<{ code: number; stdout: string }> {
  const out = await new Deno.Command("curl", { args: ["-sS", ...args], cwd: Deno.makeTempDirSync() })
    .output();
  return { code: out.code, stdout: new TextDecoder().decode(out.stdout) };
}

Deno.test({
  name: "deno task start runs the stack",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async (t) => {
    const db = await createTestDb();
    const stack = await startStack({ DATABASE_URL: db.url });
    const fake = startFakeConnector(stack);
    const canary = `s3cr3t-canary-${crypto.randomUUID()}`;
    try {
      await t.step(
        "curl /api/connectors/metadata lists painchain with its colour and description",
        async () => {
          const list = await waitFor(
            async () => {
              const r = await curl([`${stack.url}/api/connectors/metadata`]);
              const l = JSON.parse(r.stdout) as { id: string }[];
              return l.some((m) => m.id === "painchain") && l.some((m) => m.id === "fakesource") ? l : null;
            },
            30_000,
            "connectors registered",
          );
          const pc = list.find((m) => m.id === "painchain") as Record<string, unknown>;
          assert.equal(pc.color, "#9f7aea");
          assert.equal(pc.displayName, "PainChain");
          assert.match(String(pc.description), /Audit trail/);
          assert.equal(pc.status, "up");
        },
      );

      await t.step("curl /api/connectors/painchain/logo --output x yields a valid image", async () => {
        const dir = await Deno.makeTempDir();
        const r = await curl([
          "-w",
          "%{http_code} %{content_type}",
          `${stack.url}/api/connectors/painchain/logo`,
          "--output",
          `${dir}/x`,
        ]);
        assert.equal(r.stdout, "200 image/svg+xml");
        const svg = await Deno.readTextFile(`${dir}/x`);
        assert.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"[^>]*viewBox="0 0 64 64"/);
        assert.match(svg.trim(), /<\/svg>$/);
      });

      let id = "";
      await t.step(
        "creating a connection produces a ConnectorCreated event with the secret redacted",
        async () => {
          const res = await fetch(`${stack.url}/api/connections`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({
              connector: "fakesource",
              name: "Stack test",
              tags: ["prod"],
              config: { token: canary },
            }),
          });
          assert.equal(res.status, 201, await res.clone().text());
          id = (await res.json()).id;
          const ev = await waitFor(
            async () => {
              const body =
                await (await fetch(`${stack.url}/api/events?connector=painchain&eventType=ConnectorCreated`))
                  .text();
              assert.equal(body.includes(canary), false, "the secret never reaches the events API");
              return (JSON.parse(body).events as { metadata: { connectionId: string } }[])
                .find((e) => e.metadata.connectionId === id);
            },
            20_000,
            "ConnectorCreated event",
          );
          assert.match(JSON.stringify(ev), /\[redacted\]/);
        },
      );

      await t.step("the secret is sealed at rest: the raw KV value holds no trace of it", async () => {
        const nats = await openNats(NATS_URL, "kv-check");
        const kv = await nats.js.views.kv(names(stack.prefix).connectionsBucket);
        const raw = new TextDecoder().decode((await kv.get(`fakesource.${id}`))!.value);
        await nats.nc.close();
        assert.equal(raw.includes(canary), false);
        assert.match(raw, /"token":"enc:v1:/);
      });

      await t.step("a GET of that connection never shows the secret", async () => {
        const body = await (await fetch(`${stack.url}/api/connections/${id}`)).text();
        assert.equal(body.includes(canary), false);
        assert.deepEqual(JSON.parse(body).secrets, { token: "set" });
      });

      await t.step("the new connection is polled and its changes reach /api/events", async () => {
        const e = await waitFor(
          async () => {
            const r = await (await fetch(`${stack.url}/api/events?connector=fakesource`)).json();
            return r.events[0];
          },
          20_000,
          "fakesource events",
        );
        assert.match(e.title, /Fake deploy #\d+ of Stack test/);
        assert.deepEqual(e.tags, ["prod"]);
      });

      await t.step("sync now reaches the replica that holds the connection", async () => {
        const res = await fetch(`${stack.url}/api/connections/${id}/sync`, { method: "POST" });
        assert.equal(res.status, 202, await res.clone().text());
      });

      await t.step("the SSE stream delivers stored changes live", async () => {
        const ac = new AbortController();
        const res = await fetch(`${stack.url}/api/events/stream?connector=painchain`, { signal: ac.signal });
        assert.equal(res.headers.get("content-type"), "text/event-stream");
        const raw = res.body!.getReader();
        const dec = new TextDecoder();
        const reader = {
          read: async () => ({
            value: dec.decode((await raw.read()).value ?? new Uint8Array(), { stream: true }),
          }),
          cancel: () => raw.cancel(),
        };
        let text = "";
        while (!text.includes("event: ready")) text += (await reader.read()).value ?? "";
        await fetch(`${stack.url}/api/connections/${id}`, {
          method: "PUT",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ enabled: false }),
        }).then((r) => r.body?.cancel());
        const deadline = Date.now() + 10_000;
        while (!text.includes("ConnectorDisabled") && Date.now() < deadline) {
          text += (await reader.read()).value ?? "";
        }
        ac.abort();
        await reader.cancel().catch(() => {});
        assert.match(text, /event: change/);
        assert.match(text, /ConnectorDisabled/);
      });

      await t.step("the dashboard is served", async () => {
        const html = await (await fetch(`${stack.url}/`)).text();
        assert.match(html, /<div id="app">/);
        const js = await fetch(`${stack.url}/app.js`);
        assert.equal(js.status, 200);
        await js.body?.cancel();
      });
    } catch (err) {
      throw new Error(`${(err as Error).message}\n--- stack output ---\n${stack.proc.output().slice(-6000)}`);
    } finally {
      await fake.stop();
      await stack.stop();
      const nats = await openNats(NATS_URL, "cleanup");
      await destroyAll(nats.jsm, names(stack.prefix));
      await nats.nc.close();
      await db.drop();
    }
  },
});

Deno.test({
  name: "deno task start without DATABASE_URL uses embedded Postgres under .data/",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const dataDir = await Deno.makeTempDir({ prefix: "painchain-data-" });
    const pglitePort = String(freePort());
    const env = Deno.env.toObject();
    delete env.DATABASE_URL;
    const stack = await startStack({ ...env, PAINCHAIN_DATA_DIR: dataDir, PGLITE_PORT: pglitePort });
    try {
      const res = await fetch(`${stack.url}/api/connections`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ connector: "painchain", name: "x" }),
      });
      assert.equal(res.status, 400, "painchain takes no connections");
      await res.body?.cancel();
      // PGlite runs one query at a time, so health may read "degraded" for a moment while migrations run.
      const health = await waitFor(
        async () => {
          const h = await (await fetch(`${stack.url}/api/health`)).json();
          return h.status === "ok" ? h : null;
        },
        30_000,
        "embedded Postgres healthy",
      );
      assert.deepEqual(health, { status: "ok", nats: "ok", postgres: "ok" });
      // The events table exists and answers in the embedded database.
      const events = await waitFor(
        async () => {
          const res = await fetch(`${stack.url}/api/events`);
          return res.ok ? await res.json() : (await res.body?.cancel(), null);
        },
        30_000,
        "events from the embedded database",
      );
      assert.ok(Array.isArray(events.events));
      assert.ok((await Deno.stat(`${dataDir}/pglite`)).isDirectory);
      assert.match(stack.proc.output(), /Embedded Postgres listening/);
    } finally {
      await stack.stop();
      const nats = await openNats(NATS_URL, "cleanup");
      await destroyAll(nats.jsm, names(stack.prefix));
      await nats.nc.close();
      await Deno.remove(dataDir, { recursive: true });
    }
    assert.ok(ROOT);
  },
});
