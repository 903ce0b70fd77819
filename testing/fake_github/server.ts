/**
 * A fake GitHub REST API for tests. Objects are built from the real response examples in GitHub's OpenAPI
 * description, varied (ids, numbers, times, states) to make multi-page histories. It implements Link pagination,
 * ETag/304, rate-limit headers (and 403 when spent), secondary limits with Retry-After, injected 5xx/4xx, an
 * optional path prefix (Enterprise), and a request log.
 */
import { createHash } from "node:crypto";
import { example, type Json } from "./examples.ts";
import { FakeHttpServer, type Fault, takeFault } from "../fake_http.ts";

export type { Fault };

export interface Repo {
  owner: string;
  name: string;
  defaultBranch: string;
  pulls: Json[];
  commits: Record<string, Json[]>;
  releases: Json[];
  tags: Json[];
  runs: Json[];
  jobs: Record<number, Json[]>;
  deployments: Json[];
  statuses: Record<number, Json[]>;
}

export interface LoggedRequest {
  method: string;
  path: string;
  query: string;
  status: number;
  conditional: boolean;
  token: string | null;
  at: number;
}

export interface FakeGithubOptions {
  /** Path prefix, e.g. /api/v3 for an Enterprise-style URL. */
  prefix?: string;
  /** When set, requests without this token get 401. */
  token?: string;
  rateLimit?: number;
}

let nextId = 5_000_000;
const id = () => nextId++;
const iso = (ms: number) => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(".000Z", "Z");

export class FakeGithub extends FakeHttpServer<LoggedRequest> {
  readonly repos = new Map<string, Repo>();
  readonly orgs = new Map<string, string[]>();

  constructor(private readonly opts: FakeGithubOptions = {}) {
    super(opts.prefix, opts.rateLimit ?? 5000);
  }

  /** Requests that counted against the rate limit (everything but 304s). */
  counted(): LoggedRequest[] {
    return this.log.filter((r) => r.status !== 304);
  }

  repo(full: string): Repo {
    const [owner = "", name = ""] = full.split("/");
    let r = this.repos.get(full);
    if (!r) {
      r = {
        owner,
        name,
        defaultBranch: "main",
        pulls: [],
        commits: { main: [] },
        releases: [],
        tags: [],
        runs: [],
        jobs: {},
        deployments: [],
        statuses: {},
      };
      this.repos.set(full, r);
    }
    return r;
  }

  // --- Builders: real examples, varied. ---------------------------------------------------------------

  async addPull(
    full: string,
    o: {
      number: number;
      title?: string;
      state?: "open" | "closed";
      merged?: boolean;
      at: number;
      author?: string;
    },
  ) {
    const r = this.repo(full);
    const pr = await example("pull-request");
    const t = iso(o.at);
    Object.assign(pr, {
      id: id(),
      number: o.number,
      title: o.title ?? `Change ${o.number}`,
      state: o.state ?? "open",
      created_at: t,
      updated_at: t,
      closed_at: null,
      merged_at: null,
      merged: false,
      html_url: `https://github.com/${full}/pull/${o.number}`,
      user: { ...pr.user, login: o.author ?? "octocat" },
      // Each pull request its own commits (the example's would join every one into one chain).
      head: { ...pr.head, sha: createHash("sha1").update(`${full}#${o.number}:head`).digest("hex") },
      merge_commit_sha: createHash("sha1").update(`${full}#${o.number}:merge`).digest("hex"),
    });

    r.pulls.push(pr);
    if (o.merged) this.mergePull(full, o.number, o.at);
    return pr;
  }

  mergePull(full: string, number: number, at: number) {
    const pr = this.repo(full).pulls.find((p) => p.number === number)!;
    Object.assign(pr, {
      state: "closed",
      merged: true,
      merged_at: iso(at),
      closed_at: iso(at),
      updated_at: iso(at),
    });
    pr.merged_by = { ...pr.user, login: "merger" };
  }

  async addCommit(full: string, o: { branch?: string; message: string; at: number; sha?: string }) {
    const r = this.repo(full);
    const c = await example("commit");
    const sha = o.sha ?? createHash("sha1").update(`${full}${o.message}${o.at}`).digest("hex");
    c.sha = sha;
    c.html_url = `https://github.com/${full}/commit/${sha}`;
    c.commit.message = o.message;
    c.commit.author.date = iso(o.at);
    c.commit.committer.date = iso(o.at);
    (r.commits[o.branch ?? r.defaultBranch] ??= []).push(c);
    return c;
  }

  async addRelease(full: string, o: { tag: string; at: number; draft?: boolean }) {
    const rel = (await example("release-items"))[0];
    Object.assign(rel, {
      id: id(),
      tag_name: o.tag,
      name: o.tag,
      created_at: iso(o.at),
      published_at: o.draft ? null : iso(o.at),
      draft: Boolean(o.draft),
      html_url: `https://github.com/${full}/releases/tag/${o.tag}`,
    });
    this.repo(full).releases.push(rel);
    return rel;
  }

  async addTag(full: string, o: { name: string; at: number }) {
    const commit = await this.addCommit(full, { branch: "__tags", message: `tag ${o.name}`, at: o.at });
    const tag = (await example("tag-items"))[0];
    Object.assign(tag, { name: o.name, commit: { sha: commit.sha, url: "" } });
    this.repo(full).tags.push(tag);
    return tag;
  }

  async addRun(
    full: string,
    o: {
      at: number;
      status?: string;
      conclusion?: string | null;
      name?: string;
      failedJobs?: string[];
      /** The commit it builds (default: one of its own). */
      sha?: string;
    },
  ) {
    const r = this.repo(full);
    const run = await example("workflow-run");
    const runId = id();
    Object.assign(run, {
      id: runId,
      head_sha: o.sha ?? createHash("sha1").update(`${full}/runs/${runId}`).digest("hex"),

      name: o.name ?? "Build",
      run_number: r.runs.length + 1,
      status: o.status ?? "queued",
      conclusion: o.conclusion ?? null,
      created_at: iso(o.at),
      updated_at: iso(o.at),
      run_started_at: iso(o.at),
      html_url: `https://github.com/${full}/actions/runs/${runId}`,
    });
    r.runs.push(run);
    const job = (await example("job-paginated")).jobs[0];
    r.jobs[runId] = [
      { ...job, name: "lint", conclusion: "success" },
      ...(o.failedJobs ?? []).map((name) => ({ ...job, name, conclusion: "failure" })),
    ];
    return run;
  }

  updateRun(full: string, runId: number, o: { status: string; conclusion?: string | null; at: number }) {
    const run = this.repo(full).runs.find((x) => x.id === runId)!;
    Object.assign(run, { status: o.status, conclusion: o.conclusion ?? null, updated_at: iso(o.at) });
  }

  async addDeployment(
    full: string,
    o: {
      at: number;
      environment?: string;
      state?: string;
      /** The commit it deploys (default: the example's, which every deployment would share). */
      sha?: string;
      /** The branch or tag it was asked for (default: the example's). */
      ref?: string;
    },
  ) {
    const r = this.repo(full);
    const d = (await example("deployment-items"))[0];
    const depId = id();
    Object.assign(d, {
      id: depId,
      ...(o.sha ? { sha: o.sha } : {}),
      ...(o.ref ? { ref: o.ref } : {}),
      environment: o.environment ?? "production",
      created_at: iso(o.at),
      updated_at: iso(o.at),
    });
    r.deployments.push(d);
    r.statuses[depId] = [];
    if (o.state) await this.addDeploymentStatus(full, depId, { state: o.state, at: o.at });
    return d;
  }

  async addDeploymentStatus(full: string, depId: number, o: { state: string; at: number }) {
    const st = (await example("deployment-status-items"))[0];
    Object.assign(st, { id: id(), state: o.state, created_at: iso(o.at), updated_at: iso(o.at) });
    this.repo(full).statuses[depId]!.unshift(st);
  }

  // --- HTTP ---------------------------------------------------------------------------------------------

  private respond(req: Request, url: URL, body: Json, extra: Record<string, string> = {}): Response {
    const text = JSON.stringify(body);
    const etag = `"${createHash("sha1").update(url.pathname + url.search + text).digest("hex")}"`;
    const headers: Record<string, string> = {
      "content-type": "application/json; charset=utf-8",
      etag,
      ...extra,
    };
    if (req.headers.get("if-none-match") === etag) {
      return new Response(null, { status: 304, headers: { etag, ...this.rateHeaders() } });
    }
    this.rate.remaining = Math.max(0, this.rate.remaining - 1);
    return new Response(text, { status: 200, headers: { ...headers, ...this.rateHeaders() } });
  }

  private rateHeaders(): Record<string, string> {
    return {
      "x-ratelimit-limit": String(this.rate.limit),
      "x-ratelimit-remaining": String(this.rate.remaining),
      "x-ratelimit-reset": String(Math.ceil((this.rate.resetAt || Date.now() + 3600_000) / 1000)),
      "x-ratelimit-used": String(this.rate.limit - this.rate.remaining),
      "x-ratelimit-resource": "core",
    };
  }

  private paginate(req: Request, url: URL, items: Json[], wrap?: (page: Json[]) => Json): Response {
    const perPage = Math.min(100, Number(url.searchParams.get("per_page") ?? 30));
    const page = Math.max(1, Number(url.searchParams.get("page") ?? 1));
    const slice = items.slice((page - 1) * perPage, page * perPage);
    const extra: Record<string, string> = {};
    if (page * perPage < items.length) {
      const next = new URL(url);
      next.searchParams.set("page", String(page + 1));
      const last = new URL(url);
      last.searchParams.set("page", String(Math.ceil(items.length / perPage)));
      extra.link = `<${next}>; rel="next", <${last}>; rel="last"`;
    }
    return this.respond(req, url, wrap ? wrap(slice) : slice, extra);
  }

  private error(status: number, message: string, extra: Record<string, string> = {}): Response {
    return new Response(JSON.stringify({ message, documentation_url: "https://docs.github.com/rest" }), {
      status,
      headers: { "content-type": "application/json", ...this.rateHeaders(), ...extra },
    });
  }

  protected handle(req: Request): Response {
    const url = new URL(req.url);
    const prefix = this.opts.prefix ?? "";
    const path = url.pathname.startsWith(prefix) ? url.pathname.slice(prefix.length) : "/__outside_prefix";
    const auth = req.headers.get("authorization");
    const token = auth ? auth.replace(/^(token|bearer)\s+/i, "") : null;
    const entry: LoggedRequest = {
      method: req.method,
      path,
      query: url.search,
      status: 0,
      conditional: req.headers.has("if-none-match"),
      token,
      at: Date.now(),
    };
    const res = this.route(req, url, path, token);
    entry.status = res.status;
    this.log.push(entry);
    return res;
  }

  private route(req: Request, url: URL, path: string, token: string | null): Response {
    if (this.opts.token && token !== this.opts.token) return this.error(401, "Bad credentials");
    const hit = takeFault(this.faults, path);
    if (hit) return this.error(hit.fault.status, hit.fault.message ?? "Server Error", hit.headers);
    if (this.rate.resetAt && Date.now() >= this.rate.resetAt) {
      this.rate.remaining = this.rate.limit;
      this.rate.resetAt = 0;
    }
    if (this.rate.remaining <= 0) {
      return this.error(403, "API rate limit exceeded for user ID 1.", { "x-ratelimit-remaining": "0" });
    }
    let m: RegExpExecArray | null;
    if ((m = /^\/orgs\/([^/]+)\/repos$/.exec(path))) {
      const names = this.orgs.get(m[1]!);
      if (!names) return this.error(404, "Not Found");
      return this.paginate(
        req,
        url,
        names.map((full) => ({ id: 1, name: full.split("/")[1], full_name: full })),
      );
    }
    m = /^\/repos\/([^/]+)\/([^/]+)(\/.*)?$/.exec(path);
    if (!m) return this.error(404, "Not Found");
    const repo = this.repos.get(`${m[1]}/${m[2]}`);
    if (!repo) return this.error(404, "Not Found");
    const rest = m[3] ?? "";
    const q = url.searchParams;
    const byDesc = (k: string) => (a: Json, b: Json) => (a[k] < b[k] ? 1 : a[k] > b[k] ? -1 : b.id - a.id);
    if (rest === "") {
      return this.respond(req, url, {
        id: 1,
        name: repo.name,
        full_name: `${repo.owner}/${repo.name}`,
        default_branch: repo.defaultBranch,
      });
    }
    if (rest === "/pulls") {
      const state = q.get("state") ?? "open";
      const list = repo.pulls.filter((p) => state === "all" || p.state === state).sort(
        byDesc(q.get("sort") === "updated" ? "updated_at" : "created_at"),
      );
      return this.paginate(req, url, list);
    }
    if ((m = /^\/pulls\/(\d+)$/.exec(rest))) {
      const pr = repo.pulls.find((p) => p.number === Number(m![1]));
      return pr ? this.respond(req, url, pr) : this.error(404, "Not Found");
    }
    if ((m = /^\/pulls\/(\d+)\/files$/.exec(rest))) {
      const files = [0, 1, 2].map((i) => ({
        sha: "bbcd538c8e72b8c175046e27cc8f907076331401",
        filename: `src/file${i}.ts`,
        status: "modified",
        additions: 1,
        deletions: 0,
        changes: 1,
      }));
      return this.paginate(req, url, files);
    }
    if ((m = /^\/pulls\/(\d+)\/reviews$/.exec(rest))) {
      return this.paginate(req, url, [
        { id: 80, user: { login: "reviewer1" }, state: "APPROVED", submitted_at: "2019-11-17T17:43:43Z" },
        {
          id: 81,
          user: { login: "reviewer2" },
          state: "CHANGES_REQUESTED",
          submitted_at: "2019-11-17T17:43:43Z",
        },
      ]);
    }
    if (rest === "/commits") {
      const branch = q.get("sha") ?? repo.defaultBranch;
      const since = q.get("since");
      const list = (repo.commits[branch] ?? [])
        .filter((c) => !since || c.commit.committer.date >= since.replace(/\.\d+Z$/, "Z"))
        .sort((a, b) => (a.commit.committer.date < b.commit.committer.date ? 1 : -1));
      return this.paginate(req, url, list);
    }
    if ((m = /^\/commits\/([^/]+)$/.exec(rest))) {
      const c = Object.values(repo.commits).flat().find((x) => x.sha === m![1]);
      return c ? this.respond(req, url, c) : this.error(422, "No commit found for SHA");
    }
    if (rest === "/releases") return this.paginate(req, url, [...repo.releases].sort(byDesc("created_at")));
    if (rest === "/tags") return this.paginate(req, url, [...repo.tags].reverse());
    if (rest === "/actions/runs") {
      const list = [...repo.runs].sort(byDesc("created_at"));
      return this.paginate(req, url, list, (page) => ({ total_count: list.length, workflow_runs: page }));
    }
    if ((m = /^\/actions\/runs\/(\d+)$/.exec(rest))) {
      const run = repo.runs.find((r) => r.id === Number(m![1]));
      return run ? this.respond(req, url, run) : this.error(404, "Not Found");
    }
    if ((m = /^\/actions\/runs\/(\d+)\/jobs$/.exec(rest))) {
      const jobs = repo.jobs[Number(m[1])] ?? [];
      return this.paginate(req, url, jobs, (page) => ({ total_count: jobs.length, jobs: page }));
    }
    if (rest === "/deployments") {
      return this.paginate(req, url, [...repo.deployments].sort(byDesc("created_at")));
    }
    if ((m = /^\/deployments\/(\d+)$/.exec(rest))) {
      const d = repo.deployments.find((x) => x.id === Number(m![1]));
      return d ? this.respond(req, url, d) : this.error(404, "Not Found");
    }
    if ((m = /^\/deployments\/(\d+)\/statuses$/.exec(rest))) {
      return this.paginate(req, url, repo.statuses[Number(m[1])] ?? []);
    }
    return this.error(404, "Not Found");
  }
}
