/**
 * Talking to the API server through the connector's fetch (under the egress policy), with Deno's HTTP client for the
 * cluster's CA and client certificate: lists are paginated, and watches stream newline-delimited JSON events.
 * (@kubernetes/client-node is not loaded at run time: its dependencies read the whole environment, which a
 * connector running with --allow-env=<its variables> may not; and its exec plugins would need to run programs.)
 */
import { type StreamingInit, upstreamErrorText } from "@painchain/shared";
import { accessFromKubeconfig, accessInCluster, type ClusterAccess, parseKubeconfig } from "./kubeconfig.ts";
import type { KubeObject } from "./model.ts";
import { type KubeSettings, SERVICE_ACCOUNT_DIR } from "./settings.ts";

export type { KubeObject } from "./model.ts";

export interface KubeList {
  items: KubeObject[];
  resourceVersion: string;
}

export type WatchEventType = "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK" | "ERROR";

export interface ListOptions {
  labelSelector?: string;
  signal?: AbortSignal;
}

export interface KubeApi {
  /** Every object of a collection (paginated under the hood) and the list's resourceVersion. */
  list(path: string, opts?: ListOptions): Promise<KubeList>;
  /**
   * The same, a page at a time: `onPage` has each page's items (and may let them go) before the next is read.
   * A continue token that expired in between (410) starts the list over, after `onRestart`: items already handed
   * over may come again, and some may be gone. Resolves to the list's resourceVersion.
   */
  listPages(
    path: string,
    opts: ListOptions & { onRestart?: () => void },
    onPage: (items: KubeObject[]) => Promise<void> | void,
  ): Promise<string>;
  /** Streams changes after `resourceVersion`; resolves when the server ends the watch. */
  watch(
    path: string,
    opts: { resourceVersion: string; timeoutSeconds: number; labelSelector?: string; signal: AbortSignal },
    onEvent: (type: WatchEventType, object: KubeObject) => void | Promise<void>,
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
/** The largest watch event taken (etcd stores objects up to 1.5 MiB; JSON of one can be a few times that). */
const MAX_EVENT_CHARS = 16 * 1024 * 1024;

/** An error thrown by a watch's event handler, carried out of the stream reading untouched. */
class HandlerError extends Error {
  constructor(override readonly cause: unknown) {
    super("watch handler failed");
  }
}

/** One page of a list: its items, the snapshot's resourceVersion, and where the next page starts. */
interface ListPage {
  items?: KubeObject[];
  metadata?: { resourceVersion?: string; continue?: string };
}

/** How the settings reach the cluster. */
export function accessOf(s: KubeSettings, mayReadFiles: boolean): ClusterAccess {
  if (s.auth === "incluster") return accessInCluster(SERVICE_ACCOUNT_DIR);
  if (s.auth === "kubeconfig") {
    return accessFromKubeconfig(parseKubeconfig(s.kubeconfig!), s.context, mayReadFiles);
  }
  const ca = s.caData ? (s.caData.includes("BEGIN CERTIFICATE") ? s.caData : atob(s.caData)) : null;
  return {
    server: s.server!,
    caPem: ca,
    certPem: null,
    keyPem: null,
    token: s.token!,
    tokenFile: null,
    basic: null,
  };
}

const HINTS: Record<number, string> = {
  401: "the credentials were refused",
  403: "the account may not read this (see connectors/kubernetes/rbac.yaml)",
  404: "no such resource or API group on this cluster",
};

/** The status and its meaning; the body is not read (the server may be anything a `write` key typed in). */
async function statusError(res: Response, what: string, host: string): Promise<KubeApiError> {
  await res.body?.cancel();
  return new KubeApiError(
    res.status,
    `${what}: ${upstreamErrorText({ status: res.status }, { host, hints: HINTS })}`,
  );
}

/** Deno's own HTTP client with the cluster's CA and the client certificate, when there are any. */
function httpClientOf(a: ClusterAccess): Deno.HttpClient | undefined {
  if (!a.caPem && !(a.certPem && a.keyPem)) return undefined;
  return Deno.createHttpClient({
    ...(a.caPem ? { caCerts: [a.caPem] } : {}),
    ...(a.certPem && a.keyPem ? { cert: a.certPem, key: a.keyPem } : {}),
  });
}

export function kubeApi(access: ClusterAccess, doFetch: typeof fetch = fetch): KubeApi {
  const server = access.server.replace(/\/+$/, "");
  const host = (() => {
    try {
      return new URL(server).host;
    } catch {
      throw new KubeApiError(0, "The cluster's server is not a URL");
    }
  })();
  const client = httpClientOf(access);
  // A token file (the service account's) is re-read now and then: such tokens rotate.
  let fileToken: { at: number; value: string } | null = null;
  const token = async () => {
    if (access.token) return access.token;
    if (!access.tokenFile) return null;
    if (!fileToken || Date.now() - fileToken.at > 60_000) {
      fileToken = { at: Date.now(), value: (await Deno.readTextFile(access.tokenFile)).trim() };
    }
    return fileToken.value;
  };
  const headersFor = async (_url: URL): Promise<Record<string, string>> => {
    const t = await token();
    const h: Record<string, string> = { accept: "application/json" };
    if (t) h.authorization = `Bearer ${t}`;
    else if (access.basic) {
      h.authorization = `Basic ${btoa(`${access.basic.username}:${access.basic.password}`)}`;
    }
    return h;
  };
  const get = async <T>(
    path: string,
    query: Record<string, string | undefined>,
    signal?: AbortSignal,
  ): Promise<T> => {
    const url = new URL(server + path);
    for (const [k, v] of Object.entries(query)) if (v !== undefined) url.searchParams.set(k, v);
    let res: Response;
    try {
      res = await doFetch(url, {
        headers: await headersFor(url),
        ...(client ? { client } : {}),
        ...(signal ? { signal } : {}),
      } as RequestInit);
    } catch (err) {
      throw new KubeApiError(0, `GET ${path}: ${upstreamErrorText(err, { host })}`);
    }
    if (!res.ok) throw await statusError(res, `GET ${path}`, host);
    return await res.json() as T;
  };
  const listPages: KubeApi["listPages"] = async (path, opts, onPage) => {
    for (let attempt = 1;; attempt++) {
      let cont: string | undefined;
      let resourceVersion = "";
      try {
        do {
          const page = await get<ListPage>(path, {
            limit: String(PAGE),
            continue: cont,
            labelSelector: opts.labelSelector,
          }, opts.signal);
          // The first page's version is the snapshot's; later pages share it.
          resourceVersion ||= page.metadata?.resourceVersion ?? "";
          cont = page.metadata?.continue || undefined;
          await onPage(page.items ?? []);
        } while (cont);
        return resourceVersion;
      } catch (err) {
        // The snapshot a continue token points into was compacted away: list again, from now.
        if (!(cont && err instanceof KubeApiError && err.status === 410 && attempt < 3)) throw err;
        opts.onRestart?.();
      }
    }
  };
  return {
    async list(path, opts = {}) {
      let items: KubeObject[] = [];
      const resourceVersion = await listPages(path, { ...opts, onRestart: () => (items = []) }, (page) => {
        items.push(...page);
      });
      return { items, resourceVersion };
    },
    listPages,
    async watch(path, opts, onEvent) {
      // Newline-delimited JSON events, read from the response stream until the server ends the watch.
      const ac = new AbortController();
      let reader: ReadableStreamDefaultReader<Uint8Array> | null = null;
      // Cancelling the reader ends a pending read at once when the poll is stopped. (Not a Promise.race with an
      // "aborted" promise: each race leaves a reaction on it holding the chunk read, until the watch ends.)
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
          // A watch streams for minutes: no cap on the whole body; each line is bounded below instead.
          res = await doFetch(url, {
            headers: await headersFor(url),
            ...(client ? { client } : {}),
            signal: ac.signal,
            stream: true,
          } as StreamingInit);
        } catch (err) {
          if (ac.signal.aborted) return;
          throw new KubeApiError(0, `watch ${path}: ${upstreamErrorText(err, { host })}`);
        }
        if (!res.ok) throw await statusError(res, `watch ${path}`, host);
        reader = res.body!.getReader();
        const dec = new TextDecoder();
        let buf = "";
        try {
          for (;;) {
            const { done, value } = await reader.read();
            if (done || ac.signal.aborted) break;
            // Only the new text is searched for line ends, and the rest kept once per chunk: linear in the stream.
            const scanned = buf.length;
            buf += dec.decode(value, { stream: true });
            let start = 0;
            const lines: string[] = [];
            for (let nl = buf.indexOf("\n", scanned); nl >= 0; nl = buf.indexOf("\n", start)) {
              lines.push(buf.slice(start, nl));
              start = nl + 1;
            }
            buf = buf.slice(start);
            if (buf.length > MAX_EVENT_CHARS) {
              throw new KubeApiError(0, `watch ${path}: an event larger than ${MAX_EVENT_CHARS >> 20} MiB`);
            }
            for (const raw of lines) {
              const line = raw.trim();
              if (!line) continue;
              const e = JSON.parse(line) as { type: WatchEventType; object: KubeObject };
              // One event at a time: while it is handled, nothing more is read (the server waits).
              try {
                await onEvent(e.type, e.object);
              } catch (err) {
                throw new HandlerError(err);
              }
            }
          }
        } catch (err) {
          // The caller's own error (a 410 inside the stream, a failed publish): as it was thrown.
          if (err instanceof HandlerError) throw err.cause;
          if (err instanceof KubeApiError) throw err;
          if (!ac.signal.aborted) {
            throw new KubeApiError(
              0,
              `watch ${path}: ${
                err instanceof SyntaxError
                  ? "the server sent malformed JSON"
                  : upstreamErrorText(err, { host })
              }`,
            );
          }
        } finally {
          reader.cancel().catch(() => {});
        }
      } finally {
        clearTimeout(guard);
        opts.signal.removeEventListener("abort", stop);
      }
    },
    async version() {
      const v = await get<{ gitVersion?: string }>("/version", {});
      return String(v.gitVersion ?? "unknown");
    },
  };
}
