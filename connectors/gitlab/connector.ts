/** The GitLab connector: metadata, logo, the incremental poll and a connection test. */
import { Gitlab } from "@gitbeaker/rest";
import { type ConnectorDefinition, RateBudget, type TestContext } from "@painchain/shared";
import metadata from "./metadata.json" with { type: "json" };
import { errorText, pollGitlab, type PollOptions } from "./poll.ts";
import { gitlabRequester } from "./requester.ts";
import { settingsOf } from "./targets.ts";
import { mapGitlabWebhook } from "./webhook.ts";

/** Reaches the first project (or the group) with the connection's token. */
export async function testGitlab(ctx: TestContext): Promise<string> {
  const s = settingsOf(ctx.connection);
  const budget = new RateBudget(
    () => {},
    () => Promise.reject(new Error("Rate limited; try again later")),
    ctx.signal,
  );
  // deno-lint-ignore no-explicit-any
  const api: any = new Gitlab({
    host: s.host,
    ...(ctx.connection.secrets.token ? { token: ctx.connection.secrets.token } : {}),
    requesterFn: gitlabRequester({
      fetch: ctx.fetch,
      budget,
      signal: ctx.signal,
      retries: 1,
      retryBaseMs: 200,
    }),
    camelize: false,
  } as never);
  try {
    if (s.projects[0]) {
      const p = await api.Projects.show(s.projects[0].project);
      return `Reached ${p.path_with_namespace} on ${s.host} (default branch ${p.default_branch})`;
    }
    const g = await api.Groups.show(s.group);
    return `Reached group ${g.full_path ?? g.path} on ${s.host}`;
  } catch (err) {
    throw new Error(errorText(err, s.host));
  }
}

export function gitlabConnector(opts: PollOptions = {}): ConnectorDefinition {
  return {
    metadata,
    folder: new URL(".", import.meta.url),
    poll: (ctx) => pollGitlab(ctx, opts),
    test: testGitlab,
    validate: (c) => void settingsOf(c),
    webhook: mapGitlabWebhook,
  };
}
