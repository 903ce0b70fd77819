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
      const r = await client.get<{ full_name: string; default_branch: string }>("/repos/{owner}/{repo}", {
        owner: first.owner,
        repo: first.repo,
      });
      return `Reached ${r.data?.full_name} (default branch ${r.data?.default_branch})${budget}`;
    }
    const o = await client.get<{ login: string }>("/orgs/{org}", { org: s.organization });
    return `Reached organization ${o.data?.login}${budget}`;
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
