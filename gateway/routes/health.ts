/** GET /api/health: NATS and Postgres. */
import { Hono } from "hono";
import type { NatsConnection } from "nats";
import type postgres from "postgres";

export function healthRoutes(deps: { sql: postgres.Sql; nc: NatsConnection }) {
  const app = new Hono();
  app.get("/", async (c) => {
    const nats = !deps.nc.isClosed() && !deps.nc.isDraining() ? "ok" : "down";
    let postgres = "ok";
    try {
      await Promise.race([
        deps.sql`SELECT 1`,
        new Promise((_, reject) => setTimeout(() => reject(new Error("timeout")), 2_000)),
      ]);
    } catch {
      postgres = "down";
    }
    const ok = nats === "ok" && postgres === "ok";
    return c.json({ status: ok ? "ok" : "degraded", nats, postgres }, ok ? 200 : 503);
  });
  return app;
}
