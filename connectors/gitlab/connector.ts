/** The GitLab connector: metadata, logo, the incremental poll and a connection test. */
import { type ConnectorDefinition, RateBudget, type TestContext } from "@painchain/shared";
import { connectionClient } from "./client.ts";
import metadata from "./metadata.json" with { type: "json" };
import { errorText, pollGitlab, type PollOptions } from "./poll.ts";
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
  const api = connectionClient(ctx, s.host, budget, { retries: 1, retryBaseMs: 200 });
  try {
    const first = s.projects[0];
    if (first) {
      await api.Projects.show(first.project);
      // Only what was configured is echoed: the answer itself may come from any host a `write` key chose.
      return `Reached ${first.project} on ${s.host}`;
    }
    if (s.group) {
      await api.Groups.show(s.group);
      return `Reached group ${s.group} on ${s.host}`;
    }
    // settingsOf() has already refused a connection with neither.
    throw new Error("Give at least one project or a group");
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
