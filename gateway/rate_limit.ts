/** Rate limits of the intake routes (change API, webhooks, sign-in), shared by every gateway (limits.ts). */
import type { Context, MiddlewareHandler } from "hono";
import type { Limits, RateLimit } from "./limits.ts";

export type { RateLimit } from "./limits.ts";

/**
 * The caller's address: as Deno.serve saw it ("local" for in-process requests), or, when the gateway sits behind
 * that many trusted proxies, the address they recorded in X-Forwarded-For (counting from the right, so a client
 * cannot choose its own bucket by adding entries).
 */
export function clientAddress(c: Context, trustedProxies = 0): string {
  const env = c.env as { remoteAddr?: { hostname?: string } } | undefined;
  const socket = env?.remoteAddr?.hostname ?? "local";
  if (trustedProxies <= 0) return socket;
  const hops = (c.req.header("x-forwarded-for") ?? "").split(",").map((h) => h.trim()).filter(Boolean);
  return hops[hops.length - trustedProxies] ?? hops[0] ?? socket;
}

export function rateLimiter(
  limits: Limits,
  bucket: string,
  limit: RateLimit,
  keyOf: (c: Context) => string,
): MiddlewareHandler {
  return async (c, next) => {
    const r = await limits.take(bucket, keyOf(c), limit);
    if (!r.ok) {
      return c.json({ error: `Too many requests; retry in ${r.retryAfter} s` }, 429, {
        "retry-after": String(r.retryAfter),
      });
    }
    await next();
  };
}
