/** GET /api/events (filters, cursor pagination), GET /api/events/stream (SSE), GET /api/events/:id. */
import { type Context, Hono } from "hono";
import { streamSSE } from "hono/streaming";
import type postgres from "postgres";
import { z } from "zod";
import type { Auth } from "../auth.ts";
import { credentialsOf } from "../auth_middleware.ts";
import { chainOf } from "../chain.ts";
import { NotFoundError, TooManyRequestsError } from "../errors.ts";
import { eventsQuerySchema, getEvent, listEvents } from "../events_query.ts";
import type { Hub } from "../hub.ts";
import { repeated, validate } from "../validation.ts";

const streamQuerySchema = z.object({
  connector: repeated(z.string().regex(/^[a-z][a-z0-9_]{0,31}$/)),
}).strict();

/** Changes (and bytes) one live stream may have waiting; a reader further behind gets `reset` and reloads. */
const QUEUE_MAX = 2_000;
const QUEUE_MAX_BYTES = 8 * 1024 * 1024;
const STREAMS_PER_CALLER = 20;
const STREAMS_TOTAL = 1_000;

export function eventsRoutes(
  deps: {
    sql: postgres.Sql;
    hub: Hub;
    auth: Auth;
    keepAliveMs?: number | undefined;
    recheckMs?: number | undefined;
    callerOf?: (c: Context) => string;
  },
) {
  const app = new Hono();
  const streamsByCaller = new Map<string, number>();

  app.get("/", validate("query", eventsQuerySchema), async (c) => {
    return c.json(await listEvents(deps.sql, c.req.valid("query")));
  });

  app.get("/stream", validate("query", streamQuerySchema), (c) => {
    const { connector } = c.req.valid("query");
    const { bearer, cookie } = credentialsOf(c);
    const caller = deps.callerOf?.(c) ?? "local";
    const mine = streamsByCaller.get(caller) ?? 0;
    if (mine >= STREAMS_PER_CALLER || deps.hub.size() >= STREAMS_TOTAL) {
      throw new TooManyRequestsError("Too many live streams open; close one first", 5);
    }
    streamsByCaller.set(caller, mine + 1);
    return streamSSE(c, async (stream) => {
      const queue: string[] = [];
      let queuedBytes = 0;
      let lagging = false;
      let wake: (() => void) | null = null;
      const unsubscribe = deps.hub.subscribe((changes) => {
        for (const ch of changes) {
          if (connector.length > 0 && !connector.includes(ch.connector)) continue;
          const data = JSON.stringify(ch);
          queue.push(`${ch.id}@${ch.version}\n${data}`);
          queuedBytes += data.length;
        }
        // A reader that does not keep up is told to reload instead of being buffered without bound.
        if (queue.length > QUEUE_MAX || queuedBytes > QUEUE_MAX_BYTES) {
          queue.length = 0;
          queuedBytes = 0;
          lagging = true;
        }
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
          if (lagging) {
            lagging = false;
            await stream.writeSSE({
              event: "reset",
              data: JSON.stringify({ reason: "The stream fell behind; reload" }),
            });
          }
          while (queue.length > 0 && !closed) {
            const item = queue.shift()!;
            const nl = item.indexOf("\n");
            queuedBytes -= item.length - nl - 1;
            await stream.writeSSE({ event: "change", id: item.slice(0, nl), data: item.slice(nl + 1) });
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
        const left = (streamsByCaller.get(caller) ?? 1) - 1;
        if (left > 0) streamsByCaller.set(caller, left);
        else streamsByCaller.delete(caller);
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
