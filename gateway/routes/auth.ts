/**
 * Sign-in for the UI (POST/DELETE /api/auth/session sets or clears an HttpOnly cookie; GET /api/auth/me says who
 * is signed in) and API key management for the admin (GET/POST /api/keys, DELETE /api/keys/:id).
 */
import { Hono } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { z } from "zod";
import { SESSION_TTL_MS } from "@painchain/shared/internal";
import type { Context } from "hono";
import {
  actorOf,
  apiKeyBodySchema,
  type Auth,
  AuthError,
  type Principal,
  publicKey,
  SESSION_COOKIE,
} from "../auth.ts";
import type { Audit } from "../audit.ts";
import { NotFoundError, TooManyRequestsError } from "../errors.ts";
import type { Limits } from "../limits.ts";
import { validate } from "../validation.ts";

type Env = { Variables: { principal: Principal | null } };

const describe = (p: Principal) => ({ kind: p.kind, id: p.id, name: p.name, scopes: p.scopes });

export function authRoutes(deps: { auth: Auth; limits: Limits; callerOf(c: Context): string }) {
  const app = new Hono<Env>();

  app.get("/me", (c) => {
    const p = c.get("principal");
    return c.json({
      authenticated: p !== null,
      principal: p ? describe(p) : null,
      publicRead: deps.auth.publicRead,
    });
  });

  app.post(
    "/session",
    validate("json", z.object({ token: z.string().min(1, "Token is required").max(500) }).strict()),
    async (c) => {
      const caller = deps.callerOf(c);
      // A few checks at a time per caller, each after the failures before it were counted.
      const done = await deps.limits.turn(caller);
      let p: Principal | null;
      try {
        const blocked = deps.limits.blocked(caller);
        if (blocked > 0) {
          throw new TooManyRequestsError("Too many failed credentials; try again later", blocked);
        }
        p = await deps.auth.verifyToken(c.req.valid("json").token);
        if (!p) {
          const wait = await deps.limits.failed(caller);
          if (wait > 0) throw new TooManyRequestsError("Too many failed credentials; try again later", wait);
          throw new AuthError("The token or API key is not valid");
        }
      } finally {
        done();
      }

      const cookie = await deps.auth.createSession(p);
      setCookie(c, SESSION_COOKIE, cookie, {
        httpOnly: true,
        sameSite: "Strict",
        path: "/",
        secure: new URL(c.req.url).protocol === "https:" || c.req.header("x-forwarded-proto") === "https",
        maxAge: Math.floor(SESSION_TTL_MS / 1000),
      });
      return c.json({ authenticated: true, principal: describe({ ...p, via: "session" }) });
    },
  );

  app.delete("/session", async (c) => {
    const cookie = getCookie(c, SESSION_COOKIE);
    if (cookie) await deps.auth.deleteSession(cookie);
    deleteCookie(c, SESSION_COOKIE, { path: "/" });
    return c.body(null, 204);
  });

  return app;
}

export function keysRoutes(deps: { auth: Auth; audit: Audit }) {
  const app = new Hono<Env>();

  app.get("/", async (c) => c.json((await deps.auth.listKeys()).map(publicKey)));

  app.post("/", validate("json", apiKeyBodySchema), async (c) => {
    const body = c.req.valid("json");
    await deps.audit.record({
      action: "key.created",
      actor: actorOf(c.get("principal")),
      target: { name: body.name, scopes: body.scopes },
    });
    const { key, record } = await deps.auth.createKey(body, c.get("principal")!);
    // The only time the key is shown.
    return c.json({ ...publicKey(record), key }, 201);
  });

  app.delete(
    "/:id",
    validate("param", z.object({ id: z.string().regex(/^[a-z0-9]{12}$/, "Invalid key id") })),
    async (c) => {
      const { id } = c.req.valid("param");
      const record = await deps.auth.getKey(id);
      if (!record) throw new NotFoundError(`No API key "${id}"`);
      await deps.audit.record({
        action: "key.revoked",
        actor: actorOf(c.get("principal")),
        target: { id, name: record.name, scopes: record.scopes },
      });
      if (!(await deps.auth.revokeKey(id))) throw new NotFoundError(`No API key "${id}"`);
      return c.body(null, 204);
    },
  );

  return app;
}
