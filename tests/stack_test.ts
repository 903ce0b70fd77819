/**
 * The whole stack started by `deno task start`, checked the way the seed's "Test Your Connector" section does,
 * plus the audit trail, secrets and live stream.
 */
import assert from "node:assert/strict";
import { destroyAll, names, openNats } from "@painchain/shared/internal";
import {
  createTestDb,
  freePort,
  json,
  NATS_URL,
  ROOT,
  serviceTest,
  skipWithout,
  startFakeConnector,
  startStack,
  waitFor,
} from "@painchain/testing";
import postgres from "postgres";
import { sign } from "@octokit/webhooks-methods";

/** The processes of a stack (found by its prefix in their environment): service name, pid, args, environment. */
function stackProcesses(prefix: string) {
  const out: { pid: number; service: string; args: string[]; env: string[] }[] = [];
  for (const e of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(e.name)) continue;
    try {
      const env = Deno.readTextFileSync(`/proc/${e.name}/environ`).split("\0");
      if (!env.includes(`PAINCHAIN_PREFIX=${prefix}`)) continue;
      const args = Deno.readTextFileSync(`/proc/${e.name}/cmdline`).split("\0").filter(Boolean);
      const entry = args.find((a) => /(store|gateway|connectors\/[^/]+)\/main\.ts$/.test(a));
      if (!entry) continue;
      const service = entry.replace(/^connectors\//, "").replace(/\/main\.ts$/, "");
      out.push({ pid: Number(e.name), service, args, env });
    } catch { /* gone, or not ours */ }
  }
  return out;
}

async function curl(args: string[]): Promise<{ code: number; stdout: string }> {
  const out = await new Deno.Command("curl", { args: ["-sS", ...args], cwd: Deno.makeTempDirSync() })
    .output();
  return { code: out.code, stdout: new TextDecoder().decode(out.stdout) };
}

Deno.test({
  name: "deno task start runs the stack",
  // The seed's checks are curl commands, run as written.
  ignore: skipWithout("curl"),
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async (t) => {
    const db = await createTestDb();
    const canary = `s3cr3t-canary-${crypto.randomUUID()}`;
    // What an upstream answers in its error bodies: it must reach no API answer, status or log either.
    const bodyCanary = `upstream-body-canary-${crypto.randomUUID()}`;
    const stack = await startStack({
      DATABASE_URL: db.url,
      // The test's own upstreams listen on loopback, which the egress policy refuses unless allowed.
      PAINCHAIN_UPSTREAM_ALLOW: "127.0.0.1",
      // A secret given as a reference (config as code): its value is a canary too.
      CONNECTION_SECRET_STACK_CANARY: canary,
    });
    const fake = startFakeConnector(stack);
    const auth = ["-H", `Authorization: Bearer ${stack.adminToken}`];
    const cleanups: (() => Promise<void>)[] = [];
    try {
      await t.step(
        "without a token the data API answers 401; health and the seed's catalog stay public",
        async () => {
          const r = await curl(["-w", "%{http_code}", "-o", "/dev/null", `${stack.url}/api/events`]);
          assert.equal(r.stdout, "401");
          const h = await curl(["-w", "%{http_code}", "-o", "/dev/null", `${stack.url}/api/health`]);
          assert.equal(h.stdout, "200");
        },
      );

      await t.step("the seed's curl checks work as written, with no token", async () => {
        // curl http://localhost:8000/api/connectors/metadata
        const list = await waitFor(
          async () => {
            const l = JSON.parse((await curl([`${stack.url}/api/connectors/metadata`])).stdout) as Record<
              string,
              unknown
            >[];
            return l.some((m) => m.id === "painchain") ? l : null;
          },
          30_000,
          "the public catalog",
        );
        const pc = list.find((m) => m.id === "painchain")!;
        assert.deepEqual(
          Object.keys(pc).sort(),
          ["color", "configSchema", "description", "displayName", "eventTypes", "id", "logo", "logoUrl"],
          "the seed's fields plus the form and panels; no status, replicas or errors",
        );
        // curl http://localhost:8000/api/connectors/painchain/logo --output test.png
        const dir = await Deno.makeTempDir();
        const logo = await curl([
          "-w",
          "%{http_code} %{content_type}",
          `${stack.url}/api/connectors/painchain/logo`,
          "--output",
          `${dir}/test.png`,
        ]);
        assert.equal(logo.stdout, "200 image/svg+xml");
      });

      await t.step(
        "curl /api/connectors/metadata lists painchain with its colour and description",
        async () => {
          const list = await waitFor(
            async () => {
              const r = await curl([...auth, `${stack.url}/api/connectors/metadata`]);
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
          ...auth,
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
          const res = await stack.api(
            `/api/connections`,
            json("POST", {
              connector: "fakesource",
              name: "Stack test",
              tags: ["prod"],
              config: { token: canary },
            }),
          );
          assert.equal(res.status, 201, await res.clone().text());
          id = (await res.json()).id;
          const ev = await waitFor(
            async () => {
              const body =
                await (await stack.api(`/api/events?connector=painchain&eventType=ConnectorCreated`))
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
        assert.match(raw, /"token":"enc:v2:/);
      });

      await t.step("a GET of that connection never shows the secret", async () => {
        const body = await (await stack.api(`/api/connections/${id}`)).text();
        assert.equal(body.includes(canary), false);
        assert.deepEqual(JSON.parse(body).secrets, { token: "set" });
      });

      await t.step("the new connection is polled and its changes reach /api/events", async () => {
        const e = await waitFor(
          async () => {
            const r = await (await stack.api(`/api/events?connector=fakesource`)).json();
            return r.events[0];
          },
          20_000,
          "fakesource events",
        );
        assert.match(e.title, /Fake deploy #\d+ of Stack test/);
        assert.deepEqual(e.tags, ["prod"]);
      });

      await t.step("sync now reaches the replica that holds the connection", async () => {
        const res = await stack.api(`/api/connections/${id}/sync`, { method: "POST" });
        assert.equal(res.status, 202, await res.clone().text());
      });

      await t.step("the SSE stream delivers stored changes live", async () => {
        const ac = new AbortController();
        const res = await stack.api(`/api/events/stream?connector=painchain`, { signal: ac.signal });
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
        await stack.api(`/api/connections/${id}`, json("PUT", { enabled: false })).then((r) =>
          r.body?.cancel()
        );
        const deadline = Date.now() + 10_000;
        while (!text.includes("ConnectorDisabled") && Date.now() < deadline) {
          text += (await reader.read()).value ?? "";
        }
        ac.abort();
        await reader.cancel().catch(() => {});
        assert.match(text, /event: change/);
        assert.match(text, /ConnectorDisabled/);
      });

      await t.step(
        "a deploy posted with curl and an ingest key appears in /api/events within 2 s",
        async () => {
          const key =
            await (await stack.api("/api/keys", json("POST", { name: "deploy script", scopes: ["ingest"] })))
              .json();
          const t0 = performance.now();
          const r = await curl([
            "-X",
            "POST",
            "-H",
            `Authorization: Bearer ${key.key}`,
            "-H",
            "Content-Type: application/json",
            "-d",
            JSON.stringify({
              title: "Deploy payments v1.4.2",
              service: "payments",
              environment: "production",
              status: "success",
              url: "https://ci.example.com/runs/812",
            }),
            "-w",
            "\n%{http_code}",
            `${stack.url}/api/changes`,
          ]);
          const [body, code] = r.stdout.split("\n");
          assert.equal(code, "202", r.stdout);
          const posted = JSON.parse(body!);
          const seen = await waitFor(
            async () => {
              const list = await (await stack.api("/api/events?connector=custom")).json();
              return list.events.find((e: { id: string }) => e.id === posted.id);
            },
            5_000,
            "the posted deploy",
          );
          const ms = performance.now() - t0;
          assert.ok(ms < 2_000, `visible after ${ms.toFixed(0)} ms`);
          assert.equal(seen.title, "Deploy payments v1.4.2");
          assert.ok(seen.tags.includes("production"));
          // The ingest key may post but not read.
          const read = await curl([
            "-H",
            `Authorization: Bearer ${key.key}`,
            "-w",
            "%{http_code}",
            "-o",
            "/dev/null",
            `${stack.url}/api/events`,
          ]);
          assert.equal(read.stdout, "403");
        },
      );

      let ghId = "";
      await t.step(
        "a GitHub connection with the canary as token and webhook secret is polled, tested and hooked",
        async () => {
          const refusing = Deno.serve(
            { port: 0, hostname: "127.0.0.1", onListen: () => {} },
            () => Response.json({ message: `Bad credentials ${bodyCanary}` }, { status: 401 }),
          );
          cleanups.push(() => refusing.shutdown());
          const upstream = `http://127.0.0.1:${refusing.addr.port}`;
          const examples = JSON.parse(
            await Deno.readTextFile(
              `${ROOT}node_modules/@octokit/webhooks-examples/api.github.com/index.json`,
            ),
          );
          const payload = examples.find((e: { name: string }) => e.name === "pull_request").examples[0];
          // Webhooks are taken only for repositories the connection tracks: the payload's.
          const repo = payload.repository.full_name as string;
          const res = await stack.api(
            "/api/connections",
            json("POST", {
              connector: "github",
              name: "Canary GitHub",
              pollInterval: 60,
              // Nothing listens on port 9: every poll and test fails, and their errors are logged and shown.
              config: {
                token: canary,
                webhookSecret: canary,
                repositories: [repo],
                baseUrl: upstream,
              },
            }),
          );
          assert.equal(res.status, 201, await res.clone().text());
          ghId = (await res.json()).id;
          const tested = await (await stack.api(
            "/api/connections/test",
            json("POST", {
              connector: "github",
              id: ghId,
              config: { repositories: [repo], baseUrl: upstream },
            }),
          )).json();
          assert.equal(tested.ok, false);
          await waitFor(
            async () => {
              const meta = await (await stack.api("/api/connectors/metadata")).json();
              const gh = meta.find((m: { id: string }) => m.id === "github");
              return gh?.instances.some((
                i: { connections: { connectionId: string; lastError: string | null }[] },
              ) => i.connections.some((c) => c.connectionId === ghId && c.lastError));
            },
            30_000,
            "a failed poll of the canary connection",
          );
          const raw = JSON.stringify(payload);
          const hook = await fetch(`${stack.url}/api/webhooks/github/${ghId}`, {
            method: "POST",
            headers: {
              "content-type": "application/json",
              "x-github-event": "pull_request",
              "x-github-delivery": crypto.randomUUID(),
              "x-hub-signature-256": await sign(canary, raw),
            },
            body: raw,
          });
          assert.equal(hook.status, 202, await hook.text());
          await waitFor(
            async () => {
              const list = await (await stack.api(`/api/events?connector=github`)).json();
              return list.events.some((e: { id: string }) =>
                e.id === `github-pull_request-${payload.pull_request.id}`
              );
            },
            20_000,
            "the webhook's pull request",
          );
          // The same canary as a pasted kubeconfig's token, and as the value of an admin's env: reference.
          const kubeconfig = [
            "apiVersion: v1",
            `clusters: [{name: c, cluster: {server: '${upstream}'}}]`,
            `users: [{name: u, user: {token: ${canary}}}]`,
            "contexts: [{name: x, context: {cluster: c, user: u}}]",
            "current-context: x",
          ].join("\n");
          for (
            const body of [
              { connector: "kubernetes", name: "Canary cluster", config: { auth: "kubeconfig", kubeconfig } },
              {
                connector: "github",
                name: "Canary by reference",
                config: {
                  token: "env:CONNECTION_SECRET_STACK_CANARY",
                  repositories: ["octo/app"],
                  baseUrl: upstream,
                },
              },
            ]
          ) {
            const made = await stack.api("/api/connections", json("POST", { ...body, pollInterval: 60 }));
            assert.equal(made.status, 201, await made.clone().text());
            const { id: madeId } = await made.json();
            await waitFor(
              async () => {
                const meta = await (await stack.api("/api/connectors/metadata")).json();
                return meta.some((
                  m: { instances: { connections: { connectionId: string; lastError: string | null }[] }[] },
                ) =>
                  m.instances.some((i) => i.connections.some((c) => c.connectionId === madeId && c.lastError))
                );
              },
              30_000,
              `a failed poll of ${body.name}`,
            );
          }
        },
      );

      await t.step(
        "the canary is nowhere: API responses, logs, NATS messages and KV values, Postgres rows",
        async () => {
          const found: string[] = [];
          for (
            const path of [
              "/api/connections",
              `/api/connections/${id}`,
              `/api/connections/${ghId}`,
              "/api/connectors/metadata",
              "/api/events?limit=500",
              "/api/events?connector=painchain&limit=500",
              "/api/keys",
              "/api/teams",
            ]
          ) {
            for (const c of [canary, bodyCanary]) {
              if ((await (await stack.api(path)).text()).includes(c)) found.push(`API ${path}`);
            }
          }
          // The status a read key sees, errors included.
          const reader =
            await (await stack.api("/api/keys", json("POST", { name: "canary reader", scopes: ["read"] })))
              .json();
          const seenByReader = await (await fetch(`${stack.url}/api/connectors/metadata`, {
            headers: { authorization: `Bearer ${reader.key}` },
          })).text();
          assert.match(seenByReader, /HTTP 401 Unauthorized/, "the read key sees the connections' errors");
          for (const c of [canary, bodyCanary]) {
            if (seenByReader.includes(c)) found.push("status seen by a read key");
          }
          for (const c of [canary, bodyCanary]) {
            if (stack.proc.output().includes(c)) found.push("stack logs");
            if (fake.output().includes(c)) found.push("fake connector logs");
          }
          // Every message of every stream of this prefix, KV buckets included, read raw.
          const nats = await openNats(NATS_URL, "canary-scan");
          const upper = stack.prefix.toUpperCase();
          let scanned = 0;
          for await (const si of nats.jsm.streams.list()) {
            const name = si.config.name;
            if (!name.startsWith(`${upper}_`) && !name.startsWith(`KV_${stack.prefix}_`)) continue;
            for (let seq = si.state.first_seq; seq <= si.state.last_seq && si.state.messages > 0; seq++) {
              const m = await nats.jsm.streams.getMessage(name, { seq }).catch(() => null);
              if (!m) continue;
              scanned++;
              const text = new TextDecoder().decode(m.data) + JSON.stringify(m.header ?? {});
              if (text.includes(canary) || text.includes(bodyCanary)) {
                found.push(`NATS ${name} #${seq} ${m.subject}`);
              }
            }
          }
          await nats.nc.close();
          assert.ok(scanned > 20, `only ${scanned} NATS messages scanned`);
          const pg = postgres(db.url, { max: 1, onnotice: () => {} });
          const tables = await pg`SELECT tablename FROM pg_tables WHERE schemaname = 'public'`;
          for (const { tablename } of tables) {
            const [hit] = await pg.unsafe(
              `SELECT count(*)::int AS n FROM "${tablename}" t WHERE t::text LIKE $1 OR t::text LIKE $2`,
              [`%${canary}%`, `%${bodyCanary}%`],
            );
            if (hit!.n > 0) found.push(`Postgres ${tablename}`);
          }
          await pg.end();
          assert.deepEqual(found, []);
        },
      );

      await t.step(
        "each process holds only its own variables: no connector has the admin token or database URL",
        () => {
          const procs = stackProcesses(stack.prefix);
          const services = new Set(procs.map((p) => p.service));
          for (const s of ["store", "gateway", "github", "gitlab", "kubernetes", "painchain"]) {
            assert.ok(services.has(s), `${s} runs (${[...services]})`);
          }
          for (const p of procs) {
            const has = (k: string) => p.env.some((e) => e.startsWith(`${k}=`));
            if (p.service !== "gateway") {
              assert.ok(!has("PAINCHAIN_ADMIN_TOKEN"), `${p.service} holds the admin token`);
            }
            if (p.service !== "gateway" && p.service !== "store") {
              assert.ok(!has("DATABASE_URL"), `${p.service} holds the database URL`);
            }
            if (p.service === "store") {
              assert.ok(!has("PAINCHAIN_SECRET_KEY"), "the store holds the secret key");
            }
            assert.ok(!p.args.includes("-A") && !p.args.includes("--allow-all"), `${p.service} runs with -A`);
            assert.ok(p.args.some((a) => a.startsWith("--allow-env=")), `${p.service} may read any variable`);
            assert.ok(p.args.some((a) => a.startsWith("--allow-read=")), `${p.service} may read any file`);
          }
        },
      );

      await t.step("a connector killed with kill -9 is restarted, as compose would", async () => {
        const victim = stackProcesses(stack.prefix).find((p) => p.service === "gitlab")!;
        Deno.kill(victim.pid, "SIGKILL");
        const back = await waitFor(
          () => stackProcesses(stack.prefix).find((p) => p.service === "gitlab" && p.pid !== victim.pid),
          15_000,
          "a new gitlab process",
        );
        assert.ok(back.pid !== victim.pid);
        assert.match(stack.proc.output(), /gitlab exited \(code \d+\); restarting in \d+ s/);
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
      for (const c of cleanups) await c();
      await fake.stop();
      await stack.stop();
      const nats = await openNats(NATS_URL, "cleanup");
      await destroyAll(nats.jsm, names(stack.prefix));
      await nats.nc.close();
      await db.drop();
    }
  },
});

serviceTest("deno task start without DATABASE_URL uses embedded Postgres under .data/", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "painchain-data-" });
  const pglitePort = String(freePort());
  const env = Deno.env.toObject();
  delete env.DATABASE_URL;
  const stack = await startStack({ ...env, PAINCHAIN_DATA_DIR: dataDir, PGLITE_PORT: pglitePort });
  try {
    const res = await stack.api(`/api/connections`, json("POST", { connector: "painchain", name: "x" }));
    assert.equal(res.status, 400, "painchain takes no connections");
    await res.body?.cancel();
    // PGlite runs one query at a time, so health may read "degraded" for a moment while migrations run.
    const health = await waitFor(
      async () => {
        const h = await (await stack.api(`/api/health`)).json();
        return h.status === "ok" ? h : null;
      },
      30_000,
      "embedded Postgres healthy",
    );
    assert.deepEqual(health, { status: "ok", nats: "ok", postgres: "ok" });
    // The events table exists and answers in the embedded database.
    const events = await waitFor(
      async () => {
        const res = await stack.api(`/api/events`);
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
});
