import assert from "node:assert/strict";
import { advance, isNew, watermark } from "./watermark.ts";

Deno.test("watermark()", async (t) => {
  await t.step("items in the boundary second are neither repeated nor missed", () => {
    let w = watermark("2026-01-01T00:00:00Z");
    const first = [{ time: "2026-01-01T00:00:05Z", id: 1 }, { time: "2026-01-01T00:00:05Z", id: 2 }];
    assert.ok(first.every((i) => isNew(w, i.time, i.id)));
    w = advance(w, first);
    assert.deepEqual(w, { since: "2026-01-01T00:00:05Z", atSince: [1, 2] });
    assert.equal(isNew(w, "2026-01-01T00:00:05Z", 1), false);
    assert.equal(isNew(w, "2026-01-01T00:00:05Z", 3), true, "a later arrival in the same second");
    assert.equal(isNew(w, "2026-01-01T00:00:04Z", 9), false);
    w = advance(w, [{ time: "2026-01-01T00:00:05Z", id: 3 }]);
    assert.deepEqual(w.atSince.sort(), [1, 2, 3]);
    w = advance(w, [{ time: "2026-01-01T00:00:06Z", id: 4 }]);
    assert.deepEqual(w, { since: "2026-01-01T00:00:06Z", atSince: [4] });
  });
});
