import assert from "node:assert/strict";
import { statusOf, upstreamErrorText } from "./errors.ts";

Deno.test("upstreamErrorText() says what failed, never a body or a header value", async (t) => {
  await t.step("an HTTP error is its status, its phrase, the host and a hint", () => {
    const err = Object.assign(new Error("500: INTERNAL-ONLY: db_password=hunter2"), { status: 500 });
    const text = upstreamErrorText(err, { host: "10.0.0.5:8080" });
    assert.equal(text, "HTTP 500 Internal Server Error (10.0.0.5:8080)");
    assert.equal(
      upstreamErrorText({ status: 401, message: "Bad credentials: token=ghp_x" }, {
        hints: { 401: "the token is wrong" },
      }),
      "HTTP 401 Unauthorized: the token is wrong",
    );
  });
  await t.step("network failures are named by kind", async () => {
    const refused = await fetch("http://127.0.0.1:9/").catch((e) => e);
    assert.match(
      upstreamErrorText(refused, { host: "127.0.0.1:9" }),
      /^(connection refused|network error) \(127\.0\.0\.1:9\)$/,
    );
    const dns = await fetch("http://no-such-host.invalid/").catch((e) => e);
    assert.equal(
      upstreamErrorText(dns, { host: "no-such-host.invalid" }),
      "host not found (no-such-host.invalid)",
    );
    assert.equal(upstreamErrorText(new DOMException("x", "TimeoutError")), "timed out");
  });
  await t.step("the status is found through wrapped causes", () => {
    assert.equal(statusOf(new Error("x", { cause: { response: { status: 403 } } })), 403);
    assert.equal(statusOf(new Error("no status")), undefined);
  });
});
