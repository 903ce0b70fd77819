/** Headless Chromium (Debian's) driven by playwright-core, for browser tests and screenshots. */
import { type Browser, chromium, type Page } from "playwright-core";

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
