/**
 * The seed's promise, literally: add a connector by creating a folder with metadata.json, a logo and a poll
 * function (here: a copy of connectors/_template), and it appears in /api/connectors/metadata, its logo is served,
 * Settings shows it with its logo and colour, and a connection made through the API produces events on the
 * dashboard — with no change anywhere else. Then the seed's "Test Your Connector" section, step by step.
 */
import assert from "node:assert/strict";
import {
  copy,
  createTestDb,
  haveTool,
  json,
  randomSuffix,
  ROOT,
  serviceTest,
  skipWithout,
  startStack,
  waitFor,
} from "@painchain/testing";
import { launchBrowser } from "@painchain/testing/browser";

serviceTest("a new connector folder appears in the API and the UI with no other change", async (t) => {
  const id = `t${randomSuffix().slice(0, 8)}`;
  const folder = `${ROOT}connectors/${id}`;
  await copy(`${ROOT}connectors/_template`, folder);
  const meta = JSON.parse(await Deno.readTextFile(`${folder}/metadata.json`));
  await Deno.writeTextFile(
    `${folder}/metadata.json`,
    JSON.stringify({ ...meta, id, displayName: "Acme Changes", color: "#D946EF" }, null, 2),
  );
  // Its upstream: a tiny JSON API on loopback (allowed for this stack).
  const upstream = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen: () => {} }, () =>
    Response.json([
      {
        id: "u2",
        kind: "deploy",
        title: "Deploy checkout 2.0",
        at: new Date(Date.now() - 60_000).toISOString(),
        service: "checkout",
        environment: "production",
      },
      {
        id: "u1",
        kind: "config",
        title: "Raise checkout pool",
        at: new Date(Date.now() - 120_000).toISOString(),
      },
    ]));
  const db = await createTestDb();
  // `deno task start` finds the folder by itself.
  const stack = await startStack({ DATABASE_URL: db.url, PAINCHAIN_UPSTREAM_ALLOW: "127.0.0.1" });
  const curl = async (args: string[]) =>
    new TextDecoder().decode((await new Deno.Command("curl", { args: ["-sS", ...args] }).output()).stdout);
  try {
    await t.step("1. Backend test: curl /api/connectors/metadata (no token) returns it", async () => {
      const entry = await waitFor(
        async () => {
          const list = JSON.parse(await curl([`${stack.url}/api/connectors/metadata`])) as { id: string }[];
          return list.find((m) => m.id === id) as Record<string, unknown> | undefined;
        },
        60_000,
        "the new connector in the catalog",
      );
      assert.equal(entry.displayName, "Acme Changes");
      assert.equal(entry.color, "#D946EF");
      assert.ok(Array.isArray(entry.configSchema) && (entry.configSchema as unknown[]).length === 3);
    });
    await t.step("2. Logo test: curl .../logo --output test.png answers the logo", async () => {
      const dir = await Deno.makeTempDir();
      const code = await curl([
        "-w",
        "%{http_code} %{content_type}",
        `${stack.url}/api/connectors/${id}/logo`,
        "--output",
        `${dir}/test.png`,
      ]);
      assert.equal(code, "200 image/svg+xml");
      assert.match(await Deno.readTextFile(`${dir}/test.png`), /^<svg/);
    });
    await t.step("4. Integration test: a connection made through the API produces events", async () => {
      const res = await stack.api(
        "/api/connections",
        json("POST", {
          connector: id,
          name: "Acme",
          pollInterval: 30,
          config: { baseUrl: `http://127.0.0.1:${upstream.addr.port}` },
        }),
      );
      assert.equal(res.status, 201, await res.clone().text());
      const events = await waitFor(
        async () => {
          const list = (await (await stack.api(`/api/events?connector=${id}`)).json()).events;
          return list.length === 2 ? list : null;
        },
        30_000,
        "two events from the new connector",
      );
      const deploy = events.find((e: { title: string }) => e.title === "Deploy checkout 2.0");
      assert.equal(deploy.service, "checkout");
      assert.equal(deploy.environment, "production");
    });
    await t.step({
      name: "3. Frontend test: Settings shows it with its logo and colour; the dashboard shows its changes",
      ignore: !haveTool("chromium"),
      fn: async () => {
        const browser = await launchBrowser();
        try {
          const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
          page.setDefaultTimeout(15_000);
          await page.goto(`${stack.url}/`);
          await page.fill('input[name="token"]', stack.adminToken);
          await page.click('.sign-in-card button[type="submit"]');
          await page.waitForSelector("text=Deploy checkout 2.0");
          await page.goto(`${stack.url}/settings`);
          // The seed's generated colour classes: .source-color.<id> from metadata.json's colour.
          const section = page.locator(`section.connector.source-color.${id}`);
          await section.waitFor();
          assert.match(await section.innerText(), /Acme Changes/);
          assert.equal(await section.locator(`img[src="/api/connectors/${id}/logo"]`).count() > 0, true);
          const colour = await section.evaluate((el) => getComputedStyle(el).borderLeftColor);
          assert.equal(colour, "rgb(217, 70, 239)", "its own colour, from metadata.json");
        } finally {
          await browser.close();
        }
      },
    });
  } finally {
    await stack.stop();
    await upstream.shutdown();
    await db.drop();
    await Deno.remove(folder, { recursive: true });
  }
}, { ignore: skipWithout("curl") });
