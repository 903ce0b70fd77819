/**
 * What a failed upstream request may tell an API caller, a status or a log: the status code and its standard
 * phrase, or the kind of network failure ("connection refused", "TLS handshake failed"), and the host. Never a
 * response body or a header value: an upstream chosen by a caller could be any internal service.
 */
import { STATUS_CODES } from "node:http";

export type UpstreamFailure =
  | "http"
  | "refused"
  | "dns"
  | "tls"
  | "reset"
  | "timeout"
  | "policy"
  | "network";

export class UpstreamError extends Error {
  constructor(
    message: string,
    readonly kind: UpstreamFailure,
    readonly status?: number,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = "UpstreamError";
  }
}

const NETWORK: [RegExp, UpstreamFailure, string][] = [
  [/connection refused/i, "refused", "connection refused"],
  [
    /dns error|failed to lookup|name or service not known|no address associated|ENOTFOUND|EAI_AGAIN/i,
    "dns",
    "host not found",
  ],
  [
    /certificate|tls|ssl|handshake|InvalidContentType|fatal alert|corrupt message/i,
    "tls",
    "TLS handshake failed",
  ],
  [
    /connection reset|broken pipe|closed before|connection closed|ECONNRESET|unexpected eof/i,
    "reset",
    "connection reset",
  ],
  [/timed? ?out|deadline/i, "timeout", "timed out"],
];

function chain(err: unknown): unknown[] {
  const out: unknown[] = [];
  for (let e: unknown = err, i = 0; e && i < 5; e = (e as { cause?: unknown }).cause, i++) out.push(e);
  return out;
}

/** The failure kind and a short phrase for a thrown fetch error. */
export function classifyNetworkError(err: unknown): { kind: UpstreamFailure; phrase: string } {
  for (const e of chain(err)) {
    if (e instanceof UpstreamError) return { kind: e.kind, phrase: e.message };
    const name = (e as { name?: string })?.name;
    if (name === "TimeoutError") return { kind: "timeout", phrase: "timed out" };
    if (name === "AbortError") return { kind: "timeout", phrase: "cancelled" };
    const text = `${(e as { code?: string })?.code ?? ""} ${(e as Error)?.message ?? String(e)}`;
    for (const [re, kind, phrase] of NETWORK) if (re.test(text)) return { kind, phrase };
  }
  return { kind: "network", phrase: "network error" };
}

/** "HTTP 503 Service Unavailable". */
export function statusText(status: number): string {
  return `HTTP ${status}${STATUS_CODES[status] ? ` ${STATUS_CODES[status]}` : ""}`;
}

/**
 * A safe, readable reason for any error from an upstream call. `hints` adds a known meaning per status (e.g. 401:
 * "the token is missing, wrong or expired"). Errors that are not from the network (a bad setting, a mapping bug)
 * keep their own message.
 */
export function upstreamErrorText(
  err: unknown,
  o: { host?: string | null; hints?: Record<number, string> } = {},
): string {
  const at = o.host ? ` (${o.host})` : "";
  if (err instanceof UpstreamError && err.kind === "policy") return err.message;
  const status = statusOf(err);
  if (status !== undefined) {
    const hint = o.hints?.[status];
    return `${statusText(status)}${at}${hint ? `: ${hint}` : ""}`;
  }
  if (isNetworkError(err)) return `${classifyNetworkError(err).phrase}${at}`;
  // A parse error quotes the answer; a shape error says what the code expected: neither is for an API caller.
  if (err instanceof SyntaxError) return `the answer is not valid JSON${at}`;
  if (err instanceof TypeError || err instanceof RangeError) {
    return `the answer is not what was expected${at}`;
  }
  return err instanceof Error ? err.message : String(err);
}

/** The HTTP status of an error thrown by a client library (Octokit, gitbeaker, ours), if any. */
export function statusOf(err: unknown): number | undefined {
  for (const e of chain(err)) {
    const x = e as { status?: unknown; response?: { status?: unknown } };
    const s = typeof x?.status === "number"
      ? x.status
      : typeof x?.response?.status === "number"
      ? x.response.status
      : undefined;
    if (s !== undefined && s >= 100 && s < 600) return s;
  }
  return undefined;
}

/** True for errors thrown by fetch itself (no response): refused, DNS, TLS, reset, timeout, policy. */
export function isNetworkError(err: unknown): boolean {
  return chain(err).some((e) =>
    e instanceof UpstreamError ||
    (e instanceof TypeError && /fetch|request|network|connect/i.test(e.message)) ||
    ["TimeoutError", "AbortError"].includes((e as { name?: string })?.name ?? "") ||
    /ECONN|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH/.test(
      String((e as { code?: string })?.code ?? ""),
    )
  );
}
