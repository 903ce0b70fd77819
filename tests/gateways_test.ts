/**
 * Two gateway processes on one NATS and one Postgres, as behind a load balancer: a session made on one works on
 * the other (and signing out on one ends it on both), the failed-credential limit counts across both (guesses
 * alternated between them are cut off at the same total as on one gateway, and the right token is then refused
 * by both), and a change stored once reaches a live stream (SSE) on each gateway, once.
 *
 * The gateways trust one proxy (PAINCHAIN_TRUSTED_PROXIES=1), as behind compose.cluster.yaml's proxy: each step
 * is its own caller through X-Forwarded-For.
 */
import assert from "node:assert/strict";
import { type Service, startService } from "./bench/util.ts";
import { createTestDb, createTestNats, freePort, NATS_URL } from "@painchain/testing";

const ADMIN = "gateways-test-admin-token-0123456789";
/** The gateway's default failed-credential limit (gateway/limits.ts): the 20th failure in a window is refused. */
const FAILURE_LIMIT = 20;

interface SseEvent {
  event: string;
  id: string;
  data: string;
}

/** A live stream read in the background: every event it has sent so far. */
async function openStream(url: string, headers: Record<string, string>) {
  const ac = new AbortController();
  const res = await fetch(url, { headers, signal: ac.signal });
  assert.equal(res.status, 200, `stream ${url}: ${res.status}`);
  const events: SseEvent[] = [];
  const reading = (async () => {
    const dec = new TextDecoder();
    let buf = "";
    try {
      for await (const chunk of res.body!) {
        buf += dec.decode(chunk, { stream: true });
        let end;
        while ((end = buf.indexOf("\n\n")) >= 0) {
          const block = buf.slice(0, end);
          buf = buf.slice(end + 2);
          const ev: SseEvent = { event: "message", id: "", data: "" };
          for (const line of block.split("\n")) {
            if (line.startsWith("event:")) ev.event = line.slice(6).trim();
            else if (line.startsWith("id:")) ev.id = line.slice(3).trim();
            else if (line.startsWith("data:")) ev.data += line.slice(5).trim();
          }
          if (!block.startsWith(":")) events.push(ev);
        }
      }
    } catch { /* aborted */ }
  })();
  return {
    events,
    async close() {
      ac.abort();
      await reading;
    },
  };
}

async function waitUntil<T>(fn: () => Promise<T> | T, ms: number, what: string): Promise<NonNullable<T>> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v as NonNullable<T>;
    if (Date.now() > end) throw new Error(`Timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

Deno.test({
  name: "two gateways share sessions, the failed-credential limit and live changes",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async (t) => {
    const db = await createTestDb();
    const tn = await createTestNats();
    const services: Service[] = [];
    const base = { NATS_URL, DATABASE_URL: db.url, PAINCHAIN_PREFIX: tn.names.prefix };
    try {
      // The store migrates the database and announces what it stores.
      services.push(await startService("store/main.ts", base, /Store consuming/, 120_000));
      const urls: string[] = [];
      for (let i = 0; i < 2; i++) {
        const port = freePort();
        services.push(
          await startService(
            "gateway/main.ts",
            {
              ...base,
              PORT: String(port),
              HOST: "127.0.0.1",
              PAINCHAIN_ADMIN_TOKEN: ADMIN,
              PAINCHAIN_TRUSTED_PROXIES: "1",
            },
            /Gateway listening/,
            120_000,
          ),
        );
        urls.push(`http://127.0.0.1:${port}`);
      }
      const [A, B] = urls as [string, string];
      const from = (caller: string, h: Record<string, string> = {}) => ({ "x-forwarded-for": caller, ...h });

      await t.step("a session made on gateway A works on B; signing out on B ends it on A", async () => {
        const res = await fetch(`${A}/api/auth/session`, {
          method: "POST",
          headers: from("10.0.0.1", { "content-type": "application/json" }),
          body: JSON.stringify({ token: ADMIN }),
        });
        assert.equal(res.status, 200, await res.text());
        const cookie = (res.headers.get("set-cookie") ?? "").split(";")[0]!;
        assert.match(cookie, /=/, "a session cookie was set");
        const me = async (gw: string) =>
          await (await fetch(`${gw}/api/auth/me`, { headers: from("10.0.0.1", { cookie }) })).json();
        assert.equal((await me(B)).principal?.kind, "admin", "B knows A's session");
        const list = await fetch(`${B}/api/connections`, { headers: from("10.0.0.1", { cookie }) });
        assert.equal(list.status, 200);
        await list.body?.cancel();
        const out = await fetch(`${B}/api/auth/session`, {
          method: "DELETE",
          headers: from("10.0.0.1", { cookie }),
        });
        assert.equal(out.status, 204);
        assert.equal((await me(A)).authenticated, false, "signed out on B, so not signed in on A");
      });

      /** Wrong bearer tokens from one caller, to gateways in turn; the attempt (1-based) first answered 429. */
      const guess = async (caller: string, gateways: string[]) => {
        for (let i = 0; i < 3 * FAILURE_LIMIT; i++) {
          const gw = gateways[i % gateways.length]!;
          const res = await fetch(`${gw}/api/events`, {
            headers: from(caller, { authorization: `Bearer wrong-${caller}-${i}` }),
          });
          await res.body?.cancel();
          if (res.status === 429) return i + 1;
          assert.equal(res.status, 401, `attempt ${i + 1} on ${gw}`);
        }
        return 0;
      };

      let single = 0;
      await t.step("on one gateway, wrong tokens are cut off at the limit", async () => {
        single = await guess("10.0.1.1", [A]);
        assert.equal(single, FAILURE_LIMIT, `one gateway: 429 at attempt ${single}`);
      });

      await t.step("alternated between A and B, they are cut off at the same total", async () => {
        const both = await guess("10.0.1.2", [A, B]);
        assert.equal(both, single, `two gateways: 429 at attempt ${both}, one gateway: ${single}`);
        // Blocked everywhere, right token or wrong, and not a neighbour.
        for (const gw of [A, B]) {
          const right = await fetch(`${gw}/api/events`, {
            headers: from("10.0.1.2", { authorization: `Bearer ${ADMIN}` }),
          });
          await right.body?.cancel();
          assert.equal(right.status, 429, `${gw} refuses the right token from the blocked caller`);
          assert.ok(Number(right.headers.get("retry-after")) > 0);
          const other = await fetch(`${gw}/api/events`, {
            headers: from("10.0.1.3", { authorization: `Bearer ${ADMIN}` }),
          });
          await other.body?.cancel();
          assert.equal(other.status, 200, `${gw} serves another caller`);
        }
      });

      await t.step("right after a block on A, B refuses the right token too", async () => {
        // The narrowest case: the block comes from A's last failure and B is asked at once.
        for (let i = 0; i < FAILURE_LIMIT - 1; i++) {
          const res = await fetch(`${B}/api/events`, {
            headers: from("10.0.1.4", { authorization: `Bearer wrong-${i}` }),
          });
          await res.body?.cancel();
          assert.equal(res.status, 401);
        }
        const last = await fetch(`${A}/api/events`, {
          headers: from("10.0.1.4", { authorization: "Bearer wrong-last" }),
        });
        await last.body?.cancel();
        assert.equal(last.status, 429, "the limit-th failure, on A");
        const right = await fetch(`${B}/api/events`, {
          headers: from("10.0.1.4", { authorization: `Bearer ${ADMIN}` }),
        });
        await right.body?.cancel();
        assert.equal(right.status, 429, "B at once");
      });

      await t.step("a change stored once reaches a live stream on each gateway, once", async () => {
        const auth = { authorization: `Bearer ${ADMIN}` };
        const streams = [
          await openStream(`${A}/api/events/stream`, from("10.0.2.1", auth)),
          await openStream(`${B}/api/events/stream`, from("10.0.2.2", auth)),
        ];
        try {
          await waitUntil(
            () => streams.every((s) => s.events.some((e) => e.event === "ready")),
            30_000,
            "ready",
          );
          const title = `Deploy ${crypto.randomUUID()}`;
          const posted = await fetch(`${A}/api/changes`, {
            method: "POST",
            headers: from("10.0.2.3", { ...auth, "content-type": "application/json" }),
            body: JSON.stringify({ title, service: "checkout", environment: "prod" }),
          });
          assert.equal(posted.status, 202, await posted.clone().text());
          const { id } = await posted.json() as { id: string };
          const seen = (s: (typeof streams)[number]) =>
            s.events.filter((e) => e.event === "change" && JSON.parse(e.data).id === id);
          await waitUntil(
            () => streams.every((s) => seen(s).length > 0),
            60_000,
            "the change on both streams",
          );
          // Nothing more arrives for it: once on each.
          await new Promise((r) => setTimeout(r, 2_000));
          for (const [i, s] of streams.entries()) {
            const got = seen(s);
            assert.equal(got.length, 1, `stream ${i ? "B" : "A"} saw it ${got.length} times`);
            assert.equal(JSON.parse(got[0]!.data).title, title);
          }
        } finally {
          for (const s of streams) await s.close();
        }
      });
    } finally {
      for (const s of services.reverse()) await s.stop().catch(() => {});
      await tn.cleanup();
      await db.drop();
    }
  },
});
