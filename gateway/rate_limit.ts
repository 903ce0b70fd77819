/** Token-bucket rate limits for the intake routes (change API, webhooks, sign-in), kept in memory per gateway. */
import type { Context, MiddlewareHandler } from "hono";

export interface RateLimit {
  /** Requests allowed per minute, steadily refilled. */
  perMinute: number;
  /** Requests allowed at once. */
  burst: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

/**
 * The caller's address: as Deno.serve saw it ("local" for in-process requests), or, when the gateway sits behind
 * that many trusted proxies, the address they recorded in X-Forwarded-For (counting from the right, so a client
 * cannot choose its own bucket).
 */
export function clientAddress(c: Context, trustedProxies = 0): string {
  const env = c.env as { remoteAddr?: { hostname?: string } } | undefined;
  const socket = env?.remoteAddr?.hostname ?? "local";
  if (trustedProxies <= 0) return socket;
  const hops = (c.req.header("x-forwarded-for") ?? "").split(",").map((h) => h.trim()).filter(Boolean);
  return hops[hops.length - trustedProxies] ?? hops[0] ?? socket;
}

export function rateLimiter(
  limit: RateLimit,
  keyOf: (c: Context) => string,
  now: () => number = Date.now,
): MiddlewareHandler {
  const buckets = new Map<string, Bucket>();
  const perMs = limit.perMinute / 60_000;
  return async (c, next) => {
    const t = now();
    const key = keyOf(c);
    const b = buckets.get(key) ?? { tokens: limit.burst, at: t };
    b.tokens = Math.min(limit.burst, b.tokens + (t - b.at) * perMs);
    b.at = t;
    if (b.tokens < 1) {
      const retry = Math.ceil((1 - b.tokens) / perMs / 1000);
      buckets.set(key, b);
      return c.json({ error: `Too many requests; retry in ${retry} s` }, 429, {
        "retry-after": String(retry),
      });
    }
    b.tokens -= 1;
    buckets.set(key, b);
    // Full buckets carry no state: drop them now and then so the map stays small.
    if (buckets.size > 10_000) {
      for (const [k, v] of buckets) if (v.tokens + (t - v.at) * perMs >= limit.burst) buckets.delete(k);
    }
    await next();
  };
}
