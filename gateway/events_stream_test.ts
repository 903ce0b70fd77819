import assert from "node:assert/strict";
import { Hono } from "hono";
import type postgres from "postgres";
import type { Auth } from "./auth.ts";
import { TooManyRequestsError } from "./errors.ts";
import type { Hub, Listener, StoredChangeMessage } from "./hub.ts";
import { eventsRoutes } from "./routes/events.ts";

/** A hub fed by the test, and the events routes on it (no NATS, no Postgres). */
function setup() {
  const listeners = new Set<Listener>();
  const hub: Hub = {
    subscribe(l) {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    size: () => listeners.size,
    close: () => listeners.clear(),
  };
  const app = new Hono();
  app.route(
    "/",
    eventsRoutes({
      sql: null as unknown as postgres.Sql,
      hub,
      auth: null as unknown as Auth,
      keepAliveMs: 60_000,
      callerOf: (c) => c.req.header("x-caller") ?? "someone",
    }),
  );
  app.onError((err, c) =>
    err instanceof TooManyRequestsError ? c.json({ error: err.message }, 429) : c.json({ error: "?" }, 500)
  );
  const publish = (changes: StoredChangeMessage[]) => {
    for (const l of listeners) l(changes);
  };
  return { app, hub, publish, listeners };
}

const change = (i: number, size = 10) =>
  ({
    id: `c-${i}`,
    connector: "custom",
    version: 1,
    title: "x".repeat(size),
  }) as unknown as StoredChangeMessage;

/** Reads SSE events from a response until `until` says stop. */
async function readEvents(res: Response, until: (names: string[]) => boolean): Promise<string[]> {
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  const names: string[] = [];
  let buf = "";
  while (!until(names)) {
    const { value, done } = await reader.read();
    if (done) break;
    buf += value;
    for (const m of buf.matchAll(/^event: (\w+)$/gm)) names.push(m[1]!);
    buf = buf.slice(buf.lastIndexOf("\n") + 1);
  }
  await reader.cancel();
  return names;
}

Deno.test("a live stream that falls 2,000 changes behind is told to reset instead of growing", async () => {
  const { app, publish, listeners } = setup();
  const res = await app.request("/stream");
  assert.equal(res.status, 200);
  // Nothing is read while 2,500 changes arrive: the queue would hold them all.
  while (listeners.size === 0) await new Promise((r) => setTimeout(r, 5));
  publish(Array.from({ length: 2_500 }, (_, i) => change(i)));
  publish([change(9_999)]);
  const names = await readEvents(res, (n) => n.includes("change"));
  assert.deepEqual(
    names.filter((n) => n !== "ready"),
    ["reset", "change"],
    "the backlog was dropped, not sent",
  );
});

Deno.test("a live stream behind by 8 MB of changes is reset too", async () => {
  const { app, publish, listeners } = setup();
  const res = await app.request("/stream");
  while (listeners.size === 0) await new Promise((r) => setTimeout(r, 5));
  publish(Array.from({ length: 20 }, (_, i) => change(i, 500_000)));
  const names = await readEvents(res, (n) => n.includes("reset"));
  assert.ok(names.includes("reset"));
  assert.equal(names.filter((n) => n === "change").length, 0);
});

Deno.test("live streams are capped per caller", async () => {
  const { app } = setup();
  const open: Response[] = [];
  for (let i = 0; i < 20; i++) {
    const r = await app.request("/stream", { headers: { "x-caller": "greedy" } });
    assert.equal(r.status, 200);
    open.push(r);
  }
  assert.equal((await app.request("/stream", { headers: { "x-caller": "greedy" } })).status, 429);
  const other = await app.request("/stream", { headers: { "x-caller": "polite" } });
  assert.equal(other.status, 200, "another caller is not affected");
  for (const r of [...open, other]) await r.body?.cancel();
});
