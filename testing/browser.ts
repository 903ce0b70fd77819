/**
 * Headless Chromium (Debian's) driven by playwright-core, for browser tests and screenshots; and an incident to
 * investigate (changes, a chain, coverage gaps) for the incident-mode and accessibility tests.
 */
import { type Browser, chromium, type Locator, type Page } from "playwright-core";
import {
  cloudEventSchema,
  connectionKey,
  destroyAll,
  encoder,
  messageId,
  type Names,
  names,
  type Nats,
  openNats,
} from "@painchain/shared/internal";
import { createTestDb, NATS_URL, waitFor } from "./helpers.ts";
import { ROOT, type Stack, startStack } from "./stack.ts";
import { skipWithout } from "./tools.ts";

export const CHROMIUM = Deno.env.get("CHROMIUM_PATH") ?? "/usr/bin/chromium";

export async function launchBrowser(): Promise<Browser> {
  return await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    // Playwright otherwise installs process-wide signal handlers that call exit; in `deno test` they outlive the
    // browser test and can end a later test file.
    handleSIGINT: false,
    handleSIGTERM: false,
    handleSIGHUP: false,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
      "--disable-quic",
    ],
  });
}

/** Where browser tests leave their screenshots (looked at by people, not compared). */
export const SHOTS = `${ROOT}tests/screenshots`;

export interface BrowserStack {
  /** The stack `deno task start` runs for this test, on a database of its own. */
  stack: Stack;
  nats: Nats;
  /** The stack's NATS names (its prefix). */
  n: Names;
  browser: Browser;
  page: Page;
}

/**
 * A test in Chromium (skipped, saying so, without it) against a stack of its own, `env` added to the stack's
 * environment. `failureShot` names a screenshot taken when the test fails; the failure then carries the end of
 * the stack's output. Everything is stopped and the stack's streams and buckets removed afterwards.
 */
export function browserTest(
  name: string,
  opts: {
    env?: () => Promise<Record<string, string>> | Record<string, string>;
    viewport?: { width: number; height: number };
    /** Browser permissions for the stack's origin (clipboard-read …). */
    permissions?: string[];
    failureShot?: string;
  },
  fn: (b: BrowserStack, t: Deno.TestContext) => Promise<void>,
): void {
  Deno.test({
    name,
    ignore: skipWithout("chromium"),
    sanitizeResources: false,
    sanitizeOps: false,
    fn: async (t) => {
      await Deno.mkdir(SHOTS, { recursive: true });
      const db = await createTestDb();
      const stack = await startStack({ DATABASE_URL: db.url, ...(await opts.env?.()) });
      const nats = await openNats(NATS_URL, "browser-test");
      const n = names(stack.prefix);
      const browser = await launchBrowser();
      const context = await browser.newContext({ viewport: opts.viewport ?? { width: 1440, height: 900 } });
      if (opts.permissions) await context.grantPermissions(opts.permissions, { origin: stack.url });
      const page = await context.newPage();
      page.setDefaultTimeout(15_000);
      try {
        await fn({ stack, nats, n, browser, page }, t);
      } catch (err) {
        if (!opts.failureShot) throw err;
        await page.screenshot({ path: `${SHOTS}/${opts.failureShot}.png` }).catch(() => {});
        throw new Error(
          `${(err as Error).message}\n--- stack output ---\n${stack.proc.output().slice(-3000)}`,
        );
      } finally {
        await browser.close();
        await stack.stop();
        await destroyAll(nats.jsm, n);
        await nats.nc.close();
        await db.drop();
      }
    },
  });
}

/** The window widths the layout is checked and photographed at: a desktop, a split screen, a phone. */
export const WIDTHS = [1440, 800, 400] as const;

/** Runs `fn` with the page at each width in turn (900 px high), then restores the page's size. */
export async function atWidths(page: Page, fn: (width: number) => Promise<void>): Promise<void> {
  const before = page.viewportSize();
  try {
    for (const width of WIDTHS) {
      await page.setViewportSize({ width, height: 900 });
      await fn(width);
    }
  } finally {
    if (before) await page.setViewportSize(before);
  }
}

/** Signs in through the sign-in page with a token or key and waits for the dashboard. */
export async function signIn(page: Page, url: string, token: string): Promise<void> {
  await page.goto(`${url}/`);
  await page.waitForSelector(".sign-in-card");
  await page.fill('input[name="token"]', token);
  await page.click('.sign-in-card button[type="submit"]');
  await page.waitForSelector(".sign-in-card", { state: "detached" });
}

/** Whether the page scrolls sideways (something wider than the window). */
export function overflowsSideways(page: Page): Promise<boolean> {
  return page.evaluate(() => document.documentElement.scrollWidth > document.documentElement.clientWidth);
}

/**
 * The locator's text once it matches `re` (the UI renders after an event's handler returns, later on a loaded
 * machine, so a read right after a click can see the page before it). Fails with the last text seen.
 */
export async function textMatching(locator: Locator, re: RegExp, timeout = 10_000): Promise<string> {
  let seen = "";
  const read = async () => re.test(seen = (await locator.textContent({ timeout })) ?? "");
  await waitFor(read, timeout, `text matching ${re}`).catch(() => {
    throw new Error(`Text never matched ${re}; last seen: ${JSON.stringify(seen)}`);
  });
  return seen;
}

/** Waits until `selector` matches exactly `n` elements. */
export async function countReaches(page: Page, selector: string, n: number, timeout = 10_000): Promise<void> {
  await page.waitForFunction(
    ([sel, want]) => document.querySelectorAll(sel as string).length === want,
    [selector, n] as const,
    { timeout },
  );
}

// --- An incident to investigate, for the incident-mode and accessibility tests. ---

/** A commit whose deploy causes the incident; the rollout's image is tagged with its first 8 hex digits. */
export const INCIDENT_SHA = "c0ffee1234567890abcdef1234567890abcdef12";

/** A change `minutes` after `at` (negative: before), as a connector would publish it. */
export function incidentChange(
  at: number,
  o: {
    key: string;
    connector: string;
    eventType: string;
    minutes: number;
    title: string;
    service?: string;
    environment?: string;
    author?: string;
    status?: string;
    refs?: string[];
    subject?: string;
  },
) {
  return cloudEventSchema.parse({
    specversion: "1.0",
    id: `${o.connector}-${o.eventType}-${o.key}`,
    source: `/painchain/connectors/${o.connector}/connections/incident`,
    type: `dev.painchain.${o.connector}.${o.eventType}`,
    time: new Date(at + o.minutes * 60_000).toISOString(),
    recordedtime: new Date().toISOString(),
    datacontenttype: "application/json",
    ...(o.subject ? { subject: o.subject } : {}),
    data: {
      title: o.title,
      author: o.author ?? "",
      status: o.status ?? "success",
      eventType: o.eventType,
      connector: o.connector,
      connectionId: "incident",
      tags: ["prod"],
      refs: o.refs ?? [],
      service: o.service ?? "",
      environment: o.environment ?? "",
      metadata: {},
    },
  });
}

/**
 * The changes around an incident at `at`: checkout's production deploy 12 minutes before it (the culprit), with its
 * chain (pull request → CI run → deploy → rollout of an image tagged with the commit's prefix), closer changes of
 * other services, a staging deploy of checkout, and a rollback after the moment.
 */
export function incidentChanges(at: number) {
  const c = (o: Parameters<typeof incidentChange>[1]) => incidentChange(at, o);
  return {
    pr: c({
      key: "inc-pr",
      connector: "github",
      eventType: "pull_request",
      minutes: -50,
      title: "PR #42 merged: retry checkout payments on 503",
      service: "checkout",
      author: "alice",
      status: "merged",
      subject: "acme/checkout#42",
      refs: ["pr:acme/checkout#42", `sha:${INCIDENT_SHA}`],
    }),
    run: c({
      key: "inc-run",
      connector: "github",
      eventType: "workflow_run",
      minutes: -45,
      title: "CI #812 passed on main",
      service: "checkout",
      author: "github-actions[bot]",
      subject: "acme/checkout",
      refs: [`sha:${INCIDENT_SHA}`],
    }),
    culprit: c({
      key: "inc-deploy",
      connector: "github",
      eventType: "deployment",
      minutes: -12,
      title: "Deploy checkout 2.14.0 to production",
      service: "checkout",
      environment: "production",
      author: "carol",
      subject: "acme/checkout@production",
      refs: [`sha:${INCIDENT_SHA}`],
    }),
    rollout: c({
      key: "inc-rollout",
      connector: "kubernetes",
      eventType: "rollout",
      minutes: -10,
      title: `Rollout shop/checkout: image registry.acme.dev/checkout:${INCIDENT_SHA.slice(0, 8)}`,
      service: "checkout",
      environment: "production",
      author: "argocd-controller",
      status: "complete",
      subject: "shop/Deployment/checkout",
      refs: [`image:registry.acme.dev/checkout:${INCIDENT_SHA.slice(0, 8)}`],
    }),
    others: [
      c({
        key: "inc-payments",
        connector: "gitlab",
        eventType: "deployment",
        minutes: -5,
        title: "Deploy payments 3.1.0 to production",
        service: "payments",
        environment: "production",
        author: "bob",
      }),
      c({
        key: "inc-staging",
        connector: "github",
        eventType: "deployment",
        minutes: -3,
        title: "Deploy checkout 2.15.0-rc1 to staging",
        service: "checkout",
        environment: "staging",
        author: "dave",
      }),
      c({
        key: "inc-search",
        connector: "gitlab",
        eventType: "pipeline",
        minutes: -30,
        title: "Pipeline #77 failed on main",
        service: "search",
        author: "erin",
        status: "failed",
      }),
      ...Array.from({ length: 12 }, (_, i) =>
        c({
          key: `inc-noise-${i}`,
          connector: ["github", "gitlab"][i % 2]!,
          eventType: ["pull_request", "pipeline"][i % 2]!,
          minutes: -8 - i * 7,
          title: `${["PR", "Pipeline"][i % 2]} ${100 + i} on ${["web", "search", "ledger"][i % 3]}`,
          service: ["web", "search", "ledger"][i % 3]!,
          author: ["alice", "bob"][i % 2]!,
          status: ["merged", "success"][i % 2]!,
        })),
    ],
    after: c({
      key: "inc-rollback",
      connector: "github",
      eventType: "deployment",
      minutes: 5,
      title: "Roll back checkout to 2.13.9",
      service: "checkout",
      environment: "production",
      author: "carol",
    }),
  };
}

/** Publishes changes to the events stream of a stack's prefix. */
export async function publishChanges(nats: Nats, n: Names, events: ReturnType<typeof incidentChange>[]) {
  await Promise.all(
    events.map((e) =>
      nats.js.publish(n.eventSubject(e.data.connector, e.data.eventType), encoder.encode(JSON.stringify(e)), {
        msgID: messageId(e),
      })
    ),
  );
}

/** The connection whose coverage has gaps: nothing polls it but the records below. */
export const GAP_CONNECTION = { connector: "jenkins", id: "legacy-ci", name: "Jenkins legacy CI" };

/**
 * A connection PainChain stopped watching before the incident, as its poll records say: polled every 10 minutes
 * until an hour before `at`, silent for 40 minutes ("not watching" from 20 minutes after its last poll), a failed
 * poll ("401 Bad credentials") 20 minutes before `at`, then polled again up to now.
 */
export async function publishCoverageGaps(nats: Nats, n: Names, at: number) {
  const created = new Date(at - 3 * 3600_000).toISOString();
  await nats.js.views.kv(n.connectionsBucket).then((kv) =>
    kv.put(
      connectionKey(GAP_CONNECTION.connector, GAP_CONNECTION.id),
      encoder.encode(JSON.stringify({
        id: GAP_CONNECTION.id,
        connector: GAP_CONNECTION.connector,
        name: GAP_CONNECTION.name,
        enabled: true,
        pollInterval: 600,
        tags: [],
        config: {},
        secrets: {},
        createdAt: created,
        updatedAt: created,
      })),
    )
  );
  const record = (minutes: number, outcome: "ok" | "error", error?: string) => ({
    connector: GAP_CONNECTION.connector,
    connectionId: GAP_CONNECTION.id,
    instanceId: "test",
    outcome,
    at: new Date(at + minutes * 60_000).toISOString(),
    durationMs: 800,
    intervalMs: 600_000,
    events: 0,
    ...(error ? { error } : {}),
  });
  const until = Math.floor((Date.now() - at) / 60_000);
  const records = [
    ...Array.from({ length: 13 }, (_, i) => record(-180 + i * 10, "ok")),
    record(-20, "error", "401 Bad credentials"),
    ...Array.from({ length: Math.floor((until + 10) / 10) + 1 }, (_, i) => record(-10 + i * 10, "ok"))
      .filter((r) => Date.parse(r.at) <= Date.now()),
  ];
  for (const r of records) {
    await nats.js.publish(n.statusSubject(r.connector, r.connectionId), encoder.encode(JSON.stringify(r)));
  }
}
