/**
 * The dashboard in Debian's Chromium (playwright-core), against the stack started by `deno task start` and a
 * connector that exists only in tests. Screenshots go to tests/screenshots/.
 */
import assert from "node:assert/strict";
import { cloudEventSchema } from "@painchain/shared/internal";
import { atWidths, browserTest, overflowsSideways, publishChanges, SHOTS } from "@painchain/testing/browser";
import { json, startFakeConnector, waitFor } from "@painchain/testing";

/** Changes that say where they happened; the staging deploy comes from a connection tagged prod. */
const PLACED = [
  event(3000, {
    connector: "gitlab",
    eventType: "deployment",
    title: "Deploy checkout to staging",
    subject: "acme/checkout@staging",
    service: "checkout",
    environment: "staging",
    tags: ["prod"],
    minutesAgo: 2,
  }),
  event(3001, {
    connector: "gitlab",
    eventType: "deployment",
    title: "Deploy payments to production",
    subject: "acme/payments@production",
    service: "payments",
    environment: "production",
    tags: ["prod"],
    minutesAgo: 3,
  }),
  event(3002, {
    connector: "github",
    eventType: "pull_request",
    title: "Bump the checkout image",
    subject: "acme/checkout#12",
    service: "checkout",
    minutesAgo: 4,
    metadata: {
      changes: [{
        field: "spec.template.spec.containers[checkout].image",
        before: "registry.example.com/acme/checkout:1.2.3",
        after: "registry.example.com/acme/checkout:1.2.4",
      }],
    },
  }),
];

/** The boxes of two elements do not overlap. */
function apart(a: { x: number; y: number; width: number; height: number }, b: typeof a): boolean {
  return a.x + a.width <= b.x + 0.5 || b.x + b.width <= a.x + 0.5 || a.y + a.height <= b.y + 0.5 ||
    b.y + b.height <= a.y + 0.5;
}

function event(
  i: number,
  over: {
    connector?: string;
    eventType?: string;
    title?: string;
    minutesAgo?: number;
    tags?: string[];
    subject?: string;
    service?: string;
    environment?: string;
    metadata?: Record<string, unknown>;
  } = {},
) {
  const connector = over.connector ?? (i % 2 ? "github" : "gitlab");
  const eventType = over.eventType ?? (connector === "github" ? "pull_request" : "pipeline");
  const time = new Date(Date.now() - (over.minutesAgo ?? (i * 7) % (23 * 60)) * 60_000).toISOString();
  return cloudEventSchema.parse({
    specversion: "1.0",
    id: `${connector}-${eventType}-ui${i}`,
    source: `/painchain/connectors/${connector}/connections/ui`,
    type: `dev.painchain.${connector}.${eventType}`,
    time,
    recordedtime: new Date().toISOString(),
    datacontenttype: "application/json",
    ...(over.subject ? { subject: over.subject } : {}),
    data: {
      title: over.title ?? `${connector === "github" ? "PR" : "Pipeline"} number ${i}`,
      author: ["alice", "bob"][i % 2],
      status: ["success", "failed", "merged"][i % 3],
      eventType,
      connector,
      connectionId: "ui",
      tags: over.tags ?? [i % 4 === 0 ? "prod" : "preprod"],
      service: over.service ?? "",
      environment: over.environment ?? "",
      metadata: over.metadata ?? { n: i },
    },
  });
}

browserTest(
  "dashboard in a browser",
  { viewport: { width: 1280, height: 800 }, failureShot: "failure" },
  async ({ stack, nats, n, page }, t) => {
    const fake = startFakeConnector(stack);
    let dialogs = 0;
    page.on("dialog", (d) => {
      dialogs++;
      void d.dismiss();
    });
    const canary = `s3cr3t-canary-${crypto.randomUUID()}`;
    /** How many changes the (virtualized) list holds, from its accessible label. */
    const cardCount = async () => Number((await page.getAttribute("ul.cards", "aria-label"))!.split(" ")[0]);
    try {
      await publishChanges(nats, n, Array.from({ length: 60 }, (_, i) => event(i)));
      await publishChanges(nats, n, [
        event(999, { connector: "github", title: "<img src=x onerror=alert(1)>", minutesAgo: 1 }),
        ...PLACED,
      ]);
      await waitFor(
        async () => (await (await stack.api(`/api/events?limit=500`)).json()).events.length >= 64,
        20_000,
        "seeded events",
      );
      await waitFor(
        async () =>
          (await (await stack.api(`/api/connectors/metadata`)).json()).some((m: { id: string }) =>
            m.id === "fakesource"
          ),
        20_000,
        "fakesource registered",
      );

      await t.step(
        "an unsigned visitor sees the sign-in; a wrong token is refused; the admin token signs in",
        async () => {
          await page.goto(`${stack.url}/?range=24h`);
          await page.waitForSelector(".sign-in-card");
          assert.equal(await page.locator(".card").count(), 0, "no changes shown before signing in");
          await page.fill('input[name="token"]', "not-the-token-at-all");
          await page.click('.sign-in-card button[type="submit"]');
          await page.waitForSelector(".sign-in-card .error");
          await page.screenshot({ path: `${SHOTS}/sign-in.png` });
          const card = (await page.locator(".sign-in-card").textContent())!;
          assert.match(card, /\.data\/admin\.token/, "says where deno task start keeps the token");
          assert.match(card, /PAINCHAIN_ADMIN_TOKEN/);
          await page.waitForFunction(() =>
            [...document.querySelectorAll<HTMLImageElement>(".source-logos img")].some((i) =>
              i.naturalWidth > 0
            )
          );
          assert.ok(
            (await page.locator(".source-logos li").allTextContents()).includes("Fake Source"),
            "the connectors' logos and names come from the public catalog",
          );
          await atWidths(page, async (w) => {
            assert.ok(!(await overflowsSideways(page)), `sign-in fits ${w} px`);
            await page.screenshot({ path: `${SHOTS}/sign-in-${w}.png` });
          });
          await page.fill('input[name="token"]', stack.adminToken);
          await page.click('.sign-in-card button[type="submit"]');
          await page.waitForSelector(".card");
          const cookies = await page.context().cookies();
          const session = cookies.find((c) => c.name === "painchain_session");
          assert.ok(session?.httpOnly, "the session cookie is HttpOnly");
          assert.equal(await page.evaluate(() => document.cookie), "", "scripts cannot read it");
          assert.ok(!JSON.stringify(cookies).includes(stack.adminToken), "the token itself is not kept");
        },
      );

      await t.step("the dashboard renders the timeline and the list", async () => {
        await page.goto(`${stack.url}/?range=24h`);
        await page.waitForSelector(".card");
        await page.waitForSelector(".legend-item");
        await page.screenshot({ path: `${SHOTS}/dashboard.png` });
      });

      await t.step(
        "an event titled <img src=x onerror=alert(1)> renders as text and nothing runs",
        async () => {
          const card = page.locator(".card", { hasText: "<img src=x onerror=alert(1)>" });
          await card.first().waitFor();
          assert.equal(await page.locator('img[src="x"]').count(), 0);
          await card.first().click();
          await page.waitForSelector(".detail h2");
          assert.equal(await page.locator(".detail h2").textContent(), "<img src=x onerror=alert(1)>");
          await page.waitForTimeout(300);
          assert.equal(dialogs, 0, "no script ran");
          await page.locator(".detail .close").click();
        },
      );

      await t.step(
        "cards say where a change happened (subject, service, environment) without crowding the title",
        async () => {
          const staging = page.locator('.card:has-text("Deploy checkout to staging")');
          await staging.waitFor();
          assert.match((await staging.locator(".where").textContent())!, /^(in )?acme\/checkout@staging$/);
          assert.match((await staging.locator(".service").textContent())!, /checkout/);
          // The connection is tagged prod; the change happened in staging, and says so.
          const env = (await staging.locator(".env").textContent())!;
          assert.match(env, /staging/);
          assert.doesNotMatch(env, /prod/);
          assert.deepEqual(
            await staging.locator(".tag").allTextContents(),
            ["prod"],
            "tags stay as they are",
          );
          assert.match(
            (await page.locator('.card:has-text("Deploy payments") .env').textContent())!,
            /production/,
          );
          await atWidths(page, async (w) => {
            await page.waitForTimeout(100);
            const card = page.locator('.card:has-text("Deploy checkout to staging")');
            const [title, side, meta, box] = await Promise.all(
              [".card-title", ".card-side", ".card-meta", ""].map((sel) =>
                (sel ? card.locator(sel) : card).boundingBox()
              ),
            );
            assert.ok(title && side && meta && box);
            assert.ok(apart(title, side) && apart(title, meta) && apart(side, meta), `no overlap at ${w} px`);
            assert.ok(title.width >= box.width * 0.4, `the title keeps room at ${w} px (${title.width})`);
            assert.ok(await card.locator(".env").isVisible(), `environment visible at ${w} px`);
            assert.ok(await card.locator(".where").isVisible(), `subject visible at ${w} px`);
            assert.ok(!(await overflowsSideways(page)), `the timeline fits ${w} px`);
            await page.screenshot({ path: `${SHOTS}/cards-${w}.png` });
          });
          await staging.click();
          await page.waitForSelector(".detail h2");
          assert.match((await page.locator(".detail-badges .env").textContent())!, /staging/);
          const facts = await page.locator(".detail .facts").textContent();
          assert.match(facts!, /Environmentstaging/);
          assert.match(facts!, /Servicecheckout/);
          assert.match(facts!, /Whereacme\/checkout@staging/);
          await page.keyboard.press("Escape");
          await page.waitForSelector(".detail", { state: "detached" });
        },
      );

      await t.step("service and environment filters narrow the view and live in the URL", async () => {
        await page.fill('input[name="environment"]', "staging");
        await page.press('input[name="environment"]', "Enter");
        await page.waitForFunction(() =>
          new URL(location.href).searchParams.get("environment") === "staging"
        );
        await page.waitForFunction(() => document.querySelectorAll(".card").length === 1);
        assert.match((await page.locator(".card .env").textContent())!, /staging/);
        await page.reload();
        await page.waitForSelector(".card");
        assert.equal(await page.inputValue('input[name="environment"]'), "staging");
        await page.click("button.clear");
        await page.waitForFunction(() => !location.search.includes("environment="));
        await page.fill('input[name="service"]', "checkout");
        await page.press('input[name="service"]', "Enter");
        await page.waitForFunction(() => new URL(location.href).searchParams.get("service") === "checkout");
        await page.waitForFunction(() => document.querySelectorAll(".card").length === 2);
        const titles = await page.locator(".card .card-title").allTextContents();
        assert.deepEqual(titles.sort(), ["Bump the checkout image", "Deploy checkout to staging"]);
        const known = await page.locator("#known-service option").evaluateAll((os) =>
          os.map((o) => (o as HTMLOptionElement).value)
        );
        assert.deepEqual(known, ["checkout", "payments"], "the values seen first, then every one on record");
        await page.click("button.clear");
        await page.waitForFunction(() => !location.search.includes("service="));
      });

      await t.step(
        "a refused search clears the results instead of leaving them under its error",
        async () => {
          await page.waitForSelector(".card");
          await page.fill('input[name="q"]', "x".repeat(201));
          await page.press('input[name="q"]', "Enter");
          await page.waitForSelector(".events .error");
          assert.equal(await page.locator(".card").count(), 0, "no stale changes under the error");
          assert.equal(await page.locator(".legend-item").count(), 0, "no stale chart either");
          await page.click("button.clear");
          await page.waitForSelector(".card");
          assert.equal(await page.locator(".events .error").count(), 0);
        },
      );

      await t.step(
        "in a narrow window the detail opens in view (a sheet with a close button and Esc); diffs do not overlap",
        async () => {
          await atWidths(page, async (w) => {
            const card = page.locator('.card:has-text("Bump the checkout image")');
            await card.click();
            await page.waitForSelector(".detail h2");
            const panel = page.locator(".detail");
            const box = (await panel.boundingBox())!;
            assert.ok(
              box.y >= 0 && box.y + Math.min(box.height, 240) <= 900,
              `in view at ${w} px (y=${box.y})`,
            );
            const title = (await panel.locator("h2").boundingBox())!;
            assert.ok(title.y >= 0 && title.y + title.height <= 900, `its title in view at ${w} px`);
            assert.ok(box.x >= 0 && box.x + box.width <= w + 0.5, `the panel fits across at ${w} px`);
            if (w < 900) {
              assert.equal(await page.locator("dialog.detail[open]").count(), 1, "a modal sheet");
              assert.equal(
                await page.evaluate(() => document.activeElement?.getAttribute("aria-label")),
                "Close details",
                "focus moves into the sheet",
              );
            }
            // The long field path wraps in its column instead of running under the values.
            const th = (await panel.locator(".diff tbody th").first().boundingBox())!;
            const before = (await panel.locator(".diff tbody td.before").first().boundingBox())!;
            assert.ok(th.x + th.width <= before.x + 0.5, `diff columns apart at ${w} px`);
            await panel.locator(".diff").scrollIntoViewIfNeeded();
            assert.ok(!(await overflowsSideways(page)), `no sideways scroll at ${w} px`);
            await page.screenshot({ path: `${SHOTS}/detail-${w}.png` });
            if (w < 900) {
              await page.keyboard.press("Escape");
              await page.waitForSelector(".detail", { state: "detached" });
              // Esc returns the focus to the card (once the closed sheet's effects have run).
              const cardId = await card.getAttribute("data-id");
              await page.waitForFunction(
                (id) => (document.activeElement as HTMLElement | null)?.dataset.id === id,
                cardId,
                { timeout: 5_000 },
              );
              // With the sheet closed, arrows only move the focus; Enter opens the focused change.
              await page.keyboard.press("ArrowDown");
              const next = await page.evaluate(() =>
                (document.activeElement as HTMLElement | null)?.dataset.id
              );
              assert.ok(next && next !== (await card.getAttribute("data-id")), "the focus moved on");
              assert.equal(await page.locator(".detail").count(), 0, "nothing opened while moving");
              await page.keyboard.press("ArrowUp");
              await page.keyboard.press("Enter");
              await page.waitForSelector("dialog.detail[open]");
            }
            await page.click(".detail .close");
            await page.waitForSelector(".detail", { state: "detached" });
          });
        },
      );

      await t.step(
        "filters narrow the list and the chart consistently; a reload restores the view from the URL",
        async () => {
          await page.selectOption('select[name="connector"]', "gitlab");
          await page.waitForFunction(() =>
            [...document.querySelectorAll(".card .badge")].every((b) =>
              b.textContent === "gitlab" || b.textContent === "GitLab"
            )
          );
          // The chart loads apart from the list: wait for it to follow.
          await page.waitForFunction(() => document.querySelectorAll(".legend-item").length === 1)
            .catch(async () => {
              assert.fail(
                `only GitLab in the chart: ${await page.locator(".legend-item").allTextContents()}`,
              );
            });
          const legend = await page.locator(".legend-item").allTextContents();
          const chartTotal = Number(legend[0]!.replace(/\D/g, ""));
          assert.equal(await cardCount(), chartTotal, "the list and the chart count the same changes");
          await page.fill('input[name="tag"]', "prod");
          await page.press('input[name="tag"]', "Enter");
          await page.waitForFunction(() => new URL(location.href).searchParams.get("tag") === "prod");
          await page.waitForFunction(
            (prev) =>
              Number(document.querySelector("ul.cards")!.getAttribute("aria-label")!.split(" ")[0]) < prev,
            chartTotal,
          );
          const narrowed = await cardCount();
          await page.waitForFunction(
            (want) =>
              Number(document.querySelector(".legend-item")?.textContent?.replace(/\D/g, "")) === want,
            narrowed,
            { timeout: 5_000 },
          ).catch(async () => {
            const legend2 = await page.locator(".legend-item").allTextContents();
            assert.equal(
              Number(legend2[0]!.replace(/\D/g, "")),
              narrowed,
              "the chart counts what the list shows",
            );
          });
          const api = await (await stack.api(
            `/api/events?connector=gitlab&tag=prod&from=${new Date(Date.now() - 86400_000).toISOString()}`,
          )).json();
          assert.equal(narrowed, api.events.length, "exact tag match: preprod is not prod");
          const url = page.url();
          assert.match(url, /connector=gitlab/);
          await page.reload();
          await page.waitForSelector(".card");
          assert.equal(await page.inputValue('select[name="connector"]'), "gitlab");
          assert.equal(await page.inputValue('input[name="tag"]'), "prod");
          await page.waitForFunction(
            (want) =>
              document.querySelector("ul.cards")?.getAttribute("aria-label") === `${want} changes loaded`,
            narrowed,
          );
          await page.click("button.clear");
          await page.waitForFunction(() => !location.search.includes("connector="));
        },
      );

      await t.step(
        "a change published while the page is open appears through the new-changes bar within 2 s",
        async () => {
          await page.waitForSelector(".card");
          const fresh = event(5000, {
            connector: "github",
            title: "Live change arriving now",
            minutesAgo: 0,
          });
          const chartTotal = async () =>
            Number((await page.locator(".legend .right").textContent())!.match(/^(\d+)/)![1]);
          const before = await chartTotal();
          const started = Date.now();
          await publishChanges(nats, n, [fresh]);
          await page.waitForSelector(".new-bar", { timeout: 2_000 });
          const elapsed = Date.now() - started;
          await waitFor(
            async () => (await chartTotal()) === before + 1,
            2_000,
            "the chart counts the live change",
          );
          assert.match((await page.locator(".new-bar").textContent())!, /1 new change/);
          await page.click(".new-bar");
          await page.waitForSelector('.card:has-text("Live change arriving now")');
          assert.ok(elapsed <= 2_000, `took ${elapsed} ms`);
        },
      );

      await t.step(
        "keyboard: one tab stop in the list, arrows and j/k move, Enter opens, Esc closes",
        async () => {
          assert.equal(await page.locator('.card[tabindex="0"]').count(), 1, "a roving tab stop");
          await page.locator('.card[tabindex="0"]').focus();
          await page.keyboard.press("ArrowDown");
          await page.waitForSelector(".detail");
          await page.keyboard.press("j");
          const active = await page.locator('.card[aria-selected="true"]').getAttribute("data-id");
          assert.ok(active);
          assert.equal(await page.evaluate(() => (document.activeElement as HTMLElement).dataset.id), active);
          await page.keyboard.press("k");
          await page.keyboard.press("End");
          await page.waitForFunction(
            (n) => document.activeElement?.getAttribute("aria-posinset") === String(n),
            await cardCount(),
          );
          await page.keyboard.press("Home");
          await page.waitForFunction(() => document.activeElement?.getAttribute("aria-posinset") === "1");
          await page.keyboard.press("Escape");
          await page.waitForSelector(".detail", { state: "detached" });
          await page.keyboard.press("Enter");
          await page.waitForSelector(".detail");
          await page.keyboard.press("Escape");
          await page.waitForSelector(".detail", { state: "detached" });
        },
      );

      await t.step(
        "creating a connection in Settings shows its audit event; the secret is never shown again",
        async () => {
          await page.click('nav a[href="/settings"]');
          await page.waitForSelector('.connector:has-text("Fake Source")');
          await page.locator('.connector:has-text("Fake Source") button:has-text("Add connection")').click();
          await page.fill("#f-name", "Browser made");
          await page.fill("#f-token", canary);
          await page.fill("#f-tags", "prod, team-ui");
          await page.click('button:has-text("Create connection")');
          await page.waitForSelector('.conn:has-text("Browser made")');
          await page.waitForSelector('.conn:has-text("token: set")');
          assert.equal(
            (await page.content()).includes(canary),
            false,
            "the secret is not in the settings page",
          );
          await page.locator('.conn:has-text("Browser made") button:has-text("Edit")').click();
          assert.equal(await page.inputValue("#f-token"), "", "the secret field is empty when editing");
          assert.match((await page.getAttribute("#f-token", "placeholder"))!, /set/);
          await page.screenshot({ path: `${SHOTS}/settings.png`, fullPage: true });
          await page.click('button:has-text("Cancel")');
          await page.click('nav a[href="/"]');
          await page.waitForSelector(".card");
          const audit = page.locator('.card:has-text("Connection \\"Browser made\\" created")');
          await waitFor(
            async () => {
              if (await audit.count()) return true;
              if (await page.locator(".new-bar").count()) await page.click(".new-bar");
              return false;
            },
            10_000,
            "audit event in the timeline",
          );
          await audit.first().click();
          await page.waitForSelector(".detail");
          assert.equal((await page.content()).includes(canary), false, "the secret is not in the timeline");
          assert.match((await page.locator(".detail").textContent())!, /\[redacted\]/);
        },
      );

      await t.step(
        "a connector that exists only in a test renders with its colour, logo and detail sections",
        async () => {
          await page.selectOption('select[name="connector"]', "fakesource");
          await page.waitForSelector('.card:has-text("Fake deploy")');
          const card = page.locator('.card:has-text("Fake deploy")').first();
          const color = await card.locator(".badge").evaluate((el) => getComputedStyle(el).borderColor);
          assert.equal(color, "rgb(255, 79, 163)", "#ff4fa3 from its metadata");
          const logoOk = await card.locator("img.logo").evaluate((img) =>
            (img as HTMLImageElement).complete && (img as HTMLImageElement).naturalWidth > 0
          );
          assert.ok(logoOk, "the logo loaded through the gateway proxy");
          await card.click();
          await page.waitForSelector('.detail h3:has-text("Rollout")');
          const detail = (await page.locator(".detail").textContent())!;
          assert.match(detail, /Version/);
          assert.match(detail, /Took/);
          assert.doesNotMatch(detail, /Secret sauce/, "hidden by default visibility");
          await page.click('button:has-text("Customize fields")');
          await page.check('.field-settings label:has-text("Secret sauce") input');
          await page.waitForSelector('.detail dt:has-text("Secret sauce")');
          await page.screenshot({ path: `${SHOTS}/detail.png` });
          await page.reload();
          await page.waitForSelector(".card");
          await page.locator('.card:has-text("Fake deploy")').first().click();
          await page.waitForSelector('.detail dt:has-text("Secret sauce")');
          await page.click('button:has-text("Customize fields")');
          await page.click('button:has-text("Reset to defaults")');
          assert.equal(await page.locator('.detail dt:has-text("Secret sauce")').count(), 0);
        },
      );

      await t.step(
        "the admin creates an API key in Settings (shown once), and it works for the change API",
        async () => {
          await page.goto(`${stack.url}/settings`);
          await page.waitForSelector(".keys");
          await page.fill('input[name="key-name"]', "release pipeline");
          await page.click('.keys button:has-text("Create key")');
          const key = (await page.locator(".secret-once").textContent())!.trim();
          assert.match(key, /^pck_[a-z0-9]{12}_/);
          await page.waitForSelector('.keys .conn:has-text("release pipeline")');
          await page.screenshot({ path: `${SHOTS}/api-keys.png`, fullPage: true });
          const res = await fetch(`${stack.url}/api/changes`, {
            method: "POST",
            headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
            body: JSON.stringify({ title: "Flag checkout-v2 on", type: "feature_flag", environment: "prod" }),
          });
          assert.equal(res.status, 202, await res.text());
          await page.reload();
          assert.equal(await page.locator(".secret-once").count(), 0, "the key is not shown again");
          assert.ok(!(await page.content()).includes(key));
        },
      );

      await t.step(
        "Settings: a built-in connector says built in; webhooks come from metadata; checkboxes sit by their labels",
        async () => {
          const made = await stack.api(
            "/api/connections",
            json("POST", {
              connector: "github",
              name: "Hooked",
              enabled: false,
              config: { webhookSecret: "a-webhook-secret-for-the-test", repositories: ["octo/app"] },
            }),
          );
          const body = await made.text();
          assert.equal(made.status, 201, body);
          const hooked = JSON.parse(body);
          await page.goto(`${stack.url}/settings`);
          const custom = page.locator('.connector:has(h3:has-text("Custom"))');
          await custom.waitFor();
          assert.equal((await custom.locator(".pill").textContent())!.trim(), "built in");
          const text = (await custom.textContent())!;
          assert.doesNotMatch(text, /\d+ replicas?|heartbeat|\bup\b/, "no replica count, heartbeat or up");
          const hookRow = page.locator('.conn:has-text("Hooked")');
          assert.equal(
            (await hookRow.locator(".webhook-url").textContent())!.trim(),
            `${stack.url}/api/webhooks/github/${hooked.id}`,
          );
          assert.match((await hookRow.textContent())!, /X-Hub-Signature-256/, "what the upstream must send");
          const withBoxes = page.locator('.connector:has(h3:has-text("GitHub"))');
          await withBoxes.locator('button:has-text("Add connection")').click();
          await atWidths(page, async (w) => {
            const boxes = page.locator('.conn-form input[type="checkbox"]');
            assert.ok((await boxes.count()) > 0);
            for (const i of [0, (await boxes.count()) - 1]) {
              const box = (await boxes.nth(i).boundingBox())!;
              const label = (await boxes.nth(i).locator("xpath=..").boundingBox())!;
              assert.ok(label.height < 40, `one line at ${w} px`);
              assert.ok(
                box.y >= label.y - 1 && box.y + box.height <= label.y + label.height + 1,
                "beside it",
              );
            }
            assert.ok(!(await overflowsSideways(page)), `settings fit ${w} px`);
            await page.screenshot({ path: `${SHOTS}/settings-${w}.png`, fullPage: true });
          });
          await page.click('.conn-form button:has-text("Cancel")');
          assert.equal((await stack.api(`/api/connections/${hooked.id}`, { method: "DELETE" })).status, 204);
        },
      );

      await t.step("the light theme and the empty state", async () => {
        await page.click("button.theme");
        await page.goto(`${stack.url}/?range=15m&q=nothing-matches-this`);
        await page.waitForSelector(".empty");
        assert.match((await page.locator(".empty").textContent())!, /Settings/);
        assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), "light");
        await page.screenshot({ path: `${SHOTS}/empty-light.png` });
      });

      await t.step("signing out returns to the sign-in", async () => {
        await page.click('button:has-text("Sign out")');
        await page.waitForSelector(".sign-in-card");
        const res = await page.request.get(`${stack.url}/api/events`);
        assert.equal(res.status(), 401);
      });
    } finally {
      await fake.stop();
    }
  },
);
