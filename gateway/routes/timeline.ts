/** GET /api/timeline: per-connector counts in server-side bins. */
import { Hono } from "hono";
import type postgres from "postgres";
import { timeline, timelineQuerySchema } from "../events_query.ts";
import { validate } from "../validation.ts";

export function timelineRoutes(deps: { sql: postgres.Sql; now: () => Date }) {
  const app = new Hono();
  app.get("/", validate("query", timelineQuerySchema), async (c) => {
    return c.json(await timeline(deps.sql, c.req.valid("query"), deps.now()));
  });
  return app;
}
