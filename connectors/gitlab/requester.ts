/**
 * The HTTP layer under @gitbeaker/rest: an injectable fetch, GitLab's RateLimit-* headers reported to the
 * connection status and honoured through the shared RateBudget, Retry-After on 429/503, and backoff on 5xx.
 * (Gitbeaker's own handler retries 429 in milliseconds and reads no rate-limit header.)
 */
import { createRequesterFn } from "@gitbeaker/requester-utils";
import { backoff, type RateBudget, sleep, statusText } from "@painchain/shared";

export class GitlabHttpError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
    this.name = "GitlabHttpError";
  }
}

export interface RequesterDeps {
  fetch: typeof fetch;
  budget: RateBudget;
  signal: AbortSignal;
  retries?: number;
  retryBaseMs?: number;
}

async function body(res: Response): Promise<unknown> {
  const type = (res.headers.get("content-type") ?? "").split(";")[0]!.trim();
  if (res.status === 204) return null;
  if (type === "application/json") return (await res.json()) ?? {};
  return await res.text();
}

function budgetOf(h: Headers) {
  const remaining = h.get("ratelimit-remaining");
  if (remaining === null) return undefined;
  return {
    remaining: Number(remaining),
    limit: Number(h.get("ratelimit-limit")),
    resetAtMs: Number(h.get("ratelimit-reset") ?? 0) * 1000,
  };
}

export function gitlabRequester(deps: RequesterDeps) {
  const retries = deps.retries ?? 3;
  return createRequesterFn(
    (_service: unknown, options: Record<string, unknown>) => Promise.resolve(options),
    async (endpoint: string, options?: Record<string, unknown>) => {
      const { prefixUrl, searchParams, method, headers, body: reqBody, signal } = (options ?? {}) as {
        prefixUrl: string;
        searchParams?: string;
        method: string;
        headers?: Record<string, string>;
        body?: BodyInit;
        signal?: AbortSignal;
      };
      const url = new URL(endpoint, prefixUrl.endsWith("/") ? prefixUrl : `${prefixUrl}/`);
      url.search = searchParams ?? "";
      const combined = signal ? AbortSignal.any([signal, deps.signal]) : deps.signal;
      for (let attempt = 0;; attempt++) {
        await deps.budget.acquire();
        let res: Response;
        try {
          res = await deps.fetch(url, {
            method,
            headers: headers ?? {},
            ...(reqBody ? { body: reqBody } : {}),
            signal: combined,
          });
        } catch (err) {
          deps.budget.release();
          if (attempt >= retries || deps.signal.aborted) throw err;
          await sleep(backoff(attempt + 1, deps.retryBaseMs ?? 1000, 30_000), deps.signal);
          continue;
        }
        deps.budget.release(budgetOf(res.headers));
        if (res.ok) {
          return {
            body: (await body(res)) as Record<string, unknown>,
            headers: Object.fromEntries(res.headers),
            status: res.status,
          };
        }
        if ((res.status === 429 || res.status === 503) && attempt < retries) {
          await res.body?.cancel();
          await deps.budget.retryAfter(res.headers.get("retry-after"), 60);
          continue;
        }
        if (res.status >= 500 && attempt < retries) {
          await res.body?.cancel();
          await sleep(backoff(attempt + 1, deps.retryBaseMs ?? 1000, 30_000), deps.signal);
          continue;
        }
        // The body is never read into an error: the host may be any service a `write` key pointed at.
        await res.body?.cancel();
        throw new GitlabHttpError(res.status, statusText(res.status));
      }
    },
  );
}
