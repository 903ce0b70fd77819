/**
 * Talking to the API server with @kubernetes/client-node: its KubeConfig (in-cluster, kubeconfig, or URL + token +
 * CA, exec plugins, client certificates) authenticates every request and sets up TLS; lists are paginated, and
 * watches stream newline-delimited JSON events.
 */
import { HttpMethod, KubeConfig, RequestContext } from "@kubernetes/client-node";
import type { KubeSettings } from "./settings.ts";

// deno-lint-ignore no-explicit-any
export type KubeObject = any;

export interface KubeList {
  items: KubeObject[];
  resourceVersion: string;
}

export type WatchEventType = "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK" | "ERROR";

export interface KubeApi {
  /** Every object of a collection (paginated under the hood) and the list's resourceVersion. */
  list(path: string, opts?: { labelSelector?: string; signal?: AbortSignal }): Promise<KubeList>;
  /** Streams changes after `resourceVersion`; resolves when the server ends the watch. */
  watch(
    path: string,
    opts: { resourceVersion: string; timeoutSeconds: number; labelSelector?: string; signal: AbortSignal },
    onEvent: (type: WatchEventType, object: KubeObject) => void,
  ): Promise<void>;
  version(): Promise<string>;
}

export class KubeApiError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
    this.name = "KubeApiError";
  }
}

const PAGE = 500;

export function kubeConfigOf(s: KubeSettings): KubeConfig {
  const kc = new KubeConfig();
  if (s.auth === "incluster") {
    kc.loadFromCluster();
  } else if (s.auth === "kubeconfig") {
    kc.loadFromString(s.kubeconfig!);
    if (s.context) kc.setCurrentContext(s.context);
  } else {
    const ca = s.caData ? (s.caData.includes("BEGIN CERTIFICATE") ? btoa(s.caData) : s.caData) : undefined;
    kc.loadFromOptions({
      clusters: [{ name: s.cluster, server: s.server!, ...(ca ? { caData: ca } : {}), skipTLSVerify: false }],
      users: [{ name: "painchain", token: s.token! }],
      contexts: [{ name: s.cluster, cluster: s.cluster, user: "painchain" }],
      currentContext: s.cluster,
    });
  }
  if (!kc.getCurrentCluster()) throw new KubeApiError(0, "The kubeconfig names no current cluster");
  return kc;
}

async function statusError(
  res: { status: number; text(): Promise<string> },
  what: string,
): Promise<KubeApiError> {
  let message = `${res.status}`;
  try {
    const body = JSON.parse(await res.text());
    if (body?.message) message = `${res.status} ${body.reason ?? ""}: ${body.message}`.replace(" : ", ": ");
  } catch { /* not a Status */ }
  return new KubeApiError(res.status, `${what}: ${message}`);
}

const fromB64 = (s: string) => new TextDecoder().decode(Uint8Array.from(atob(s), (c) => c.charCodeAt(0)));

/**
 * Deno's own HTTP client with the kubeconfig's TLS settings (cluster CA, client certificate). Requests go through
 * Deno's fetch: Node's HTTP stack under Deno crashes when a streaming watch is cancelled.
 */
function httpClientOf(kc: KubeConfig): Deno.HttpClient | undefined {
  const cluster = kc.getCurrentCluster()!;
  const user = kc.getCurrentUser();
  const ca = cluster.caData
    ? fromB64(cluster.caData)
    : cluster.caFile
    ? Deno.readTextFileSync(cluster.caFile)
    : null;
  const cert = user?.certData
    ? fromB64(user.certData)
    : user?.certFile
    ? Deno.readTextFileSync(user.certFile)
    : null;
  const key = user?.keyData
    ? fromB64(user.keyData)
    : user?.keyFile
    ? Deno.readTextFileSync(user.keyFile)
    : null;
  if (cluster.skipTLSVerify) {
    throw new KubeApiError(0, "insecure-skip-tls-verify is not supported: give the cluster's CA certificate");
  }
  if (!ca && !(cert && key)) return undefined;
  return Deno.createHttpClient({ ...(ca ? { caCerts: [ca] } : {}), ...(cert && key ? { cert, key } : {}) });
}

export function kubeApi(kc: KubeConfig): KubeApi {
  const server = kc.getCurrentCluster()!.server.replace(/\/+$/, "");
  const client = httpClientOf(kc);
  /** The kubeconfig's credentials (token, exec plugin, auth provider) as request headers. */
  const headersFor = async (url: URL) => {
    const ctx = new RequestContext(url.toString(), HttpMethod.GET);
    await kc.applySecurityAuthentication(ctx);
    return { ...ctx.getHeaders(), accept: "application/json" };
  };
  const get = async (path: string, query: Record<string, string | undefined>, signal?: AbortSignal) => {
    const url = new URL(server + path);
    for (const [k, v] of Object.entries(query)) if (v !== undefined) url.searchParams.set(k, v);
    const res = await fetch(url, {
      headers: await headersFor(url),
      ...(client ? { client } : {}),
      ...(signal ? { signal } : {}),
    });
    if (!res.ok) throw await statusError(res, `GET ${path}`);
    return await res.json() as KubeObject;
  };
  return {
    async list(path, opts = {}) {
      const items: KubeObject[] = [];
      let cont: string | undefined;
      let resourceVersion = "";
      do {
        const page = await get(path, {
          limit: String(PAGE),
          continue: cont,
          labelSelector: opts.labelSelector,
        }, opts.signal);
        items.push(...(page.items ?? []));
        cont = page.metadata?.continue || undefined;
        // The first page's version is the snapshot's; later pages share it.
        resourceVersion ||= page.metadata?.resourceVersion ?? "";
      } while (cont);
      return { items, resourceVersion };
    },
    async watch(path, opts, onEvent) {
      // Newline-delimited JSON events, read from the response stream until the server ends the watch.
      const ac = new AbortController();
      let reader: ReadableStreamDefaultReader<Uint8Array> | null = null;
      // Ends a pending read at once when the poll is stopped.
      const aborted = new Promise<{ done: true; value: undefined }>((resolve) =>
        ac.signal.addEventListener("abort", () => resolve({ done: true, value: undefined }), { once: true })
      );
      const stop = () => {
        ac.abort();
        reader?.cancel().catch(() => {});
      };
      opts.signal.addEventListener("abort", stop, { once: true });
      // A watch the server forgets to end is ended a little after its timeout.
      const guard = setTimeout(stop, (opts.timeoutSeconds + 15) * 1000);
      try {
        const url = new URL(server + path);
        url.searchParams.set("watch", "true");
        url.searchParams.set("resourceVersion", opts.resourceVersion);
        url.searchParams.set("allowWatchBookmarks", "true");
        url.searchParams.set("timeoutSeconds", String(opts.timeoutSeconds));
        if (opts.labelSelector) url.searchParams.set("labelSelector", opts.labelSelector);
        let res;
        try {
          res = await fetch(url, {
            headers: await headersFor(url),
            ...(client ? { client } : {}),
            signal: ac.signal,
          });
        } catch (err) {
          if (ac.signal.aborted) return;
          throw new KubeApiError(0, `watch ${path}: ${(err as Error).message}`);
        }
        if (!res.ok) throw await statusError(res, `watch ${path}`);
        reader = res.body!.getReader();
        const dec = new TextDecoder();
        let buf = "";
        try {
          for (;;) {
            const { done, value } = await Promise.race([reader.read(), aborted]);
            if (done) break;
            buf += dec.decode(value, { stream: true });
            let nl: number;
            while ((nl = buf.indexOf("\n")) >= 0) {
              const line = buf.slice(0, nl).trim();
              buf = buf.slice(nl + 1);
              if (!line) continue;
              const e = JSON.parse(line);
              onEvent(e.type as WatchEventType, e.object);
            }
          }
        } catch (err) {
          if (!ac.signal.aborted) throw new KubeApiError(0, `watch ${path}: ${(err as Error).message}`);
        } finally {
          reader.cancel().catch(() => {});
        }
      } finally {
        clearTimeout(guard);
        opts.signal.removeEventListener("abort", stop);
      }
    },
    async version() {
      const v = await get("/version", {});
      return String(v.gitVersion ?? "unknown");
    },
  };
}
