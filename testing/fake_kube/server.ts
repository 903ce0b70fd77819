/**
 * A fake Kubernetes API server that speaks real list+watch: discovery documents, paginated lists with a
 * resourceVersion, chunked JSON watch streams (ADDED/MODIFIED/DELETED/BOOKMARK), timeoutSeconds, and
 * `410 Gone` for a resourceVersion older than its history: as an ERROR event with a Status inside the stream, or
 * (`plainGone`) as a plain HTTP 410 answer, as some API servers and the proxies in front of them do. Lists are
 * paginated over a snapshot taken at their first page (as etcd does), whose continue token expires (410) when
 * the history is compacted. `historyLimit` keeps only the latest changes, like etcd's compaction.
 * Objects carry what the API sets: uid, resourceVersion, generation, creationTimestamp and managedFields.
 * Debian's kubectl can talk to it (see kubernetes_test.ts).
 */

export type { Json } from "../json.ts";
import type { Json } from "../json.ts";

import { apiVersionOf, fieldsV1, matchesLabels, RESOURCES, type ResourceType } from "./resources.ts";
export { RESOURCES, type ResourceType } from "./resources.ts";

interface LogEntry {
  rv: number;
  plural: string;
  type: "ADDED" | "MODIFIED" | "DELETED";
  object: Json;
}

interface Watcher {
  plural: string;
  namespace: string | null;
  labelSelector: string | null;
  send(type: string, object: Json): void;
}

export interface LoggedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  /** When it arrived (ms since the epoch). */
  at: number;
}

export class FakeKube {
  private objects = new Map<string, Map<string, Json>>();
  private log: LogEntry[] = [];
  private watchers = new Set<Watcher>();
  private rv = 1000;
  /** Watches from a resourceVersion below this get 410 Gone. */
  private oldestRv = 0;
  private server: Deno.HttpServer | null = null;
  private uidSeq = 0;
  /** Lists being paged through: the objects as of their first page. */
  private snapshots = new Map<string, { objects: Json[]; rv: number; at: number }>();
  private snapshotSeq = 0;
  readonly requests: LoggedRequest[] = [];
  readonly token: string;
  bookmarkMs: number;
  /** Answer a too-old watch with a plain HTTP 410 instead of an ERROR event inside the stream. */
  plainGone: boolean;
  /** How many changes the history keeps (older ones are compacted away); unlimited by default. */
  historyLimit: number;
  /** Pods, events and other kinds that only the cluster itself changes are written through the same calls. */
  constructor(
    opts: {
      token?: string;
      bookmarkMs?: number;
      plainGone?: boolean;
      historyLimit?: number;
    } = {},
  ) {
    this.token = opts.token ?? "fake-kube-token";
    this.bookmarkMs = opts.bookmarkMs ?? 500;
    this.plainGone = opts.plainGone ?? false;
    this.historyLimit = opts.historyLimit ?? Infinity;
    for (const r of RESOURCES) this.objects.set(r.plural, new Map());
  }

  get url(): string {
    return `https://127.0.0.1:${(this.server!.addr as Deno.NetAddr).port}`;
  }

  /** The CA to trust (it signed the server's certificate), PEM. */
  static readonly caPem = Deno.readTextFileSync(new URL("./tls/ca.pem", import.meta.url));

  /** A kubeconfig for this server, as `kubectl config view --raw` would print it. */
  kubeconfig(): string {
    return [
      "apiVersion: v1",
      "kind: Config",
      "clusters:",
      "- name: fake",
      "  cluster:",
      `    server: ${this.url}`,
      `    certificate-authority-data: ${btoa(FakeKube.caPem)}`,
      "users:",
      "- name: painchain",
      "  user:",
      `    token: ${this.token}`,
      "contexts:",
      "- name: fake",
      "  context:",
      "    cluster: fake",
      "    user: painchain",
      "current-context: fake",
      "",
    ].join("\n");
  }

  get resourceVersion(): string {
    return String(this.rv);
  }

  start(): this {
    this.server = Deno.serve({
      port: 0,
      hostname: "127.0.0.1",
      onListen: () => {},
      cert: Deno.readTextFileSync(new URL("./tls/cert.pem", import.meta.url)),
      key: Deno.readTextFileSync(new URL("./tls/key.pem", import.meta.url)),
    }, (req) => this.handle(req));
    return this;
  }

  async stop() {
    for (const w of this.watchers) w.send("__close__", null);
    await this.server?.shutdown();
  }

  /** Forgets the event history: watches from any earlier resourceVersion now get 410 Gone. */
  compact() {
    this.oldestRv = this.rv;
    this.log = [];
    // Paginated lists begun before this point can no longer be continued.
    for (const [id, snap] of this.snapshots) if (snap.rv < this.oldestRv) this.snapshots.delete(id);
  }

  /** How many objects of a kind the fake holds. */
  count(plural: string): number {
    return this.objects.get(plural)!.size;
  }

  /** Ends every open watch, as an API server restart or a load balancer timeout would. */
  dropWatches() {
    for (const w of this.watchers) w.send("__close__", null);
  }

  /** Creates or replaces an object as `manager` would with kubectl apply/edit. */
  apply(plural: string, obj: Json, opts: { manager?: string; subresource?: string; at?: Date } = {}): Json {
    const type = RESOURCES.find((r) => r.plural === plural)!;
    const ns = type.namespaced ? obj.metadata.namespace ?? "default" : null;
    const key = `${ns ?? ""}/${obj.metadata.name}`;
    const store = this.objects.get(plural)!;
    const prev = store.get(key);
    const at = (opts.at ?? new Date()).toISOString().replace(/\.\d+Z$/, "Z");
    const next: Json = structuredClone(obj);
    next.apiVersion = apiVersionOf(type);
    next.kind = type.kind;
    next.metadata = {
      ...next.metadata,
      ...(ns ? { namespace: ns } : {}),
      uid: prev?.metadata.uid ?? `00000000-0000-4000-8000-${String(++this.uidSeq).padStart(12, "0")}`,
      creationTimestamp: prev?.metadata.creationTimestamp ?? at,
      resourceVersion: String(++this.rv),
    };
    const specChanged = JSON.stringify(prev?.spec) !== JSON.stringify(next.spec);
    if ("spec" in next) {
      next.metadata.generation = (prev?.metadata.generation ?? 0) + (prev ? (specChanged ? 1 : 0) : 1);
    }
    const entry = {
      manager: opts.manager ?? "kubectl-client-side-apply",
      operation: "Update",
      apiVersion: next.apiVersion,
      time: at,
      fieldsType: "FieldsV1",
      fieldsV1: fieldsV1({ spec: next.spec, data: next.data, metadata: { labels: next.metadata.labels } }),
      ...(opts.subresource ? { subresource: opts.subresource } : {}),
    };
    const others = (prev?.metadata.managedFields ?? []).filter((m: Json) =>
      m.manager !== entry.manager || m.subresource !== entry.subresource
    );
    next.metadata.managedFields = [...others, entry];
    store.set(key, next);
    this.record(plural, prev ? "MODIFIED" : "ADDED", next);
    return structuredClone(next);
  }

  /** Changes an object in place (status updates by a controller, scale by the HPA …). */
  update(
    plural: string,
    ns: string | null,
    name: string,
    mutate: (o: Json) => void,
    opts: { manager?: string; subresource?: string; at?: Date } = {},
  ): Json {
    const prev = this.get(plural, ns, name);
    if (!prev) throw new Error(`no ${plural} ${ns}/${name}`);
    const next = structuredClone(prev);
    mutate(next);
    return this.apply(plural, next, { manager: opts.manager ?? "kubectl-edit", ...opts });
  }

  /** A status-only change (no generation bump, manager is the controller). */
  setStatus(plural: string, ns: string | null, name: string, status: Json): Json {
    return this.update(plural, ns, name, (o) => (o.status = { ...o.status, ...status }), {
      manager: "kube-controller-manager",
      subresource: "status",
    });
  }

  delete(plural: string, ns: string | null, name: string) {
    const store = this.objects.get(plural)!;
    const key = `${ns ?? ""}/${name}`;
    const prev = store.get(key);
    if (!prev) return;
    store.delete(key);
    const gone = structuredClone(prev);
    gone.metadata.resourceVersion = String(++this.rv);
    this.record(plural, "DELETED", gone);
  }

  get(plural: string, ns: string | null, name: string): Json | undefined {
    const o = this.objects.get(plural)!.get(`${ns ?? ""}/${name}`);
    return o ? structuredClone(o) : undefined;
  }

  /** Paths of the watch requests made so far. */
  watchPaths(): string[] {
    return this.requests.filter((r) => r.query.watch === "true" || r.query.watch === "1").map((r) => r.path);
  }

  private record(plural: string, type: LogEntry["type"], object: Json) {
    // Objects are replaced, never changed in place: the log may share them.
    this.log.push({ rv: this.rv, plural, type, object });
    if (this.log.length > this.historyLimit * 1.1) {
      // Compacted: watches from before the oldest change kept get 410 Gone.
      const drop = this.log.length - this.historyLimit;
      this.oldestRv = Math.max(this.oldestRv, this.log[drop - 1]!.rv);
      this.log = this.log.slice(drop);
    }
    for (const w of this.watchers) {
      if (w.plural !== plural) continue;
      if (w.namespace && object.metadata.namespace !== w.namespace) continue;
      if (!matchesLabels(object, w.labelSelector)) continue;
      w.send(type, object);
    }
  }

  private handle(req: Request): Response {
    const url = new URL(req.url);
    const query = Object.fromEntries(url.searchParams);
    this.requests.push({ method: req.method, path: url.pathname, query, at: Date.now() });
    if (req.headers.get("authorization") !== `Bearer ${this.token}`) {
      return Response.json(
        {
          kind: "Status",
          apiVersion: "v1",
          metadata: {},
          status: "Failure",
          message: "Unauthorized",
          reason: "Unauthorized",
          code: 401,
        },
        { status: 401 },
      );
    }
    const p = url.pathname;
    if (p === "/version") {
      return Response.json({ major: "1", minor: "31", gitVersion: "v1.31.0-fake", platform: "linux/amd64" });
    }
    if (p === "/api") {
      return Response.json({ kind: "APIVersions", versions: ["v1"], serverAddressByClientCIDRs: [] });
    }
    if (p === "/apis") {
      const groups = [...new Set(RESOURCES.filter((r) => r.group).map((r) => `${r.group}/${r.version}`))];
      return Response.json({
        kind: "APIGroupList",
        apiVersion: "v1",
        groups: groups.map((gv) => {
          const [name, version] = gv.split("/");
          const v = { groupVersion: gv, version };
          return { name, versions: [v], preferredVersion: v };
        }),
      });
    }
    const disc = /^\/(?:api\/(v1)|apis\/([^/]+)\/([^/]+))$/.exec(p);
    if (disc) {
      const group = disc[1] ? "" : disc[2]!;
      const version = disc[1] ?? disc[3]!;
      const rs = RESOURCES.filter((r) => r.group === group && r.version === version);
      if (rs.length === 0) return this.status(404, "NotFound", `the server could not find ${p}`);
      return Response.json({
        kind: "APIResourceList",
        apiVersion: "v1",
        groupVersion: group ? `${group}/${version}` : version,
        resources: rs.map((r) => ({
          name: r.plural,
          singularName: r.kind.toLowerCase(),
          namespaced: r.namespaced,
          kind: r.kind,
          verbs: ["get", "list", "watch", "create", "update", "patch", "delete"],
          ...(r.shortNames ? { shortNames: r.shortNames } : {}),
        })),
      });
    }
    const m = /^\/(?:api\/v1|apis\/([^/]+)\/([^/]+))(?:\/namespaces\/([^/]+))?\/([^/]+)(?:\/([^/]+))?$/.exec(
      p,
    );
    if (!m) return this.status(404, "NotFound", `the server could not find the requested resource (${p})`);
    const [, group = "", version = "v1", namespace = null, plural, name] = m;
    const type = RESOURCES.find((r) => r.plural === plural && r.group === group && r.version === version);
    if (!type) return this.status(404, "NotFound", `the server could not find the requested resource (${p})`);
    if (name) {
      const o = this.get(plural!, namespace, name);
      return o ? Response.json(o) : this.status(404, "NotFound", `${plural} "${name}" not found`);
    }
    const labelSelector = url.searchParams.get("labelSelector");
    if (query.watch === "true" || query.watch === "1") {
      return this.watch(type, namespace, labelSelector, url.searchParams);
    }
    return this.list(type, namespace, labelSelector, url.searchParams);
  }

  private status(code: number, reason: string, message: string) {
    return Response.json(
      { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message, reason, code },
      { status: code },
    );
  }

  private current(type: ResourceType, namespace: string | null, labelSelector: string | null): Json[] {
    return [...this.objects.get(type.plural)!.values()]
      .filter((o) => !namespace || o.metadata.namespace === namespace)
      .filter((o) => matchesLabels(o, labelSelector))
      .sort((a, b) =>
        `${a.metadata.namespace ?? ""}/${a.metadata.name}`.localeCompare(
          `${b.metadata.namespace ?? ""}/${b.metadata.name}`,
        )
      );
  }

  private list(
    type: ResourceType,
    namespace: string | null,
    labelSelector: string | null,
    q: URLSearchParams,
  ) {
    const limit = Number(q.get("limit") ?? "0");
    const token = q.get("continue");
    let id: string;
    let start = 0;
    let snap;
    if (token) {
      const [sid, offset] = token.split(":");
      snap = this.snapshots.get(sid!);
      if (!snap) {
        return this.status(
          410,
          "Expired",
          "The provided continue parameter is too old to display a consistent list result.",
        );
      }
      id = sid!;
      start = Number(offset);
    } else {
      id = String(++this.snapshotSeq);
      snap = { objects: this.current(type, namespace, labelSelector), rv: this.rv, at: Date.now() };
    }
    const all = snap.objects;
    const page = limit > 0 ? all.slice(start, start + limit) : all.slice(start);
    const more = limit > 0 && start + limit < all.length;
    if (more) {
      this.snapshots.set(id, snap);
      // Abandoned lists are forgotten after a while.
      for (const [k, v] of this.snapshots) if (Date.now() - v.at > 300_000) this.snapshots.delete(k);
    } else this.snapshots.delete(id);
    return Response.json({
      kind: `${type.kind}List`,
      apiVersion: apiVersionOf(type),
      metadata: {
        resourceVersion: String(snap.rv),
        ...(more ? { continue: `${id}:${start + limit}` } : {}),
      },
      items: page,
    });
  }

  private watch(
    type: ResourceType,
    namespace: string | null,
    labelSelector: string | null,
    q: URLSearchParams,
  ) {
    const from = q.get("resourceVersion");
    const bookmarks = q.get("allowWatchBookmarks") === "true";
    const timeout = Number(q.get("timeoutSeconds") ?? "1800");
    if (this.plainGone && from && from !== "0" && Number(from) < this.oldestRv) {
      return this.status(410, "Expired", `too old resource version: ${from} (${this.oldestRv})`);
    }
    const enc = new TextEncoder();
    let watcher: Watcher | null = null;
    let timers: ReturnType<typeof setTimeout>[] = [];
    const cleanup = () => {
      if (watcher) this.watchers.delete(watcher);
      for (const t of timers) clearTimeout(t), clearInterval(t);
      timers = [];
    };
    const body = new ReadableStream<Uint8Array>({
      start: (ctrl) => {
        let closed = false;
        const line = (type: string, object: Json) => {
          if (closed) return;
          if (type === "__close__") {
            closed = true;
            cleanup();
            try {
              ctrl.close();
            } catch { /* already closed */ }
            return;
          }
          try {
            ctrl.enqueue(enc.encode(JSON.stringify({ type, object }) + "\n"));
          } catch {
            closed = true;
            cleanup();
          }
        };
        if (from && from !== "0" && Number(from) < this.oldestRv) {
          line("ERROR", {
            kind: "Status",
            apiVersion: "v1",
            metadata: {},
            status: "Failure",
            message: `too old resource version: ${from} (${this.oldestRv})`,
            reason: "Expired",
            code: 410,
          });
          line("__close__", null);
          return;
        }
        if (!from || from === "0") {
          // No resourceVersion: the current objects as synthetic ADDED events, then changes.
          for (const o of this.current(type, namespace, labelSelector)) line("ADDED", o);
        } else {
          for (const e of this.log) {
            if (e.plural !== type.plural || e.rv <= Number(from)) continue;
            if (namespace && e.object.metadata.namespace !== namespace) continue;
            if (!matchesLabels(e.object, labelSelector)) continue;
            line(e.type, e.object);
          }
        }
        watcher = { plural: type.plural, namespace, labelSelector, send: line };
        this.watchers.add(watcher);
        if (bookmarks) {
          timers.push(setInterval(() =>
            line("BOOKMARK", {
              kind: type.kind,
              apiVersion: apiVersionOf(type),
              metadata: {
                resourceVersion: String(this.rv),
                annotations: { "k8s.io/initial-events-end": "true" },
              },
            }), this.bookmarkMs));
        }
        timers.push(setTimeout(() => line("__close__", null), timeout * 1000));
      },
      cancel: cleanup,
    });
    return new Response(body, {
      headers: { "content-type": "application/json", "transfer-encoding": "chunked" },
    });
  }
}
