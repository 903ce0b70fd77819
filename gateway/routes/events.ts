/** GET /api/events (filters, cursor pagination), GET /api/events/stream (SSE), GET /api/events/:id. */
import { Hono } from "hono";
import { streamSSE } from "hono/streaming";
import type postgres from "postgres";
import { z } from "zod";
import type { Auth } from "../auth.ts";
import { credentialsOf } from "../auth_middleware.ts";
import { chainOf } from "../chain.ts";
import { NotFoundError } from "../errors.ts";
import { eventsQuerySchema, getEvent, listEvents } from "../events_query.ts";
import type { Hub, StoredChangeMessage } from "../hub.ts";
import { repeated, validate } from "../validation.ts";

const streamQuerySchema = z.object({
  connector: repeated(z.string().regex(/^[a-z][a-z0-9_]{0,31}$/)),
}).strict();

export function eventsRoutes(
  deps: {
    sql: postgres.Sql;
    hub: Hub;
    auth: Auth;
    keepAliveMs?: number | undefined;
    recheckMs?: number | undefined;
  },
) {
  const app = new Hono();

  app.get("/", validate("query", eventsQuerySchema), async (c) => {
    return c.json(await listEvents(deps.sql, c.req.valid("query")));
  });

  app.get("/stream", validate("query", streamQuerySchema), (c) => {
    const { connector } = c.req.valid("query");
    const { bearer, cookie } = credentialsOf(c);
    return streamSSE(c, async (stream) => {
      const queue: StoredChangeMessage[] = [];
      let wake: (() => void) | null = null;
      const unsubscribe = deps.hub.subscribe((changes) => {
        for (const ch of changes) {
          if (connector.length === 0 || connector.includes(ch.connector)) queue.push(ch);
        }
        if (queue.length > 10_000) queue.splice(0, queue.length - 10_000);
        wake?.();
      });
      let closed = false;
      stream.onAbort(() => {
        closed = true;
        wake?.();
      });
      // A revoked key, a signed-out session or a rotated admin token ends the stream within one re-check.
      const recheck = bearer === null && cookie === null ? undefined : setInterval(() => {
        deps.auth.authenticate(bearer, cookie).catch(() => {
          closed = true;
          wake?.();
        });
      }, deps.recheckMs ?? 5_000);
      try {
        await stream.writeSSE({ event: "ready", data: "{}" });
        while (!closed) {
          while (queue.length > 0 && !closed) {
            const ch = queue.shift()!;
            await stream.writeSSE({
              event: "change",
              id: `${ch.id}@${ch.version}`,
              data: JSON.stringify(ch),
            });
          }
          await new Promise<void>((resolve) => {
            const t = setTimeout(resolve, deps.keepAliveMs ?? 15_000);
            wake = () => {
              clearTimeout(t);
              resolve();
            };
          });
          wake = null;
          if (queue.length === 0 && !closed) await stream.write(": keep-alive\n\n");
        }
      } finally {
        clearInterval(recheck);
        unsubscribe();
        if (closed) await stream.close().catch(() => {});
      }
    });
  });

  app.get("/:id/chain", validate("param", z.object({ id: z.string().min(3).max(300) })), async (c) => {
    const chain = await chainOf(deps.sql, c.req.valid("param").id);
    if (!chain) throw new NotFoundError("No such event");
    return c.json(chain);
  });

  app.get("/:id", validate("param", z.object({ id: z.string().min(3).max(300) })), async (c) => {
    const e = await getEvent(deps.sql, c.req.valid("param").id);
    if (!e) throw new NotFoundError("No such event");
    return c.json(e);
  });

  return app;
}
