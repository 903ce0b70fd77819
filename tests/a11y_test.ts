/**
 * Accessibility: axe-core in Chromium over the sign-in page, the timeline (with coverage gaps), an open detail
 * panel (beside the list and as a sheet in a narrow window), incident mode (the answer, the weights, a change's
 * chain beside it and in a sheet), Settings and its service catalog, in both themes. Any serious or critical
 * violation fails.
 */
import assert from "node:assert/strict";
import axe from "axe-core";
import { cloudEventSchema } from "@painchain/shared/internal";
import type { Page } from "playwright-core";
import {
  browserTest,
  incidentChanges,
  publishChanges,
  publishCoverageGaps,
  signIn,
} from "@painchain/testing/browser";
import { json, waitFor } from "@painchain/testing";

function change(i: number, data: Record<string, unknown>, subject?: string) {
  const connector = "gitlab";
  const eventType = (data.eventType as string | undefined) ?? "deployment";
  return cloudEventSchema.parse({
    specversion: "1.0",
    id: `${connector}-${eventType}-a11y${i}`,
    source: `/painchain/connectors/${connector}/connections/a11y`,
    type: `dev.painchain.${connector}.${eventType}`,
    time: new Date(Date.now() - i * 60_000).toISOString(),
    recordedtime: new Date().toISOString(),
    datacontenttype: "application/json",
    ...(subject ? { subject } : {}),
    data: {
      title: `Change ${i}`,
      author: "alice",
      status: ["success", "failed", "running"][i % 3],
      eventType,
      connector,
      connectionId: "a11y",
      tags: ["prod"],
      metadata: {},
      ...data,
    },
  });
}

interface Violation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: unknown[]; failureSummary?: string }[];
}

/** Runs axe on the page as it is; returns the serious and critical violations (and prints every one). */
async function scan(page: Page, where: string): Promise<Violation[]> {
  // page.evaluate is not subject to the page's CSP (script-src 'self'), unlike an injected <script>.
  if (!(await page.evaluate(() => "axe" in globalThis))) await page.evaluate(axe.source);
  const violations = await page.evaluate(async () => {
    const run = (globalThis as unknown as { axe: typeof axe }).axe.run;
    const r = await run(document, { resultTypes: ["violations"] });
    return r.violations.map((v) => ({
      id: v.id,
      impact: v.impact ?? null,
      help: v.help,
      nodes: v.nodes.map((n) => ({ target: n.target, failureSummary: n.failureSummary })),
    }));
  });
  for (const v of violations) {
    // deno-lint-ignore no-console
    console.log(
      `axe ${where}: [${v.impact}] ${v.id} — ${v.help} (${v.nodes.length}, e.g. ${v.nodes[0]?.target})`,
    );
  }
  return violations.filter((v) => v.impact === "serious" || v.impact === "critical");
}

browserTest(
  "accessibility: no serious or critical axe violation on any screen",
  {},
  async ({ stack, nats, n, page }, t) => {
    const found: string[] = [];
    const check = async (where: string) => {
      for (const v of await scan(page, where)) {
        found.push(
          `${where}: [${v.impact}] ${v.id} (${v.help}) at ${v.nodes.map((x) => x.target).join(" | ")}`,
        );
      }
    };
    const seed = [
      change(
        1,
        { title: "Deploy checkout to staging", service: "checkout", environment: "staging" },
        "acme/checkout@staging",
      ),
      change(2, { title: "Deploy payments to production", service: "payments", environment: "production" }),
      change(3, {
        title: "Config change",
        eventType: "pipeline",
        metadata: {
          changes: [{ field: "spec.replicas", before: 2, after: 3 }],
          url: "https://example.com/x",
        },
      }),
      ...Array.from({ length: 20 }, (_, i) => change(10 + i, {})),
    ];
    await publishChanges(nats, n, seed);
    // An incident an hour ago: its changes, a chain, and a connection PainChain stopped watching.
    const at = Math.floor((Date.now() - 3600_000) / 60_000) * 60_000;
    const incident = incidentChanges(at);
    const incidentSeed = [
      incident.pr,
      incident.run,
      incident.culprit,
      incident.rollout,
      ...incident.others,
      incident.after,
    ];
    await publishChanges(nats, n, incidentSeed);
    await publishCoverageGaps(nats, n, at);
    const catalog = await stack.api(
      "/api/catalog",
      json("PUT", {
        rules: [
          { match: { repository: "acme/checkout" }, service: "checkout", team: "team-checkout" },
          { match: { namespace: "shop", image: "*/checkout:*" }, service: "checkout" },
        ],
      }),
    );
    assert.equal(catalog.status, 200, await catalog.text());
    await waitFor(
      async () =>
        (await (await stack.api("/api/events?limit=500")).json()).events.length >=
          seed.length + incidentSeed.length,
      20_000,
      "seeded changes",
    );
    const investigate = `/investigate?${new URLSearchParams({
      at: new Date(at).toISOString(),
      window: "2h",
      service: "checkout",
      environment: "production",
    })}`;

    for (const theme of ["dark", "light"] as const) {
      await t.step(`${theme} theme: sign-in, timeline, detail, settings`, async () => {
        await page.context().clearCookies();
        await page.goto(`${stack.url}/`);
        await page.evaluate((th) => localStorage.setItem("painchain.theme", th), theme);
        await page.setViewportSize({ width: 1440, height: 900 });
        await page.goto(`${stack.url}/`);
        await page.waitForSelector(".source-logos img");
        await check(`${theme} sign-in`);
        await signIn(page, stack.url, stack.adminToken);
        await page.waitForSelector(".card");
        await page.waitForSelector(".legend-item");
        await check(`${theme} timeline`);
        await page.locator('.card:has-text("Config change")').click();
        await page.waitForSelector(".detail .diff");
        await check(`${theme} detail`);
        await page.locator('.card:has-text("Deploy checkout to staging")').click();
        await page.waitForSelector('.detail h2:has-text("Deploy checkout")');
        await check(`${theme} detail with environment`);
        await page.setViewportSize({ width: 400, height: 900 });
        await page.waitForSelector("dialog.detail[open]");
        await check(`${theme} detail sheet at 400 px`);
        await page.keyboard.press("Escape");
        await page.waitForSelector(".detail", { state: "detached" });
        await page.click(".filters-toggle");
        await check(`${theme} timeline at 400 px, filters open`);
        await page.setViewportSize({ width: 1440, height: 900 });
        await page.click('nav a[href="/settings"]');
        await page.waitForSelector(".connector");
        await check(`${theme} settings`);
        await page.locator('.connector:has(h3:has-text("GitLab")) button:has-text("Add connection")')
          .click();
        await page.waitForSelector(".conn-form");
        await check(`${theme} settings with a connection form`);
      });

      await t.step(
        `${theme} theme: coverage gaps, incident mode, a chain, the service catalog`,
        async () => {
          await page.setViewportSize({ width: 1440, height: 900 });
          await page.goto(`${stack.url}/?range=6h`);
          await page.waitForSelector(".chart .gap-band");
          await page.focus(".chart .gap-band");
          await check(`${theme} timeline with coverage gaps`);
          await page.goto(`${stack.url}/investigate`);
          await page.waitForSelector(".incident-form");
          await page.fill("#incident-at", "not a time");
          await check(`${theme} incident mode, asking`);
          await page.goto(`${stack.url}${investigate}`);
          await page.waitForSelector(".lead");
          await page.waitForSelector(".gaps-note");
          await check(`${theme} incident mode, answered`);
          await page.click(".weights summary");
          await check(`${theme} incident mode, weights`);
          await page.click(".lead-actions button");
          await page.waitForSelector(".detail .chain-list > li >> nth=3");
          await check(`${theme} incident mode, a change's chain`);
          await page.setViewportSize({ width: 400, height: 900 });
          await page.waitForSelector("dialog.detail[open] .chain-list");
          await check(`${theme} a change's chain in a sheet at 400 px`);
          await page.keyboard.press("Escape");
          await page.waitForSelector(".detail", { state: "detached" });
          await page.waitForSelector(".incident-summary");
          await check(`${theme} incident mode at 400 px`);
          await page.setViewportSize({ width: 1440, height: 900 });
          await page.goto(`${stack.url}/settings/catalog`);
          await page.waitForSelector(".catalog .rule");
          await check(`${theme} service catalog`);
          await page.click('.catalog button:has-text("Add a rule")');
          await page.waitForSelector(".rule-form");
          await check(`${theme} service catalog, a new rule`);
        },
      );
    }
    assert.deepEqual(found, [], `serious or critical violations:\n${found.join("\n")}`);
  },
);
