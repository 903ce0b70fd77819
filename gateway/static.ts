/** Serves the built web bundle; unknown non-API paths get index.html so client routes work. */
import type { Context } from "hono";
import { extname, join, normalize } from "node:path";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".json": "application/json",
  ".map": "application/json",
  ".ico": "image/x-icon",
};

const PLACEHOLDER = `<!doctype html><meta charset="utf-8"><title>PainChain</title>
<body style="background:#1e1e1e;color:#eee;font-family:system-ui;padding:2rem">
<h1>PainChain</h1><p>The web bundle is not built. Run <code>deno task build</code>, or use the API at
<a style="color:#9f7aea" href="/api/events">/api/events</a>.</p></body>`;

export function serveWeb(dir: string) {
  return async (c: Context) => {
    let path: string;
    try {
      path = decodeURIComponent(new URL(c.req.url).pathname);
    } catch {
      return c.text("Bad request", 400);
    }
    if (path.includes("\0")) return c.text("Bad request", 400);
    const rel = normalize(path).replace(/^(\.\.(\/|\\|$))+/, "").replace(/^\/+/, "");
    const file = join(dir, rel || "index.html");
    if (!file.startsWith(dir)) return c.text("Not found", 404);
    for (const candidate of [file, join(dir, "index.html")]) {
      try {
        const body = await Deno.readFile(candidate);
        const type = TYPES[extname(candidate)] ?? "application/octet-stream";
        const cache = candidate.endsWith("index.html") ? "no-cache" : "public, max-age=3600";
        return c.body(body, 200, { "content-type": type, "cache-control": cache });
      } catch {
        if (extname(file) && candidate === file) return c.text("Not found", 404);
      }
    }
    return c.html(PLACEHOLDER);
  };
}
