/** /api/events and /api/timeline return exactly what a direct SQL query over the seeded data returns. */
import assert from "node:assert/strict";
import { gatewayFixture } from "@painchain/testing/gateway";

Deno.test("events API matches direct SQL", async (t) => {
  const fx = await gatewayFixture({ events: 3000 });
  const get = async (qs: string) => {
    const res = await fx.app.request(`/api/events?${qs}`);
    assert.equal(res.status, 200, await res.clone().text());
    return await res.json();
  };
  /** Follows cursors to the end and returns every id, in order. */
  const allIds = async (qs: string, limit = 97) => {
    const ids: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { events: { id: string }[]; nextCursor: string | null } = await get(
        `${qs}&limit=${limit}${cursor ? `&cursor=${cursor}` : ""}`,
      );
      ids.push(...page.events.map((e) => e.id));
      cursor = page.nextCursor;
    } while (cursor);
    return ids;
  };
  try {
    const cases: { name: string; qs: string; where: ReturnType<typeof fx.sql> }[] = [
      { name: "no filter", qs: "", where: fx.sql`true` },
      { name: "one connector", qs: "connector=gitlab", where: fx.sql`connector = 'gitlab'` },
      {
        name: "two connectors and an event type",
        qs: "connector=github&connector=kubernetes&eventType=deploy",
        where: fx.sql`connector IN ('github','kubernetes') AND event_type = 'deploy'`,
      },
      { name: "exact tag (prod is not preprod)", qs: "tag=prod", where: fx.sql`'prod' = ANY(tags)` },
      { name: "tag any-of", qs: "tag=team-a,staging", where: fx.sql`tags && ARRAY['team-a','staging']` },
      {
        name: "author and status",
        qs: "author=bob&status=success",
        where: fx.sql`author = 'bob' AND status = 'success'`,
      },
      {
        name: "time window",
        qs: "from=2026-11-21T00:00:00Z&to=2026-11-23T12:00:00.000Z",
        where: fx.sql`occurred_at >= '2026-11-21T00:00:00Z' AND occurred_at < '2026-11-23T12:00:00Z'`,
      },
      {
        name: "full text",
        qs: "q=payments%20migration",
        where: fx.sql`search @@ websearch_to_tsquery('simple', 'payments migration')`,
      },
      {
        name: "everything at once",
        qs: "connector=github&tag=prod&from=2026-11-20T06:00:00Z&to=2026-11-26T00:00:00Z&q=rollout",
        where: fx.sql`connector = 'github' AND 'prod' = ANY(tags) AND occurred_at >= '2026-11-20T06:00:00Z'
          AND occurred_at < '2026-11-26T00:00:00Z' AND search @@ websearch_to_tsquery('simple', 'rollout')`,
      },
    ];
    for (const c of cases) {
      await t.step(`filter: ${c.name}`, async () => {
        const expected =
          (await fx.sql`SELECT id FROM change_events WHERE ${c.where} ORDER BY occurred_at DESC, id DESC`)
            .map((r) => r.id);
        assert.ok(expected.length > 0, "the case must select something");
        const ids = await allIds(c.qs);
        assert.equal(new Set(ids).size, ids.length, "no row twice across pages");
        assert.deepEqual(ids, expected);
      });
    }

    await t.step("pages hold exactly `limit` rows and the last page has no cursor", async () => {
      const p1 = await get("limit=500");
      assert.equal(p1.events.length, 500);
      assert.ok(p1.nextCursor);
      const tail = await get(
        "connector=painchain&limit=500&cursor=" + (await get("connector=painchain&limit=500")).nextCursor,
      );
      assert.equal(tail.nextCursor, null);
    });

    await t.step("GET /api/events/:id returns one event, 404 for unknown", async () => {
      const res = await fx.app.request("/api/events/gitlab-pipeline-1");
      assert.equal(res.status, 200);
      const e = await res.json();
      assert.equal(e.connector, "gitlab");
      assert.deepEqual(e.metadata, { n: 1 });
      assert.equal((await fx.app.request("/api/events/nope-nope-1")).status, 404);
    });

    await t.step("timeline bins count what SQL counts", async () => {
      const res = await fx.app.request(
        "/api/timeline?from=2026-11-20T00:00:00Z&to=2026-11-27T00:00:00Z&connector=github&connector=gitlab",
      );
      assert.equal(res.status, 200);
      const tl = await res.json();
      assert.equal(tl.binSeconds, 7200, "a week is shown in 2-hour bins (at most 120)");
      assert.equal(tl.bins.length, 84);
      const rows = await fx.sql`SELECT connector, count(*)::int AS n FROM change_events
        WHERE connector IN ('github','gitlab') AND occurred_at >= '2026-11-20' AND occurred_at < '2026-11-27' GROUP BY 1`;
      for (const r of rows) assert.equal(tl.totals[r.connector], r.n);
      const summed = tl.bins.reduce(
        (s: number, b: { counts: Record<string, number> }) =>
          s + Object.values(b.counts).reduce((a, n) => a + n, 0),
        0,
      );
      assert.equal(summed, tl.total);
      const [first] = await fx
        .sql`SELECT count(*)::int AS n FROM change_events WHERE connector IN ('github','gitlab')
        AND occurred_at >= '2026-11-20T00:00:00Z' AND occurred_at < '2026-11-20T02:00:00Z'`;
      const bin0 = Object.values(tl.bins[0].counts as Record<string, number>).reduce((a, n) => a + n, 0);
      assert.equal(bin0, first!.n);
    });

    await t.step(
      "timeline over hourly counts stays exact for unaligned ranges and after updates",
      async () => {
        const check = async (from: string, to: string, extra = "") => {
          const tl = await (await fx.app.request(`/api/timeline?from=${from}&to=${to}${extra}`)).json();
          const [r] = await fx
            .sql`SELECT count(*)::int AS n FROM change_events WHERE occurred_at >= ${from} AND occurred_at < ${to}
          ${extra.includes("gitlab") ? fx.sql`AND connector = 'gitlab'` : fx.sql``}`;
          assert.equal(tl.total, r!.n, `${from} .. ${to} ${extra}`);
          assert.ok(tl.binSeconds >= 3600);
          return tl;
        };
        await check("2026-11-20T00:17:31Z", "2026-11-25T05:41:07Z");
        await check("2026-11-20T03:59:59.500Z", "2026-11-26T23:00:01Z", "&connector=gitlab");
        // Moving a change to another hour (a PR merged later) moves its count.
        await fx
          .sql`UPDATE change_events SET occurred_at = occurred_at + interval '2 days 3 hours' WHERE id IN ('github-deploy-0', 'gitlab-pipeline-1')`;
        await check("2026-11-20T00:17:31Z", "2026-11-25T05:41:07Z");
        await check("2026-11-19T00:00:00Z", "2026-11-29T00:00:00Z");
        const [{ rollup }] = await fx
          .sql`SELECT sum(n)::int AS rollup FROM change_event_hours` as unknown as [{ rollup: number }];
        const [{ rows }] = await fx.sql`SELECT count(*)::int AS rows FROM change_events` as unknown as [
          { rows: number },
        ];
        assert.equal(rollup, rows);
      },
    );

    await t.step("timeline over 5-minute counts stays exact for unaligned ranges", async () => {
      const ranges: [string, string][] = [
        ["2026-11-21T00:07:31Z", "2026-11-22T00:03:07Z"],
        ["2026-11-20T06:00:00Z", "2026-11-20T18:00:00Z"],
      ];
      for (const [from, to] of ranges) {
        const tl = await (await fx.app.request(`/api/timeline?from=${from}&to=${to}`)).json();
        assert.ok(tl.binSeconds < 3600 && tl.binSeconds % 300 === 0, `${tl.binSeconds} s bins`);
        const [r] = await fx.sql`SELECT count(*)::int AS n FROM change_events WHERE occurred_at >= ${from}
          AND occurred_at < ${to}`;
        assert.ok(r!.n > 0);
        assert.equal(tl.total, r!.n, `${from} .. ${to}`);
        const perBin = await fx.sql`SELECT date_bin(${`${tl.binSeconds} seconds`}::interval, occurred_at,
            timestamptz '1970-01-01Z') AS bin, count(*)::int AS n
          FROM change_events WHERE occurred_at >= ${from} AND occurred_at < ${to} GROUP BY 1`;
        for (const b of perBin) {
          const got = tl.bins.find((x: { start: string }) => Date.parse(x.start) === b.bin.getTime());
          assert.equal(Object.values(got.counts as Record<string, number>).reduce((a, n) => a + n, 0), b.n);
        }
      }
      const [{ rollup }] = await fx
        .sql`SELECT sum(n)::int AS rollup FROM change_event_minutes` as unknown as [{ rollup: number }];
      const [{ rows }] = await fx.sql`SELECT count(*)::int AS rows FROM change_events` as unknown as [
        { rows: number },
      ];
      assert.equal(rollup, rows);
    });

    await t.step(
      "a day's timeline is counted from rows while the 5-minute counts are not there yet",
      async () => {
        const from = "2026-11-21T00:07:31Z", to = "2026-11-22T00:03:07Z";
        const before = await (await fx.app.request(`/api/timeline?from=${from}&to=${to}`)).json();
        await fx.sql`ALTER TABLE change_event_minutes RENAME TO change_event_minutes_away`;
        try {
          const res = await fx.app.request(`/api/timeline?from=${from}&to=${to}`);
          assert.equal(res.status, 200);
          assert.deepEqual(await res.json(), before);
        } finally {
          await fx.sql`ALTER TABLE change_event_minutes_away RENAME TO change_event_minutes`;
        }
      },
    );

    await t.step("timeline picks finer bins for a short range", async () => {
      const tl =
        await (await fx.app.request("/api/timeline?from=2026-11-20T00:00:00Z&to=2026-11-20T01:00:00Z"))
          .json();
      assert.equal(tl.binSeconds, 60);
      assert.equal(tl.bins.length, 60);
    });
  } finally {
    await fx.close();
  }
});
