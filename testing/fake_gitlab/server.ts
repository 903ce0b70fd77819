/**
 * A fake GitLab REST API (v4) for tests. Objects come from testdata/ (shaped as in GitLab's API documentation)
 * and are varied to build histories. It implements offset pagination (X-Page, X-Next-Page, X-Total and a Link
 * header), `updated_after`/`order_by`/`sort`, RateLimit-* headers, 429 with Retry-After, injected 5xx, a path
 * prefix for self-hosted instances, PRIVATE-TOKEN auth and a request log.
 */
import type { Json } from "../json.ts";
import { gitlabExample as template } from "./examples.ts";
import { FakeHttpServer, type Fault, takeFault } from "../fake_http.ts";

export type { Fault };

export interface Project {
  id: number;
  path: string;
  defaultBranch: string;
  mergeRequests: Json[];
  commits: Record<string, Json[]>;
  pipelines: Json[];
  jobs: Record<number, Json[]>;
  deployments: Json[];
  tags: Json[];
  releases: Json[];
}

export interface LoggedRequest {
  path: string;
  query: string;
  status: number;
  token: string | null;
}

let seq = 9000;
const iso = (ms: number) => new Date(ms).toISOString();

/** A pipeline or deployment from its template, added to the project's `list`: the next id and iid, a status and time. */
function numbered(kind: "pipeline" | "deployment", list: Json[], o: { at: number; status: string }): Json {
  const run = template(kind);
  Object.assign(run, {
    id: seq++,
    iid: list.length + 1,
    status: o.status,
    created_at: iso(o.at),
    updated_at: iso(o.at),
  });
  list.push(run);
  return run;
}

export class FakeGitlab extends FakeHttpServer<LoggedRequest> {
  readonly projects = new Map<number, Project>();
  readonly groups = new Map<string, number[]>();

  constructor(private readonly opts: { prefix?: string; token?: string } = {}) {
    super(opts.prefix, 2000);
  }

  project(path: string): Project {
    for (const p of this.projects.values()) if (p.path === path) return p;
    const p: Project = {
      id: seq++,
      path,
      defaultBranch: "main",
      mergeRequests: [],
      commits: { main: [] },
      pipelines: [],
      jobs: {},
      deployments: [],
      tags: [],
      releases: [],
    };
    this.projects.set(p.id, p);
    return p;
  }

  addMergeRequest(path: string, o: { iid: number; at: number; state?: string; title?: string }) {
    const p = this.project(path);
    const mr = template("merge_request");
    Object.assign(mr, {
      id: seq++,
      iid: o.iid,
      project_id: p.id,
      title: o.title ?? `Change ${o.iid}`,
      state: o.state ?? "opened",
      created_at: iso(o.at),
      updated_at: iso(o.at),
      merged_at: o.state === "merged" ? iso(o.at) : null,
      web_url: `https://gitlab.example.com/${path}/-/merge_requests/${o.iid}`,
    });
    if (o.state !== "merged") mr.merge_commit_sha = null;
    p.mergeRequests.push(mr);
    return mr;
  }

  updateMergeRequest(path: string, iid: number, o: { state: string; at: number }) {
    const mr = this.project(path).mergeRequests.find((m) => m.iid === iid)!;
    Object.assign(mr, { state: o.state, updated_at: iso(o.at) });
    if (o.state === "merged") {
      Object.assign(mr, {
        merged_at: iso(o.at),
        merge_commit_sha: "9999999999999999999999999999999999999999",
      });
    }
  }

  addCommit(path: string, o: { message: string; at: number; branch?: string }) {
    const p = this.project(path);
    const c = template("commit");
    const sha = Array.from(crypto.getRandomValues(new Uint8Array(20)), (b) => b.toString(16).padStart(2, "0"))
      .join("");
    Object.assign(c, {
      id: sha,
      short_id: sha.slice(0, 11),
      title: o.message,
      message: o.message,
      committed_date: iso(o.at),
      created_at: iso(o.at),
      authored_date: iso(o.at),
      web_url: `https://gitlab.example.com/${path}/-/commit/${sha}`,
    });
    (p.commits[o.branch ?? p.defaultBranch] ??= []).push(c);
    return c;
  }

  addPipeline(path: string, o: { at: number; status: string; failedJobs?: string[] }) {
    const p = this.project(path);
    const pl = numbered("pipeline", p.pipelines, o);
    Object.assign(pl, { project_id: p.id, web_url: `https://gitlab.example.com/${path}/-/pipelines/${seq}` });
    const job = template("job");
    p.jobs[pl.id] = (o.failedJobs ?? []).map((name, i) => ({ ...job, id: seq + i, name, status: "failed" }));
    return pl;
  }

  updatePipeline(path: string, id: number, o: { status: string; at: number; failedJobs?: string[] }) {
    const p = this.project(path);
    const pl = p.pipelines.find((x) => x.id === id)!;
    Object.assign(pl, { status: o.status, updated_at: iso(o.at) });
    if (o.failedJobs) {
      const job = template("job");
      p.jobs[id] = o.failedJobs.map((name, i) => ({ ...job, id: seq++ + i, name, status: "failed" }));
    }
  }

  addDeployment(path: string, o: { at: number; status: string; environment?: string }) {
    const d = numbered("deployment", this.project(path).deployments, o);
    d.environment.name = o.environment ?? "production";
    return d;
  }

  addTag(path: string, o: { name: string; at: number }) {
    const t = template("tag");
    Object.assign(t, { name: o.name, created_at: iso(o.at) });
    t.commit.committed_date = iso(o.at);
    this.project(path).tags.push(t);
    return t;
  }

  addRelease(path: string, o: { tag: string; at: number }) {
    const r = template("release");
    Object.assign(r, { tag_name: o.tag, name: o.tag, created_at: iso(o.at), released_at: iso(o.at) });
    this.project(path).releases.push(r);
    return r;
  }

  // --- HTTP -----------------------------------------------------------------------------------------------

  private rateHeaders(): Record<string, string> {
    const reset = Math.ceil((this.rate.resetAt || Date.now() + 60_000) / 1000);
    return {
      "ratelimit-limit": String(this.rate.limit),
      "ratelimit-remaining": String(this.rate.remaining),
      "ratelimit-reset": String(reset),
      "ratelimit-observed": String(this.rate.limit - this.rate.remaining),
      "ratelimit-resettime": new Date(reset * 1000).toUTCString(),
    };
  }

  private json(body: Json, extra: Record<string, string> = {}, status = 200): Response {
    return new Response(JSON.stringify(body), {
      status,
      headers: { "content-type": "application/json", ...this.rateHeaders(), ...extra },
    });
  }

  private page(url: URL, items: Json[]): Response {
    const perPage = Math.min(100, Number(url.searchParams.get("per_page") ?? 20));
    const page = Math.max(1, Number(url.searchParams.get("page") ?? 1));
    const total = items.length;
    const pages = Math.max(1, Math.ceil(total / perPage));
    const link = (n: number) => {
      const u = new URL(url);
      u.searchParams.set("page", String(n));
      u.searchParams.set("per_page", String(perPage));
      return u.toString();
    };
    const rels = [`<${link(1)}>; rel="first"`, `<${link(pages)}>; rel="last"`];
    if (page < pages) rels.unshift(`<${link(page + 1)}>; rel="next"`);
    if (page > 1) rels.unshift(`<${link(page - 1)}>; rel="prev"`);
    return this.json(items.slice((page - 1) * perPage, page * perPage), {
      "x-page": String(page),
      "x-per-page": String(perPage),
      "x-next-page": page < pages ? String(page + 1) : "",
      "x-prev-page": page > 1 ? String(page - 1) : "",
      "x-total": String(total),
      "x-total-pages": String(pages),
      link: rels.join(", "),
    });
  }

  private error(status: number, message: string, extra: Record<string, string> = {}): Response {
    return this.json({ message }, extra, status);
  }

  protected handle(req: Request): Response {
    const url = new URL(req.url);
    const base = `${this.opts.prefix ?? ""}/api/v4`;
    const path = url.pathname.startsWith(base) ? url.pathname.slice(base.length) : "/__outside_prefix";
    const token = req.headers.get("private-token");
    const res = this.route(url, path, token);
    this.log.push({ path, query: url.search, status: res.status, token });
    return res;
  }

  private route(url: URL, path: string, token: string | null): Response {
    if (this.opts.token && token !== this.opts.token) return this.error(401, "401 Unauthorized");
    const hit = takeFault(this.faults, path);
    if (hit) {
      return this.error(
        hit.fault.status,
        hit.fault.status === 429 ? "Retry later" : "500 Internal Server Error",
        hit.headers,
      );
    }
    if (this.rate.resetAt && Date.now() >= this.rate.resetAt) {
      this.rate = { ...this.rate, remaining: this.rate.limit, resetAt: 0 };
    }
    if (this.rate.remaining <= 0) return this.error(429, "Retry later", { "retry-after": "1" });
    this.rate.remaining--;
    const q = url.searchParams;
    let m: RegExpExecArray | null;
    if ((m = /^\/groups\/([^/]+)\/projects$/.exec(path))) {
      const ids = this.groups.get(decodeURIComponent(m[1]!));
      if (!ids) return this.error(404, "404 Group Not Found");
      return this.page(url, ids.map((id) => this.projectJson(this.projects.get(id)!)));
    }
    if (!(m = /^\/projects\/([^/]+)(\/.*)?$/.exec(path))) return this.error(404, "404 Not Found");
    const key = decodeURIComponent(m[1]!);
    const p = /^\d+$/.test(key)
      ? this.projects.get(Number(key))
      : [...this.projects.values()].find((x) => x.path === key);
    if (!p) return this.error(404, "404 Project Not Found");
    const rest = m[2] ?? "";
    const after = q.get("updated_after");
    const since = (list: Json[], field = "updated_at") =>
      list.filter((x) => !after || Date.parse(x[field]) >= Date.parse(after));
    const order = (list: Json[], field: string) =>
      [...list].sort((a, b) =>
        (q.get("sort") === "asc" ? 1 : -1) * (Date.parse(a[field]) - Date.parse(b[field])) || b.id - a.id
      );
    if (rest === "") return this.json(this.projectJson(p));
    if (rest === "/merge_requests") {
      return this.page(
        url,
        order(since(p.mergeRequests), q.get("order_by") === "updated_at" ? "updated_at" : "created_at"),
      );
    }
    if ((m = /^\/merge_requests\/(\d+)(\/diffs|\/approvals)?$/.exec(rest))) {
      const mr = p.mergeRequests.find((x) => x.iid === Number(m![1]));
      if (!mr) return this.error(404, "404 Not found");
      if (m[2] === "/diffs") {
        const d = template("diff");
        return this.page(url, [d, { ...d, old_path: "app.rb", new_path: "app.rb" }]);
      }
      if (m[2] === "/approvals") {
        return this.json({ ...template("approvals"), iid: mr.iid, project_id: p.id });
      }
      return this.json(mr);
    }
    if (rest === "/repository/commits") {
      const branch = q.get("ref_name") ?? p.defaultBranch;
      const s = q.get("since");
      const list = (p.commits[branch] ?? []).filter((c) =>
        !s || Date.parse(c.committed_date) >= Date.parse(s)
      );
      return this.page(
        url,
        [...list].sort((a, b) => Date.parse(b.committed_date) - Date.parse(a.committed_date)),
      );
    }
    if ((m = /^\/repository\/commits\/([0-9a-f]+)\/diff$/.exec(rest))) {
      return this.page(url, [{ old_path: "README", new_path: "README" }, {
        old_path: "lib/app.rb",
        new_path: "lib/app.rb",
      }]);
    }
    if (rest === "/pipelines") {
      // The list returns the basic fields only, as GitLab does.
      const basic = order(
        since(p.pipelines),
        q.get("order_by") === "updated_at" ? "updated_at" : "created_at",
      )
        .map(({ id, iid, project_id, sha, ref, status, source, created_at, updated_at, web_url, name }) => ({
          id,
          iid,
          project_id,
          sha,
          ref,
          status,
          source,
          created_at,
          updated_at,
          web_url,
          name,
        }));
      return this.page(url, basic);
    }
    if ((m = /^\/pipelines\/(\d+)(\/jobs)?$/.exec(rest))) {
      const pl = p.pipelines.find((x) => x.id === Number(m![1]));
      if (!pl) return this.error(404, "404 Not found");
      if (m[2]) {
        const scope = q.getAll("scope[]");
        return this.page(
          url,
          (p.jobs[pl.id] ?? []).filter((j) => scope.length === 0 || scope.includes(j.status)),
        );
      }
      return this.json(pl);
    }
    if (rest === "/deployments") return this.page(url, order(since(p.deployments), "updated_at"));
    if (rest === "/repository/tags") return this.page(url, order(p.tags, "created_at"));
    if (rest === "/releases") return this.page(url, order(p.releases, "released_at"));
    return this.error(404, "404 Not Found");
  }

  private projectJson(p: Project) {
    return {
      id: p.id,
      path_with_namespace: p.path,
      name: p.path.split("/").pop(),
      default_branch: p.defaultBranch,
      web_url: `https://gitlab.example.com/${p.path}`,
    };
  }
}
