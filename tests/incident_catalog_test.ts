/**
 * Settings › Service catalog in Chromium, against the stack `deno task start` runs with a catalog file: the
 * file's rules read-only, rules added, refused when empty, moved, edited, removed and saved with PUT /api/catalog,
 * existing changes re-derived (the screen counts down, then says so), Discard, a read-only key that cannot edit,
 * and screenshots at 1440, 800 and 400 px.
 */
import assert from "node:assert/strict";
import {
  atWidths,
  browserTest,
  countReaches,
  incidentChange,
  overflowsSideways,
  publishChanges,
  SHOTS,
  signIn,
  textMatching,
} from "@painchain/testing/browser";
import { json, waitFor } from "@painchain/testing";

let dir = "";

/** The stack reads its service catalog rules from a file, here one rule for the eu-* clusters. */
async function catalogFile() {
  dir = await Deno.makeTempDir();
  const file = `${dir}/catalog.yaml`;
  await Deno.writeTextFile(
    file,
    "rules:\n  - match: { connector: kubernetes, cluster: 'eu-*' }\n    environment: production\n",
  );
  return { PAINCHAIN_CATALOG_FILE: file };
}

browserTest("service catalog screen: file rules read-only, rules edited, moved, saved and re-derived", {
  env: catalogFile,
  failureShot: "catalog-failure",
}, async ({ stack, nats, n, browser, page }, t) => {
  const now = Date.now();
  const pr = (key: string, repo: string, minutes: number) =>
    incidentChange(now, {
      key,
      connector: "github",
      eventType: "pull_request",
      minutes,
      title: `PR ${key} on ${repo}`,
      refs: [`repo:${repo}`],
      subject: `${repo}#1`,
    });
  const rules = async () => (await (await stack.api("/api/catalog")).json()).api?.rules ?? [];
  const row = (i: number) => page.locator(".catalog ol.rules:not(.file-rules) > li").nth(i);
  const addRule = async (fields: Record<string, string>) => {
    await page.click('.catalog button:has-text("Add a rule")');
    for (const [k, v] of Object.entries(fields)) await page.fill(`.rule-form input[name="rule-${k}"]`, v);
    await page.click('.rule-form button:has-text("Keep this rule")');
    await page.waitForSelector(".rule-form", { state: "detached" });
  };
  try {
    await publishChanges(nats, n, [
      pr("c1", "acme/checkout", -30),
      pr("c2", "acme/checkout", -20),
      pr("p1", "acme/payments", -10),
    ]);
    await waitFor(
      async () => (await (await stack.api("/api/events?connector=github")).json()).events.length === 3,
      20_000,
      "seeded changes",
    );
    await waitFor(
      async () => (await (await stack.api("/api/catalog")).json()).file?.rules?.length === 1,
      20_000,
      "the file's rules in KV",
    );
    await signIn(page, stack.url, stack.adminToken);

    await t.step("the file's rules are listed read-only; none set here yet", async () => {
      await page.click('nav a[href="/settings"]');
      await page.click('.subnav a:has-text("Service catalog")');
      await page.waitForFunction(() => location.pathname === "/settings/catalog");
      await page.waitForSelector(".catalog .file-rules");
      assert.match(
        (await page.locator(".file-rules").textContent())!,
        /connector kubernetes.*cluster eu-\*.*environment production/,
      );
      assert.equal(await page.locator(".file-rules button").count(), 0, "nothing to edit in the file's");
      assert.match((await page.locator(".catalog").textContent())!, /PAINCHAIN_CATALOG_FILE/);
      assert.match((await page.locator(".catalog").textContent())!, /No rules set here yet/);
    });

    await t.step("a rule that matches nothing or sets nothing is refused, as the API would", async () => {
      await page.click('.catalog button:has-text("Add a rule")');
      await page.fill('.rule-form input[name="rule-service"]', "checkout");
      await page.click('.rule-form button:has-text("Keep this rule")');
      assert.match(
        (await page.locator(".rule-form [role=alert]").textContent())!,
        /at least one thing to match/,
      );
      await page.keyboard.press("Escape");
      await page.waitForSelector(".rule-form", { state: "detached" });
    });

    await t.step("rules added, moved, edited and removed as a draft, then saved in order", async () => {
      await addRule({ repository: "acme/*", service: "monolith" });
      await addRule({ repository: "acme/checkout", service: "checkout", team: "team-checkout" });
      await addRule({ repository: "acme/payments", service: "pay" });
      assert.match((await page.locator(".catalog-bar").textContent())!, /Unsaved changes/);
      // The catch-all first would name every acme change "monolith": move it to the end.
      await row(0).locator('button[aria-label^="Move rule"][aria-label$="down"]').click();
      // The focus follows the rule it moved (the file's rule is number 1).
      await page.waitForFunction(() =>
        document.activeElement?.getAttribute("aria-label") === "Move rule 3 down"
      );
      await page.keyboard.press("Enter");
      await textMatching(row(2), /acme\/\*/); // the catch-all is last
      await textMatching(row(0), /acme\/checkout/);
      // Edit: payments is "payments", not "pay".
      await row(1).locator('button:has-text("Edit")').click();
      await page.fill('.rule-form input[name="rule-service"]', "payments");
      await page.click('.rule-form button:has-text("Keep this rule")');
      await textMatching(row(1), /service payments/);
      // A rule added and removed again.
      await addRule({ tag: "legacy", team: "team-legacy" });
      await row(3).locator('button:has-text("Remove")').click();
      await countReaches(page, ".catalog ol.rules:not(.file-rules) > li", 3);
      await atWidths(page, async (w) => {
        assert.ok(!(await overflowsSideways(page)), `the catalog fits ${w} px`);
        await page.screenshot({ path: `${SHOTS}/catalog-${w}.png`, fullPage: true });
      });
      await page.click('.catalog button:has-text("Save rules")');
      await page.waitForSelector('.catalog-bar :text("Saved")');
      assert.deepEqual(await rules(), [
        { match: { repository: "acme/checkout" }, service: "checkout", team: "team-checkout" },
        { match: { repository: "acme/payments" }, service: "payments" },
        { match: { repository: "acme/*" }, service: "monolith" },
      ]);
    });

    await t.step("existing changes are re-derived; the screen says when every one is", async () => {
      await page.waitForSelector(
        '.derive:has-text("Every stored change is derived with the saved rules")',
        {
          timeout: 30_000,
        },
      );
      const checkout = await (await stack.api("/api/events?service=checkout")).json();
      assert.equal(checkout.events.length, 2);
      assert.ok(checkout.events.every((e: { team: string }) => e.team === "team-checkout"));
      const payments = await (await stack.api("/api/events?service=payments")).json();
      assert.equal(payments.events.length, 1);
      assert.match((await page.locator(".catalog").textContent())!, /Last saved .* by admin/);
    });

    await t.step("Discard puts the saved rules back", async () => {
      await row(2).locator('button:has-text("Remove")').click();
      await countReaches(page, ".catalog ol.rules:not(.file-rules) > li", 2);
      await page.click('.catalog-bar button:has-text("Discard")');
      await countReaches(page, ".catalog ol.rules:not(.file-rules) > li", 3);
      assert.equal(await page.locator('.catalog-bar :text("Unsaved changes")').count(), 0);
    });

    await t.step("a read-only key sees the rules and no way to change them", async () => {
      const res = await stack.api("/api/keys", json("POST", { name: "reader", scopes: ["read"] }));
      const { key } = await res.json();
      const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      try {
        const other = await ctx.newPage();
        other.setDefaultTimeout(15_000);
        await signIn(other, stack.url, key);
        await other.goto(`${stack.url}/settings/catalog`);
        await other.waitForSelector(".catalog ol.rules:not(.file-rules) > li");
        assert.equal(await other.locator(".catalog ol.rules:not(.file-rules) button").count(), 0);
        assert.equal(await other.locator('.catalog button:has-text("Save rules")').count(), 0);
        assert.match((await other.locator(".catalog").textContent())!, /needs a key with the write scope/);
      } finally {
        await ctx.close();
      }
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
