/**
 * The GitHub client: Octokit with the throttling and retry plugins, conditional requests (ETag/If-None-Match, so
 * an unchanged resource costs no rate limit), and a bridge that reports the rate-limit budget and waits out a
 * spent one before the next request.
 */
import { Octokit } from "@octokit/rest";
import { retry } from "@octokit/plugin-retry";
import { throttling } from "@octokit/plugin-throttling";
import {
  classifyNetworkError,
  type Logger,
  RateBudget,
  UpstreamError,
  upstreamErrorText,
} from "@painchain/shared";

const GithubOctokit = Octokit.plugin(throttling, retry);
export type GithubOctokit = InstanceType<typeof GithubOctokit>;

export interface ClientOptions {
  token?: string | undefined;
  baseUrl?: string | null;
  fetch: typeof fetch;
  signal: AbortSignal;
  log: Logger;
  onRateLimit(info: { remaining: number; limit?: number; resetAt?: Date }): void;
  waitUntil(until: Date): Promise<void>;
  /** Base of the retry plugin's backoff; tests make it small. */
  retryBaseMs?: number;
  /** Multiplier of the throttling plugin's waits (1000 = real seconds). */
  throttleBaseMs?: number;
}

export interface RequestCounts {
  /** Every HTTP request sent, retries included. */
  sent: number;
  /** Answered 304 Not Modified: these cost no rate limit. */
  notModified: number;
}

export interface Conditional<T> {
  notModified: boolean;
  data: T | null;
  etag: string | null;
  /** Link header `rel="next"`, if any. */
  next: string | null;
}

export class GithubClient {
  readonly octokit: GithubOctokit;
  readonly counts: RequestCounts = { sent: 0, notModified: 0 };
  private readonly budget: RateBudget;

  constructor(private readonly opts: ClientOptions) {
    this.octokit = new GithubOctokit({
      ...(opts.token ? { auth: opts.token } : {}),
      ...(opts.baseUrl ? { baseUrl: opts.baseUrl } : {}),
      userAgent: "painchain-github-connector",
      request: { fetch: opts.fetch, signal: opts.signal },
      log: { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} },
      throttle: {
        retryAfterBaseValue: opts.throttleBaseMs ?? 1000,
        fallbackSecondaryRateRetryAfter: 60,
        onRateLimit: (after: number, o: { method: string; url: string }, _k: unknown, count: number) => {
          opts.log.warn("GitHub rate limit hit; waiting", {
            retryAfterSeconds: after,
            url: o.url,
            attempt: count,
          });
          return count < 3;
        },
        onSecondaryRateLimit: (
          after: number,
          o: { method: string; url: string },
          _k: unknown,
          count: number,
        ) => {
          opts.log.warn("GitHub secondary rate limit; waiting", {
            retryAfterSeconds: after,
            url: o.url,
            attempt: count,
          });
          return count < 3;
        },
      },
      retry: { retryAfterBaseValue: opts.retryBaseMs ?? 1000 },
    });
    this.budget = new RateBudget(opts.onRateLimit, opts.waitUntil, opts.signal);
    this.octokit.hook.before("request", async () => {
      await this.budget.acquire();
      this.counts.sent++;
    });
    this.octokit.hook.after("request", (res) => this.budget.release(budgetOf(res.headers)));
    this.octokit.hook.error("request", (err) => {
      const res = (err as { response?: { headers: Record<string, string | undefined> } }).response;
      this.budget.release(res ? budgetOf(res.headers) : undefined);
      throw err;
    });
  }

  /** GET with If-None-Match. A 304 returns `notModified` and costs no rate limit. */
  async get<T>(
    route: string,
    params: Record<string, unknown>,
    etag?: string | null,
  ): Promise<Conditional<T>> {
    try {
      const res = await this.octokit.request(`GET ${route}`, {
        ...params,
        headers: etag ? { "if-none-match": etag } : {},
      });
      const h = res.headers as Record<string, string | undefined>;
      return { notModified: false, data: res.data as T, etag: h.etag ?? null, next: nextLink(h.link) };
    } catch (err) {
      if ((err as { status?: number }).status === 304) {
        this.counts.notModified++;
        return { notModified: true, data: null, etag: etag ?? null, next: null };
      }
      throw err;
    }
  }

  /** GET of a full URL taken from a Link header; only on the API's own origin (the token goes with it). */
  async getUrl<T>(url: string): Promise<Conditional<T>> {
    const api = new URL(this.opts.baseUrl ?? "https://api.github.com");
    if (new URL(url, api).origin !== api.origin) {
      throw new UpstreamError(`the next page is on another host (${new URL(url, api).host})`, "policy");
    }
    const res = await this.octokit.request({ method: "GET", url });
    const h = res.headers as Record<string, string | undefined>;
    return { notModified: false, data: res.data as T, etag: h.etag ?? null, next: nextLink(h.link) };
  }
}

function budgetOf(h: Record<string, string | number | undefined>) {
  if (h["x-ratelimit-remaining"] === undefined) return undefined;
  return {
    remaining: Number(h["x-ratelimit-remaining"]),
    limit: Number(h["x-ratelimit-limit"]),
    resetAtMs: Number(h["x-ratelimit-reset"] ?? 0) * 1000,
  };
}

export function nextLink(link: string | undefined): string | null {
  if (!link) return null;
  for (const part of link.split(",")) {
    const m = /<([^>]+)>\s*;\s*rel="next"/.exec(part);
    if (m) return m[1]!;
  }
  return null;
}

const HINTS: Record<number, string> = {
  401: "the token is missing, wrong or expired",
  403: "the token cannot read this, or the rate limit is spent",
  404: "no such repository, or the token cannot see it",
  422: "GitHub refused the request's parameters",
};

/**
 * A short, readable reason for a failed request: the status and what it usually means, or the kind of network
 * failure, and the host. Never the response body: the host may be anything a `write` key typed in.
 */
export function describeGithubError(err: unknown, baseUrl?: string | null): string {
  let host = "api.github.com";
  try {
    if (baseUrl) host = new URL(baseUrl).host;
  } catch { /* keep the default */ }
  const e = err as { name?: string; status?: number; response?: unknown; cause?: unknown };
  // Octokit reports a request that got no response as status 500; it is a network failure.
  if (e?.name === "HttpError" && e.response === undefined) {
    return upstreamErrorText(new UpstreamError(classifyNetworkError(err).phrase, "network", undefined), {
      host,
    });
  }
  return upstreamErrorText(err, { host, hints: HINTS });
}
