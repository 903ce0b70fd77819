/**
 * Incident mode in Chromium, against the stack `deno task start` runs: a pasted time read back, a service chosen,
 * the ranked answer (the culprit first, with its reasons and weights), the changes after apart, coverage gaps as
 * sentences and hatched on the chart, the culprit's chain in the detail and on the chart, weights and window
 * re-ranking in place, a click on the chart moving the moment, and the shared URL reproducing the answer in a
 * fresh page. Screenshots (looked at) at 1440, 800 and 400 px go to tests/screenshots/.
 */
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import {
  atWidths,
  browserTest,
  GAP_CONNECTION,
  incidentChanges,
  overflowsSideways,
  publishChanges,
  publishCoverageGaps,
  SHOTS,
  signIn,
} from "@painchain/testing/browser";
import { waitFor } from "@painchain/testing";

/** The suspects' ids in rank order, the lead first. */
function ranking(page: Page): Promise<string[]> {
  return page.evaluate(() =>
    [...document.querySelectorAll<HTMLElement>(".lead-actions [data-id], .suspects [data-id]")].map((b) =>
      b.dataset.id!
    )
  );
}

browserTest(
  "incident mode: paste a time, choose a service, the ranked answer, a chain, coverage gaps, a shared URL",
  { permissions: ["clipboard-read", "clipboard-write"], failureShot: "incident-failure" },
  async ({ stack, nats, n, browser, page }, t) => {
    // The incident: an hour ago, on a whole minute (as a person would paste it).
    const at = Math.floor((Date.now() - 3600_000) / 60_000) * 60_000;
    const atIso = new Date(at).toISOString();
    const pasted = `${atIso.slice(0, 10)} ${atIso.slice(11, 16)} UTC`;
    const seed = incidentChanges(at);
    const all = [seed.pr, seed.run, seed.culprit, seed.rollout, ...seed.others, seed.after];
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    let shared = "";
    let answer: string[] = [];
    /** Waits until the ranking on the page is the first answer again (`label` says after what). */
    const showsAnswer = (label: string) =>
      waitFor(async () => JSON.stringify(await ranking(page)) === JSON.stringify(answer), 5_000, label);
    await publishChanges(nats, n, all);
    await publishCoverageGaps(nats, n, at);
    await waitFor(
      async () => (await (await stack.api(`/api/events?limit=500`)).json()).events.length >= all.length,
      20_000,
      "seeded changes",
    );
    await waitFor(
      async () => {
        const from = new Date(at - 2 * 3600_000).toISOString();
        const r = await (await stack.api(`/api/coverage?from=${from}&to=${atIso}`)).json();
        return r.gaps.filter((g: { connectionId: string }) => g.connectionId === GAP_CONNECTION.id)
          .length === 2;
      },
      20_000,
      "two recorded gaps",
    );
    await signIn(page, stack.url, stack.adminToken);

    await t.step("a pasted time is read back; a bad one says what it takes", async () => {
      await page.click('nav a[href="/investigate"]');
      await page.waitForSelector(".incident-form");
      assert.match((await page.locator(".empty-answer").textContent())!, /Paste when the trouble started/);
      await page.fill("#incident-at", "around lunch");
      await page.click('.incident-form button[type="submit"]');
      assert.match(
        (await page.locator("#incident-at-read").textContent())!,
        /Not a time PainChain can read/,
      );
      assert.equal(await page.getAttribute("#incident-at", "aria-invalid"), "true");
      assert.ok(!new URL(page.url()).searchParams.get("at"), "nothing asked");
      // The RFC 2822 form of the same moment, as a pager might print it.
      await page.fill("#incident-at", new Date(at).toUTCString());
      assert.match(
        (await page.locator("#incident-at-read").textContent())!,
        new RegExp(`Read as ${atIso.slice(0, 10)} ${atIso.slice(11, 19)} UTC`),
      );
      await page.fill("#incident-at", pasted);
      assert.match((await page.locator("#incident-at-read").textContent())!, /Read as .* UTC.*ago/);
    });

    await t.step("a service and an environment from what is on record; the ranked answer", async () => {
      const services = await page.locator("#incident-services option").evaluateAll((os) =>
        os.map((o) => (o as HTMLOptionElement).value)
      );
      assert.ok(services.includes("checkout") && services.includes("payments"), `${services}`);
      await page.fill('input[name="incident-service"]', "checkout");
      await page.fill('input[name="incident-environment"]', "production");
      await page.click('.incident-form button[type="submit"]');
      await page.waitForSelector(".lead");
      const url = new URL(page.url());
      assert.equal(url.pathname, "/investigate");
      assert.equal(url.searchParams.get("at"), atIso);
      assert.equal(url.searchParams.get("window"), "2h");
      assert.equal(url.searchParams.get("service"), "checkout");
      assert.equal(url.searchParams.get("environment"), "production");
      // The answer: checkout's production deploy, with every reason and its weight.
      assert.equal(await page.locator("#lead-title").textContent(), seed.culprit.data.title);
      const reasons = await page.locator(".lead .reasons tbody tr").allTextContents();
      for (
        const r of [
          /^\+10Same service \(checkout\)/,
          /^\+2Same environment \(production\)/,
          /^\+2A deploy change/,
        ]
      ) {
        assert.ok(reasons.some((x) => r.test(x)), `${r} in ${reasons.join(" | ")}`);
      }
      assert.ok(
        reasons.some((x) => /^\+\d(\.\d)?12 min before the incident$/.test(x)),
        reasons.join(" | "),
      );
      assert.match((await page.locator(".lead .reasons tfoot").textContent())!, /^= \d+(\.\d+)?/);
      // The staging deploy of checkout ranks lower, its other environment counted against it.
      const staging = page.locator(`.suspect:has-text("${seed.others[1]!.data.title}")`);
      assert.match((await staging.locator(".chip.neg").textContent())!, /\u22122 other env: staging/);
      // After the moment: apart, never a suspect.
      assert.match((await page.locator(".after-list").textContent())!, /Roll back checkout to 2\.13\.9/);
      assert.equal(await page.locator(`.suspects :text("Roll back checkout")`).count(), 0);
      // Coverage gaps, as sentences with their reasons.
      const gaps = await page.locator(".gaps-note li").allTextContents();
      assert.equal(gaps.length, 2, gaps.join("\n"));
      assert.match(
        gaps[0]!,
        /^PainChain was not watching Jenkins legacy CI from .+ to .+ \(not polled: no poll for/,
      );
      assert.match(
        gaps[1]!,
        /^PainChain was not watching Jenkins legacy CI from .+ to .+ \(its polls failed: 401 Bad credentials\)$/,
      );
      // On the chart: the moment, the lead suspect, and the gaps hatched.
      await page.waitForSelector(".chart .moment-line");
      assert.equal(await page.locator(".chart .gap-band").count(), 2);
      assert.equal(await page.locator(".chart .mark-lead").count(), 1);
      answer = await ranking(page);
      assert.equal(answer[0], seed.culprit.id);
    });

    await t.step(
      "the culprit's chain: in the detail in time order, how each links; marked on the chart",
      async () => {
        await page.click(".lead-actions button:has-text('Details and chain')");
        await page.waitForSelector(".detail .chain-list");
        const members = page.locator(".detail .chain-list > li");
        await waitFor(async () => (await members.count()) === 4, 10_000, "four members");
        const rows = await members.allTextContents();
        assert.match(rows[0]!, /PR #42 merged/);
        assert.match(rows[0]!, /same commit c0ffee1/);
        assert.match(rows[1]!, /CI #812/);
        assert.match(rows[2]!, /this change/);
        assert.match(rows[3]!, /Rollout shop\/checkout/);
        assert.match(rows[3]!, /image tag c0ffee12 matches commit c0ffee1 by prefix — lower confidence/);
        assert.equal(
          await page.locator(".chart .mark-chain").count(),
          4,
          "every member is marked on the chart",
        );
        assert.ok((await page.locator(".suspect.in-chain").count()) >= 2, "and in the list of suspects");
        // A member opens in its turn; its chain is the same four.
        await page.click('.detail .chain-open:has-text("CI #812")');
        await page.waitForSelector('.detail h2:has-text("CI #812")');
        await waitFor(async () =>
          (await page.locator(".detail .chain-list > li.current").textContent())?.includes("CI #812")
        );
        assert.equal(await members.count(), 4);
        await page.click(".detail .close");
        await page.waitForSelector(".detail", { state: "detached" });
      },
    );

    await t.step("adjusting the window and the weights re-ranks in place, in the URL", async () => {
      await page.click(".weights summary");
      await page.fill("#weight-service", "0");
      await page.fill("#weight-time", "40");
      await page.waitForFunction(() =>
        new URL(location.href).searchParams.get("weights") === "service:0,time:40"
      );
      await page.waitForFunction(
        (first) => document.querySelector<HTMLElement>(".lead-actions [data-id]")?.dataset.id !== first,
        answer[0],
      );
      // With time counting most and the service not at all, payments' production deploy 5 minutes before leads.
      assert.equal(await page.locator("#lead-title").textContent(), seed.others[0]!.data.title);
      assert.ok((await page.locator(".suspect .move").count()) > 0, "the rows say how they moved");
      await page.click("text=Back to the default weights");
      await page.waitForFunction(() => !new URL(location.href).searchParams.has("weights"));
      await page.click(".weights summary");
      await page.waitForFunction(
        (first) => document.querySelector<HTMLElement>(".lead-actions [data-id]")?.dataset.id === first,
        answer[0],
      );
      await page.selectOption('select[name="incident-window"]', "30m");
      await page.waitForFunction(() => new URL(location.href).searchParams.get("window") === "30m");
      await page.waitForFunction(() =>
        /The 30 min before it/.test(document.querySelector(".answer-scope")?.textContent ?? "")
      );
      // The PR and the CI run, 45 minutes before, are out of a 30-minute window.
      await waitFor(
        async () => !(await ranking(page)).includes(seed.pr.id),
        5_000,
        "the PR out of the window",
      );
      await page.selectOption('select[name="incident-window"]', "2h");
      await page.waitForFunction(() => new URL(location.href).searchParams.get("window") === "2h");
      await showsAnswer("the first answer");
    });

    await t.step(
      "screenshots of incident mode at 1440, 800 and 400 px: the answer in view, nothing sideways",
      async () => {
        await page.locator(".lead").waitFor();
        await atWidths(page, async (w) => {
          await page.evaluate(() => scrollTo(0, 0));
          await page.waitForTimeout(150);
          assert.ok(!(await overflowsSideways(page)), `incident mode fits ${w} px`);
          if (w > 900) {
            assert.ok(
              await page.evaluate(() => document.documentElement.scrollHeight <= innerHeight),
              "beside the detail the answer scrolls, not the page",
            );
          }
          const lead = (await page.locator("#lead-title").boundingBox())!;
          assert.ok(
            lead.y + lead.height <= 900,
            `the most likely change is in view at ${w} px (y=${lead.y})`,
          );
          assert.ok(lead.x >= 0 && lead.x + lead.width <= w, `and across at ${w} px`);
          await page.screenshot({ path: `${SHOTS}/incident-${w}.png` });
          await page.click(".lead-actions button:has-text('Details and chain')");
          await page.waitForSelector(".detail .chain-list > li >> nth=3");
          const chain = (await page.locator(".detail .chain-list").boundingBox())!;
          assert.ok(chain.x >= 0 && chain.x + chain.width <= w + 0.5, `the chain fits across at ${w} px`);
          if (w < 900) assert.equal(await page.locator("dialog.detail[open]").count(), 1, "a sheet");
          await page.locator(".detail .chain-list").scrollIntoViewIfNeeded();
          await page.screenshot({ path: `${SHOTS}/incident-chain-${w}.png` });
          await page.keyboard.press("Escape");
          await page.waitForSelector(".detail", { state: "detached" });
        });
        await page.locator(".gaps-note").scrollIntoViewIfNeeded();
        await page.screenshot({ path: `${SHOTS}/coverage-investigate.png` });
      },
    );

    await t.step("the shared URL reproduces the answer in a fresh page", async () => {
      await page.click(".lead-actions button:has-text('Details and chain')");
      await page.waitForSelector(".detail .chain-list");
      await page.click(".answer .copy-link");
      await page.waitForSelector('.answer .copy-link:has-text("Link copied")');
      shared = await page.evaluate(() => navigator.clipboard.readText());
      const u = new URL(shared);
      assert.equal(u.pathname, "/investigate");
      assert.equal(u.searchParams.get("at"), atIso);
      assert.equal(u.searchParams.get("service"), "checkout");
      assert.equal(u.searchParams.get("environment"), "production");
      assert.equal(u.searchParams.get("window"), "2h");
      assert.equal(u.searchParams.get("event"), seed.culprit.id);
      await page.keyboard.press("Escape");

      const fresh = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      try {
        const other = await fresh.newPage();
        other.setDefaultTimeout(15_000);
        await signIn(other, stack.url, stack.adminToken);
        await other.goto(shared);
        await other.waitForSelector(".lead");
        assert.deepEqual(await ranking(other), answer, "the same suspects in the same order");
        assert.equal(await other.inputValue('input[name="incident-service"]'), "checkout");
        assert.equal(await other.inputValue('input[name="incident-environment"]'), "production");
        assert.match(
          (await other.locator("#incident-at-read").textContent())!,
          new RegExp(atIso.slice(11, 16)),
        );
        assert.deepEqual(
          await other.locator(".gaps-note li").allTextContents(),
          await page.locator(".gaps-note li").allTextContents(),
        );
        // The change that was open is open again, with its chain.
        await other.waitForSelector(`.detail h2:has-text("${seed.culprit.data.title}")`);
        await other.waitForSelector(".detail .chain-list > li >> nth=3");
      } finally {
        await fresh.close();
      }
    });

    await t.step("a click on the chart moves the moment", async () => {
      const plot = (await page.locator(".chart .plot").boundingBox())!;
      await page.mouse.click(plot.x + plot.width * 0.25, plot.y + plot.height / 2);
      await page.waitForFunction((was) => new URL(location.href).searchParams.get("at") !== was, atIso);
      const moved = Date.parse(new URL(page.url()).searchParams.get("at")!);
      assert.ok(moved < at, "earlier: a quarter across the chart");
      assert.equal(moved % 60_000, 0, "on a whole minute");
      await page.waitForFunction(
        (iso) => (document.querySelector("#incident-at") as HTMLInputElement).value.startsWith(iso),
        new Date(moved).toISOString().slice(0, 16).replace("T", " "),
      );
      await page.goBack();
      await page.waitForFunction((was) => new URL(location.href).searchParams.get("at") === was, atIso);
      await showsAnswer("Back");
    });

    await t.step(
      "coverage gaps on the timeline: hatched, explained on hover and focus, in the legend",
      async () => {
        await page.goto(`${stack.url}/?range=6h`);
        await page.waitForSelector(".chart .gap-band");
        assert.equal(await page.locator(".chart .gap-band").count(), 2);
        assert.match((await page.locator(".legend .gaps-key").textContent())!, /Not watching\s*2/);
        await page.hover(".chart .gap-band >> nth=0");
        assert.match(
          (await page.locator(".axis-status").textContent())!,
          /^PainChain was not watching Jenkins legacy CI from .+ \(not polled/,
        );
        await page.screenshot({ path: `${SHOTS}/coverage-timeline.png` });
        await page.mouse.move(0, 0);
        await page.focus(".chart .gap-band >> nth=1");
        assert.match(
          (await page.locator(".axis-status").textContent())!,
          /\(its polls failed: 401 Bad credentials\)$/,
        );
        assert.match(
          (await page.getAttribute(".chart .gap-band >> nth=1", "aria-label"))!,
          /^PainChain was not watching/,
        );
        // An empty stretch that was watched is not hatched: the empty hour after the polls resumed.
        const bands = await page.locator(".chart .gap-band").evaluateAll((els) =>
          els.map((e) => (e as HTMLElement).style.left)
        );
        assert.equal(bands.length, 2);
      },
    );

    assert.deepEqual(errors, [], "no script errors");
  },
);
