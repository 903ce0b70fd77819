/**
 * Who is calling, and may they? The requirement of each route is in policy.ts. Failed credentials are counted
 * per caller across every gateway: past the limit, every credential from that caller is refused (429) until the
 * window ends, right or wrong. Cookie-authenticated writes must come from this very origin.
 */
import type { Context, MiddlewareHandler } from "hono";
import { getCookie } from "hono/cookie";
import { allows, type Auth, AuthError, ForbiddenError, type Principal, SESSION_COOKIE } from "./auth.ts";
import { TooManyRequestsError } from "./errors.ts";
import type { Limits } from "./limits.ts";
import { requirementOf } from "./policy.ts";

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

export function bearerOf(header: string | undefined): string | null {
  if (header === undefined) return null;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!m) throw new AuthError("Authorization must be 'Bearer <token or API key>'");
  return m[1]!;
}

/** The credentials a request carries (for a later re-check, e.g. by a long-lived stream). */
export function credentialsOf(c: Context): { bearer: string | null; cookie: string | null } {
  return { bearer: bearerOf(c.req.header("authorization")), cookie: getCookie(c, SESSION_COOKIE) ?? null };
}

function sameOrigin(c: Context): boolean {
  if (c.req.header("sec-fetch-site") === "cross-site") return false;
  const origin = c.req.header("origin");
  if (origin === undefined) return true;
  try {
    return new URL(origin).host === new URL(c.req.url).host;
  } catch {
    return false; // "null" and other opaque origins
  }
}

export function authMiddleware(
  deps: { auth: Auth; limits: Limits; callerOf(c: Context): string },
): MiddlewareHandler<{ Variables: { principal: Principal | null } }> {
  return async (c, next) => {
    const need = requirementOf(c.req.method, c.req.path);
    if (need === "signature") return await next();
    const { bearer, cookie } = credentialsOf(c);
    const caller = deps.callerOf(c);
    let principal: Principal | null = null;
    if (bearer !== null || cookie !== null) {
      // A few checks at a time per caller, each after the failures before it were counted.
      const done = await deps.limits.turn(caller);
      try {
        const wait = deps.limits.blocked(caller);
        if (wait > 0) throw new TooManyRequestsError("Too many failed credentials; try again later", wait);
        try {
          principal = await deps.auth.authenticate(bearer, cookie);
        } catch (err) {
          if (err instanceof AuthError) {
            const blocked = await deps.limits.failed(caller);
            if (blocked > 0) {
              throw new TooManyRequestsError("Too many failed credentials; try again later", blocked);
            }
          }
          // A stale cookie does not block public routes (e.g. signing in again).
          if (!(err instanceof AuthError) || bearer !== null || need !== "public") throw err;
        }
      } finally {
        done();
      }
    }
    c.set("principal", principal);
    if (need === "public" || (need === "read" && !principal && deps.auth.publicRead)) return await next();
    if (!principal) throw new AuthError("Sign in, or send Authorization: Bearer <token or API key>");
    if (!allows(principal, need)) {
      throw new ForbiddenError(
        need === "admin" ? "Only the admin may do this" : `This needs the ${need} scope`,
      );
    }
    // A session cookie is sent by the browser on its own: unsafe requests must come from this very origin.
    if (principal.via === "session" && !SAFE_METHODS.has(c.req.method) && !sameOrigin(c)) {
      throw new ForbiddenError("Cross-site request refused");
    }
    await next();
  };
}
