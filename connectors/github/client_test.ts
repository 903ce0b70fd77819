import assert from "node:assert/strict";
import { silentLogger, UpstreamError } from "@painchain/shared/internal";
import { GithubClient } from "./client.ts";

function client(seen: string[]) {
  return new GithubClient({
    token: "ghp_secret",
    baseUrl: "https://github.example.com/api/v3",
    fetch: (input) => {
      seen.push(String(input instanceof Request ? input.url : input));
      return Promise.resolve(Response.json([], { headers: { "content-type": "application/json" } }));
    },
    signal: new AbortController().signal,
    log: silentLogger,
    onRateLimit: () => {},
    waitUntil: () => Promise.resolve(),
  });
}

Deno.test("a next-page link is followed only on the API's own origin (the token goes with it)", async () => {
  const seen: string[] = [];
  const c = client(seen);
  const err = await c.getUrl("https://collector.attacker.example/steal?page=2").catch((e) => e);
  assert.ok(err instanceof UpstreamError && err.kind === "policy", String(err));
  assert.match(err.message, /another host \(collector\.attacker\.example\)/);
  assert.deepEqual(seen, [], "nothing was sent");
  await c.getUrl("https://github.example.com/api/v3/repos/o/r/pulls?page=2");
  assert.deepEqual(seen, ["https://github.example.com/api/v3/repos/o/r/pulls?page=2"]);
});
