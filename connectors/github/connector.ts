/** The GitHub connector: metadata, logo, the incremental poll and a connection test. */
import type { ConnectorDefinition, TestContext } from "@painchain/shared";
import { describeGithubError, GithubClient } from "./client.ts";
import metadata from "./metadata.json" with { type: "json" };
import { pollGithub, type PollOptions } from "./poll.ts";
import { settingsOf } from "./targets.ts";
import { mapGithubWebhook } from "./webhook.ts";

/** Reaches the first repository (or the organization) with the connection's token. */
export async function testGithub(ctx: TestContext): Promise<string> {
  const s = settingsOf(ctx.connection);
  let budget = "";
  const client = new GithubClient({
    token: ctx.connection.secrets.token,
    baseUrl: s.baseUrl,
    fetch: ctx.fetch,
    signal: ctx.signal,
    log: ctx.log,
    onRateLimit: (
      i,
    ) => (budget = `; ${i.remaining}${i.limit ? ` of ${i.limit}` : ""} requests left this hour`),
    waitUntil: () => Promise.reject(new Error("The rate limit is spent; try again after it resets")),
    retryBaseMs: 200,
  });
  try {
    const first = s.repos[0];
    if (first) {
      await client.get("/repos/{owner}/{repo}", { owner: first.owner, repo: first.repo });
      // Only what was configured is echoed: the answer itself may come from any host a `write` key chose.
      return `Reached ${first.owner}/${first.repo}${budget}`;
    }
    await client.get("/orgs/{org}", { org: s.organization });
    return `Reached organization ${s.organization}${budget}`;
  } catch (err) {
    throw new Error(describeGithubError(err, s.baseUrl));
  }
}

export function githubConnector(opts: PollOptions = {}): ConnectorDefinition {
  return {
    metadata,
    folder: new URL(".", import.meta.url),
    poll: (ctx) => pollGithub(ctx, opts),
    test: testGithub,
    validate: (c) => void settingsOf(c),
    webhook: mapGithubWebhook,
  };
}
