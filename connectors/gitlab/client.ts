/**
 * The one place a @gitbeaker client is built (for the poll and the connection test alike): our requester
 * (requester.ts) under it, snake_case bodies as GitLab sends them, and the token only when one is set.
 */
import { Gitlab } from "@gitbeaker/rest";
import type { RateBudget, TestContext } from "@painchain/shared";
import { gitlabRequester, type RequesterDeps } from "./requester.ts";

/** A gitbeaker client that keeps GitLab's snake_case field names (camelize: false). */
export type GitlabClient = Gitlab<false>;

export interface GitlabClientOptions extends RequesterDeps {
  /** The instance, without /api/v4. */
  host: string;
  token?: string;
}

export function gitlabClient({ host, token, ...deps }: GitlabClientOptions): GitlabClient {
  return new Gitlab<false>({
    host,
    ...(token ? { token } : {}),
    requesterFn: gitlabRequester(deps),
    camelize: false,
    // Our requester waits on GitLab's own headers and never calls gitbeaker's limiters; one wide limit keeps
    // gitbeaker from building its default per-endpoint ones.
    rateLimits: { "**": 100_000 },
  });
}

/** A connection's client: its token, the runtime's fetch and abort signal (a poll's or a test's), and `budget`. */
export function connectionClient(
  ctx: Pick<TestContext, "connection" | "fetch" | "signal">,
  host: string,
  budget: RateBudget,
  retry: Pick<RequesterDeps, "retries" | "retryBaseMs"> = {},
): GitlabClient {
  return gitlabClient({
    host,
    token: ctx.connection.secrets.token,
    fetch: ctx.fetch,
    budget,
    signal: ctx.signal,
    ...retry,
  });
}
