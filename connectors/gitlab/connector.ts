/** The GitLab connector: metadata, logo and the incremental poll. */
import type { ConnectorDefinition } from "@painchain/shared";
import { metadata } from "./metadata.ts";
import { pollGitlab, type PollOptions } from "./poll.ts";

export function gitlabConnector(opts: PollOptions = {}): ConnectorDefinition {
  return { metadata, logo: new URL("./logo.svg", import.meta.url), poll: (ctx) => pollGitlab(ctx, opts) };
}
