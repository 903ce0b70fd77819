/** The GitHub connector: metadata, logo and the incremental poll. */
import type { ConnectorDefinition } from "@painchain/shared";
import { metadata } from "./metadata.ts";
import { pollGithub, type PollOptions } from "./poll.ts";

export function githubConnector(opts: PollOptions = {}): ConnectorDefinition {
  return {
    metadata,
    logo: new URL("./logo.svg", import.meta.url),
    poll: (ctx) => pollGithub(ctx, opts),
  };
}
