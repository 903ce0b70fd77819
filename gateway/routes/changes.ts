/** POST /api/changes: deploy scripts, feature flags and notes, as a CloudEvent or a minimal custom change. */
import { Hono } from "hono";
import { describeError, type PainchainCloudEvent, type Publisher } from "@painchain/shared/internal";
import type { Principal } from "../auth.ts";
import { changesBodySchema, mapPostedChange } from "../change_api/change.ts";
import { UnavailableError } from "../errors.ts";
import { validate } from "../validation.ts";

type Env = { Variables: { principal: Principal | null } };

export function changesRoutes(deps: { publisher: Publisher; now: () => Date }) {
  const app = new Hono<Env>();
  // Posts are recorded in the order they arrive, each at least a millisecond after the one before, so of two
  // versions of a change the later one always wins (even within the same millisecond).
  let last = 0;
  const reserve = (n: number) => {
    const t = Math.max(deps.now().getTime(), last + 1);
    last = t + n - 1;
    return new Date(t);
  };

  app.post("/", validate("json", changesBodySchema), async (c) => {
    const body = c.req.valid("json");
    const p = c.get("principal")!;
    const ctx = {
      poster: p.id,
      posterName: p.name,
      now: reserve(Array.isArray(body) ? body.length : 1),

      ...(c.req.header("idempotency-key")
        ? { idempotencyKey: c.req.header("idempotency-key")!.slice(0, 128) }
        : {}),
    };
    const items = Array.isArray(body) ? body : [body];
    const events: PainchainCloudEvent[] = [];
    const rejected: { index: number; error: string }[] = [];
    items.forEach((item, index) => {
      try {
        // Items of one array are recorded in order (a millisecond apart): of two versions of a change, the later wins.
        const at = { ...ctx, now: new Date(ctx.now.getTime() + index) };
        events.push(mapPostedChange(item, items.length > 1 ? { ...at, idempotencyKey: undefined } : at));
      } catch (err) {
        rejected.push({ index, error: describeError(err) });
      }
    });
    if (events.length === 0) {
      return c.json(
        { error: "Invalid request", detail: rejected.map((r) => r.error).join("; "), rejected },
        400,
      );
    }
    try {
      await deps.publisher.publish(events, AbortSignal.timeout(10_000));
    } catch (err) {
      throw new UnavailableError("Could not hand the change to NATS; try again", { cause: err });
    }
    const accepted = events.map((e) => ({ id: e.id, type: e.data.eventType, time: e.time }));
    return c.json(Array.isArray(body) ? { accepted, rejected } : accepted[0], 202);
  });

  return app;
}
