import assert from "node:assert/strict";
import { type Connection, memoryStateStore, type PollContext } from "@painchain/shared";
import { cloudEventSchema, silentLogger, toCloudEvent } from "@painchain/shared/internal";
import { mapChange } from "./map.ts";
import { pollTemplate } from "./poll.ts";

/** A tiny fake upstream: GET /changes?since= answers the changes at or after `since`, newest first. */
function fakeUpstream(token: string) {
  const changes = [
    { id: "c3", kind: "config", title: "Raise pool size", at: "2026-11-26T10:02:00.000Z", author: "ana" },
    {
      id: "c2",
      kind: "deploy",
      title: "Deploy api 1.4",
      at: "2026-11-26T10:01:00.000Z",
      environment: "prod",
    },
    { id: "c1", kind: "deploy", title: "Deploy api 1.3", at: "2026-11-26T10:00:00.000Z" },
  ];
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen: () => {} }, (req) => {
    if (req.headers.get("authorization") !== `Bearer ${token}`) return new Response("no", { status: 401 });
    const since = new URL(req.url).searchParams.get("since") ?? "";
    return Response.json(changes.filter((c) => c.at >= since));
  });
  return { url: `http://127.0.0.1:${server.addr.port}`, changes, stop: () => server.shutdown() };
}

const connection = (baseUrl: string, token: string): Connection => ({
  id: "t1",
  connector: "template",
  name: "Template",
  enabled: true,
  pollInterval: 300,
  tags: ["team-a"],
  config: { baseUrl, backfillDays: 30 },
  secrets: { token },
  createdAt: "2026-11-26T00:00:00Z",
  updatedAt: "2026-11-26T00:00:00Z",
});

function context(c: Connection, cursor: unknown, emitted: unknown[]): PollContext {
  return {
    connection: c,
    provenance: { fromFile: false, references: [] },
    cursor,
    signal: new AbortController().signal,
    log: silentLogger,
    fetch,
    now: () => new Date("2026-11-27T00:00:00Z"),
    emit: (changes) => {
      emitted.push(...changes);
      return Promise.resolve(changes.length);
    },
    saveCursor: () => Promise.resolve(),
    state: memoryStateStore(),
    rateLimit: () => {},
    waitForRateLimit: () => Promise.resolve(),
  };
}

Deno.test("the template connector", async (t) => {
  const up = fakeUpstream("s3cr3t");
  try {
    await t.step("mapChange() makes valid events with a stable id", () => {
      const e = toCloudEvent(mapChange(up.changes[1]!, ["x"]), {
        connector: "template",
        connectionId: "t1",
        recordedAt: new Date("2026-11-27T00:00:00Z"),
      });
      assert.ok(cloudEventSchema.safeParse(e).success);
      assert.equal(e.id, "template-change-c2");
      assert.equal(e.data.environment, "prod");
    });
    await t.step("the first poll emits everything; the next one nothing new", async () => {
      const emitted: unknown[] = [];
      const first = await pollTemplate(context(connection(up.url, "s3cr3t"), null, emitted));
      assert.equal(emitted.length, 3);
      const again: unknown[] = [];
      await pollTemplate(context(connection(up.url, "s3cr3t"), first.cursor, again));
      assert.equal(again.length, 0);
    });
    await t.step("a refused token is a clear error without the upstream's body", async () => {
      await assert.rejects(
        () => pollTemplate(context(connection(up.url, "wrong"), null, [])),
        /^Error: HTTP 401 Unauthorized \(127\.0\.0\.1:\d+\): check the API token$/,
      );
    });
  } finally {
    await up.stop();
  }
});
