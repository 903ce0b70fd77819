/** The UI: gzipped bundle size, and the first render of the last-24 h view with 1,000,000 events (Playwright). */
import { gzipSync } from "node:zlib";
import { launchBrowser } from "@painchain/testing/browser";
import { ROOT } from "@painchain/testing";
import { log, percentile, type Results } from "./util.ts";
import { TEST_ADMIN_TOKEN } from "@painchain/testing/pipeline";

export async function benchBundle(results: Results): Promise<void> {
  const build = await new Deno.Command(Deno.execPath(), { args: ["run", "-A", "web/build.ts"], cwd: ROOT })
    .output();
  if (!build.success) throw new Error(new TextDecoder().decode(build.stderr));
  const js = await Deno.readFile(`${ROOT}web/dist/app.js`);
  const css = await Deno.readFile(`${ROOT}web/dist/style.css`);
  const html = await Deno.readFile(`${ROOT}web/dist/index.html`);
  const kb = (gzipSync(js).length + gzipSync(css).length + gzipSync(html).length) / 1024;
  results.bundle_gzip_kb = {
    value: +kb.toFixed(1),
    unit: "KB",
    note: "app.js + style.css + index.html, gzipped",
  };
  log(`bundle: ${kb.toFixed(1)} KB gzipped`);
}

/** A page whose context holds a session cookie (signed in with the admin token), as a returning user has. */
async function signedInPage(browser: Awaited<ReturnType<typeof launchBrowser>>, url: string) {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const res = await ctx.request.post(`${url}/api/auth/session`, { data: { token: TEST_ADMIN_TOKEN } });
  if (!res.ok()) throw new Error(`sign-in failed: ${res.status()}`);
  return await ctx.newPage();
}

export async function benchFirstRender(results: Results, url: string, runs = 5): Promise<void> {
  const browser = await launchBrowser();
  try {
    const times: number[] = [];
    for (let i = 0; i < runs; i++) {
      const page = await signedInPage(browser, url);
      await page.goto(`${url}/?range=24h`, { waitUntil: "commit" });
      await page.waitForSelector(".card", { timeout: 30_000 });
      await page.waitForSelector(".legend-item", { timeout: 30_000 });
      // Time since navigation start, as the browser measures it.
      times.push(await page.evaluate(() => performance.now()));
      await page.context().close();
    }
    times.sort((a, b) => a - b);
    results.first_render_ms = {
      value: Math.round(percentile(times, 50)),
      unit: "ms",
      note: `median of ${runs}, last-24 h view at 1M events`,
    };
    results.first_render_max_ms = { value: Math.round(times.at(-1)!), unit: "ms" };
    log(
      `first render: median ${results.first_render_ms.value} ms, max ${results.first_render_max_ms.value} ms`,
    );
  } finally {
    await browser.close();
  }
}

/** Loads 10,000 changes into the list by scrolling, then scrolls through all of them measuring frame times. */
export async function benchScroll(results: Results, url: string): Promise<void> {
  const browser = await launchBrowser();
  try {
    const page = await signedInPage(browser, url);
    await page.goto(`${url}/?range=30d`);
    await page.waitForSelector(".card");
    const loadedCount = () =>
      page.evaluate(() => {
        const s = document.querySelector(".scroller")!;
        s.scrollTop = s.scrollHeight;
        return Number(document.querySelector("ul.cards")!.getAttribute("aria-label")!.split(" ")[0]);
      });
    for (let i = 0; i < 600 && (await loadedCount()) < 10_000; i++) await page.waitForTimeout(100);
    const stats = await page.evaluate(async () => {
      const s = document.querySelector(".scroller")!;
      const frames: number[] = [];
      let last = performance.now();
      let maxCards = 0;
      for (let y = 0; y < s.scrollHeight; y += 400) {
        s.scrollTop = y;
        await new Promise((r) => requestAnimationFrame(() => r(null)));
        const now = performance.now();
        frames.push(now - last);
        last = now;
        maxCards = Math.max(maxCards, document.querySelectorAll(".card").length);
      }
      frames.sort((a, b) => a - b);
      return {
        loaded: Number(document.querySelector("ul.cards")!.getAttribute("aria-label")!.split(" ")[0]),
        p95: frames[Math.floor(frames.length * 0.95)]!,
        maxCards,
      };
    });
    results.scroll_10k_loaded = { value: stats.loaded, unit: "changes" };
    results.scroll_10k_frame_p95_ms = {
      value: +stats.p95.toFixed(1),
      unit: "ms",
      note: "scrolling through every loaded change",
    };
    results.scroll_10k_max_cards_in_dom = { value: stats.maxCards, unit: "cards" };
    log(
      `scroll: ${stats.loaded} loaded, frame p95 ${
        stats.p95.toFixed(1)
      } ms, at most ${stats.maxCards} cards in the DOM`,
    );
  } finally {
    await browser.close();
  }
}
