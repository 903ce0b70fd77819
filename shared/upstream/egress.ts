/**
 * The egress policy of connectors: which hosts an upstream request may reach. A connection's URL is chosen by
 * whoever holds a `write` key, so by default nothing private is reachable: loopback, private networks (RFC 1918,
 * ULA), link-local and cloud metadata addresses (169.254.0.0/16, fd00:ec2::254), CGNAT, multicast and unspecified
 * addresses are refused. `PAINCHAIN_UPSTREAM_ALLOW` (hosts, `*.domain`, IPs and CIDRs, comma-separated) opens what
 * an installation needs, e.g. `gitlab.internal,10.20.0.0/16` for a self-hosted GitLab.
 *
 * Every request, and every redirect it follows, is checked: the host's addresses are resolved (as the system
 * resolver sees them, /etc/hosts included) and each must be allowed. A redirect to another origin drops the
 * credentials. (A DNS answer that changes between the check and the connection is a residual risk; pin hosts in
 * the allow list by IP where that matters.)
 */
import { BlockList, isIP } from "node:net";
import { lookup } from "node:dns/promises";
import { UpstreamError } from "./errors.ts";

const BLOCKED_V4: [string, number][] = [
  ["0.0.0.0", 8],
  ["10.0.0.0", 8],
  ["100.64.0.0", 10],
  ["127.0.0.0", 8],
  ["169.254.0.0", 16],
  ["172.16.0.0", 12],
  ["192.0.0.0", 24],
  ["192.0.2.0", 24],
  ["192.168.0.0", 16],
  ["198.18.0.0", 15],
  ["198.51.100.0", 24],
  ["203.0.113.0", 24],
  ["224.0.0.0", 4],
  ["240.0.0.0", 4],
];
const BLOCKED_V6: [string, number][] = [
  ["::", 128],
  ["::1", 128],
  ["2001:db8::", 32],
  // 6to4 and NAT64 embed an IPv4 address that may be private.
  ["2002::", 16],
  ["64:ff9b:1::", 48],
  ["fc00::", 7],
  ["fe80::", 10],
  ["ff00::", 8],
  ["64:ff9b::", 96],
];

export interface EgressPolicy {
  /** Why a host or address may not be reached, or null. `addresses` are what it resolves to. */
  check(host: string, addresses: string[]): string | null;
  /** The allow list as configured, for messages. */
  allow: string[];
}

export class EgressConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "EgressConfigError";
  }
}

const family = (ip: string) => (isIP(ip) === 6 ? "ipv6" : "ipv4");

/**
 * Parses PAINCHAIN_UPSTREAM_ALLOW. `*` allows every address (not recommended outside tests). `local` are this
 * machine's own addresses (refused too: they reach whatever listens on all interfaces here).
 */
export function egressPolicy(allowList = "", local: string[] = []): EgressPolicy {
  const allow = allowList.split(",").map((s) => s.trim().toLowerCase()).filter(Boolean);
  const blocked = new BlockList();
  for (const [a, p] of BLOCKED_V4) blocked.addSubnet(a, p, "ipv4");
  for (const [a, p] of BLOCKED_V6) blocked.addSubnet(a, p, "ipv6");
  for (const a of local) if (isIP(a)) blocked.addAddress(a, family(a));
  const allowedNets = new BlockList();
  const hosts = new Set<string>();
  const suffixes: string[] = [];
  let all = false;
  for (const entry of allow) {
    if (entry === "*") {
      all = true;
      continue;
    }
    const [addr = "", bits] = entry.split("/");
    const v = isIP(addr.replace(/^\[|\]$/g, ""));
    if (v) {
      const a = addr.replace(/^\[|\]$/g, "");
      const prefix = bits === undefined ? (v === 4 ? 32 : 128) : Number(bits);
      if (!Number.isInteger(prefix) || prefix < 0 || prefix > (v === 4 ? 32 : 128)) {
        throw new EgressConfigError(`PAINCHAIN_UPSTREAM_ALLOW: "${entry}" is not a valid CIDR`);
      }
      allowedNets.addSubnet(a, prefix, v === 4 ? "ipv4" : "ipv6");
    } else if (entry.startsWith("*.")) suffixes.push(entry.slice(1));
    else if (/^[a-z0-9.-]+$/.test(entry)) hosts.add(entry.replace(/\.$/, ""));
    else throw new EgressConfigError(`PAINCHAIN_UPSTREAM_ALLOW: "${entry}" is not a host, IP or CIDR`);
  }
  return {
    allow,
    check(host, addresses) {
      if (all) return null;
      const h = host.toLowerCase().replace(/^\[|\]$/g, "").replace(/\.$/, "");
      const named = hosts.has(h) || suffixes.some((s) => h.endsWith(s));
      for (const ip of addresses) {
        if (allowedNets.check(ip, family(ip))) continue;
        // IPv4-compatible IPv6 (::a.b.c.d, deprecated): never a real upstream.
        if (/^::(\d+\.\d+\.\d+\.\d+|[0-9a-f]{1,4}:[0-9a-f]{1,4})$/i.test(ip)) {
          return `${host} is an IPv4-compatible IPv6 address, which the egress policy refuses`;
        }
        if (!blocked.check(ip, family(ip))) continue;
        // A host named in the allow list may resolve to private addresses, but never to link-local/metadata ones
        // unless those are allowed by address.
        const linkLocal = ip.startsWith("169.254.") || /^fe[89ab]/i.test(ip) || /^fd00:ec2:/i.test(ip) ||
          /^::ffff:169\.254\./i.test(ip);
        if (named && !linkLocal) continue;
        return `${host} is a loopback, private, link-local or metadata address, which the egress policy refuses ` +
          "(allow it with PAINCHAIN_UPSTREAM_ALLOW)";
      }
      return null;
    },
  };
}

export type Resolver = (host: string) => Promise<string[]>;

/** The system resolver (getaddrinfo: /etc/hosts, then DNS). */
export const systemResolver: Resolver = async (host) => {
  if (isIP(host.replace(/^\[|\]$/g, ""))) return [host.replace(/^\[|\]$/g, "")];
  const found = await lookup(host, { all: true });
  return found.map((a) => a.address);
};

const CREDENTIAL_HEADERS = ["authorization", "private-token", "cookie", "proxy-authorization", "job-token"];
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** The most a response body may hold (a list page, a file): beyond it the body errors, never fills memory. */
export const MAX_BODY_BYTES = 32 * 1024 * 1024;

/** RequestInit for a long-lived stream (a Kubernetes watch), whose reader bounds each line itself. */
export interface StreamingInit extends RequestInit {
  stream?: boolean;
}

/** A body that errors once more than `max` bytes came through. */
function capped(res: Response, max: number, host: string): Response {
  if (!res.body) return res;
  let seen = 0;
  const body = res.body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, ctl) {
        seen += chunk.byteLength;
        if (seen > max) {
          ctl.error(new UpstreamError(`response larger than ${max / 1024 / 1024} MiB (${host})`, "policy"));
        } else ctl.enqueue(chunk);
      },
    }),
  );
  const out = new Response(body, { status: res.status, statusText: res.statusText, headers: res.headers });
  Object.defineProperty(out, "url", { value: res.url });
  return out;
}

/**
 * A fetch that refuses what the policy refuses, on the first request and on every redirect, and whose response
 * bodies hold at most `maxBodyBytes` (except streams asked for with `stream: true`).
 */
export function egressFetch(
  policy: EgressPolicy,
  base: typeof fetch = fetch,
  resolve: Resolver = systemResolver,
  maxBodyBytes = MAX_BODY_BYTES,
): typeof fetch {
  const gate = async (url: URL) => {
    if (url.protocol !== "http:" && url.protocol !== "https:") {
      throw new UpstreamError(`${url.protocol} URLs are not allowed upstream`, "policy");
    }
    let addresses: string[];
    try {
      addresses = await resolve(url.hostname);
    } catch (err) {
      throw new UpstreamError(`host not found (${url.host})`, "dns", undefined, { cause: err });
    }
    const why = policy.check(url.hostname, addresses);
    if (why) throw new UpstreamError(why, "policy");
  };
  return async (input, init) => {
    const asRequest = input instanceof Request ? input : null;
    let url = new URL(asRequest ? asRequest.url : String(input));
    let method = (init?.method ?? asRequest?.method ?? "GET").toUpperCase();
    let body: BodyInit | null = init?.body ?? asRequest?.body ?? null;
    const headers = new Headers(init?.headers ?? asRequest?.headers);
    // Deno's own extension of RequestInit: the HTTP client (a cluster's CA, a client certificate).
    const client = (init as (RequestInit & { client?: Deno.HttpClient }) | undefined)?.client;

    for (let hop = 0;; hop++) {
      await gate(url);
      const res = await base(url, {
        method,
        headers,
        ...(body !== null && method !== "GET" && method !== "HEAD" ? { body } : {}),
        signal: init?.signal ?? asRequest?.signal ?? null,
        redirect: "manual",
        ...(client ? { client } : {}),
      } as RequestInit);
      const done = () =>
        (init as StreamingInit | undefined)?.stream ? res : capped(res, maxBodyBytes, url.host);
      if (!REDIRECTS.has(res.status) || (init?.redirect ?? "follow") !== "follow") return done();
      const location = res.headers.get("location");
      if (!location) return done();
      if (hop >= 5) {
        await res.body?.cancel();
        throw new UpstreamError(`too many redirects (${url.host})`, "network");
      }
      await res.body?.cancel();
      const next = new URL(location, url);
      if (next.origin !== url.origin) { for (const h of CREDENTIAL_HEADERS) headers.delete(h); }
      if (res.status === 303 || ((res.status === 301 || res.status === 302) && method === "POST")) {
        method = "GET";
        body = null;
      }
      url = next;
    }
  };
}

/** This machine's own addresses (needs --allow-sys=networkInterfaces; none when not granted). */
export function localAddresses(): string[] {
  try {
    return Deno.networkInterfaces().map((i) => i.address);
  } catch {
    return [];
  }
}
