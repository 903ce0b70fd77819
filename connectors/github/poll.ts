/**
 * One poll of a GitHub connection: for each repository and each tracked kind, fetch only what changed since the
 * cursor (conditional requests first, paging stopped once past the cursor), map it and emit it. A failing
 * repository is reported and does not stop the others.
 */
import {
  advance,
  isNew,
  type MappedChange,
  type PollContext,
  type PollOutcome,
  type Watermark,
  watermark,
} from "@painchain/shared";
import { describeGithubError, GithubClient } from "./client.ts";
import {
  FINAL_DEPLOYMENT_STATES,
  type GhCommit,
  type GhDeployment,
  type GhDeploymentStatus,
  type GhFile,
  type GhJob,
  type GhPullRequest,
  type GhRelease,
  type GhReview,
  type GhTag,
  type GhWorkflowRun,
  mapCommit,
  mapDeployment,
  mapPullRequest,
  mapRelease,
  mapTag,
  mapWorkflowRun,
  type RepoContext,
} from "./map.ts";
import { type RepoTarget, settingsOf } from "./targets.ts";

export interface RepoCursor {
  etags: Record<string, string>;
  defaultBranch?: string;
  /** Where the first poll started; nothing older is ever emitted. */
  horizon: string;
  pulls?: Watermark;
  commits?: Record<string, Watermark>;
  knownTags?: string[];
  runs?: Watermark;
  pendingRuns?: number[];
  deployments?: Watermark;
  pendingDeployments?: number[];
}

export interface GithubCursor {
  v: 2;
  repos: Record<string, RepoCursor>;
  org?: { etag: string | null; repos: string[] };
}

export interface PollOptions {
  /** Longest history walk per list, in pages. */
  maxPages?: number;
  retryBaseMs?: number;
  throttleBaseMs?: number;
  /** Receives the client, so tests can read request counts. */
  onClient?: (c: GithubClient) => void;
}

const PER_PAGE = 50;
const MAX_DETAIL_FETCHES = 30;
const MAX_ORG_REPOS = 200;

export async function pollGithub(ctx: PollContext, opts: PollOptions = {}): Promise<PollOutcome> {
  const settings = settingsOf(ctx.connection);
  const maxPages = opts.maxPages ?? 10;
  const prev = (ctx.cursor as GithubCursor | null)?.v === 2
    ? ctx.cursor as GithubCursor
    : { v: 2 as const, repos: {} };
  const cursor: GithubCursor = structuredClone(prev);
  const client = new GithubClient({
    token: ctx.connection.secrets.token,
    baseUrl: settings.baseUrl,
    fetch: ctx.fetch,
    signal: ctx.signal,
    log: ctx.log,
    onRateLimit: (info) => ctx.rateLimit(info),
    waitUntil: (until) => ctx.waitForRateLimit(until),
    ...(opts.retryBaseMs !== undefined ? { retryBaseMs: opts.retryBaseMs } : {}),
    ...(opts.throttleBaseMs !== undefined ? { throttleBaseMs: opts.throttleBaseMs } : {}),
  });
  opts.onClient?.(client);
  const errors: string[] = [];
  const targets: RepoTarget[] = [...settings.repos];

  if (settings.organization) {
    try {
      const res = await client.get<{ full_name: string }[]>(
        "/orgs/{org}/repos",
        { org: settings.organization, per_page: 100, sort: "pushed" },
        cursor.org?.etag,
      );
      if (!res.notModified) {
        const names = (res.data ?? []).map((r) => r.full_name);
        let next = res.next;
        while (next && names.length < MAX_ORG_REPOS) {
          const page = await client.getUrl<{ full_name: string }[]>(next);
          names.push(...(page.data ?? []).map((r) => r.full_name));
          next = page.next;
        }
        cursor.org = { etag: res.etag, repos: names.slice(0, MAX_ORG_REPOS) };
      }
      for (const full of cursor.org?.repos ?? []) {
        const [owner = "", repo = ""] = full.split("/");
        if (!targets.some((t) => t.owner === owner && t.repo === repo)) {
          targets.push({ owner, repo, branches: [], tags: [] });
        }
      }
    } catch (err) {
      errors.push(`organization ${settings.organization}: ${describeGithubError(err, settings.baseUrl)}`);
    }
  }

  for (const target of targets) {
    if (ctx.signal.aborted) break;
    const full = `${target.owner}/${target.repo}`;
    const rc: RepoCursor = structuredClone(cursor.repos[full]) ??
      { etags: {}, horizon: new Date(ctx.now().getTime() - settings.backfillDays * 86400_000).toISOString() };
    const repo: RepoContext = {
      fullName: full,
      tags: [...new Set([...ctx.connection.tags, ...target.tags])],
    };
    const p = { owner: target.owner, repo: target.repo };
    try {
      if (settings.kinds.has("pull_request")) await pollPulls(client, ctx, p, repo, rc, maxPages);
      if (settings.kinds.has("commit")) {
        await pollCommits(client, ctx, p, repo, rc, target.branches, maxPages);
      }
      if (settings.kinds.has("release")) await pollReleases(client, ctx, p, repo, rc);
      if (settings.kinds.has("tag")) await pollTags(client, ctx, p, repo, rc);
      if (settings.kinds.has("workflow_run")) await pollRuns(client, ctx, p, repo, rc, maxPages);
      if (settings.kinds.has("deployment")) await pollDeployments(client, ctx, p, repo, rc);
      cursor.repos[full] = rc;
    } catch (err) {
      if (ctx.signal.aborted) throw err;
      errors.push(`${full}: ${describeGithubError(err, settings.baseUrl)}`);
      ctx.log.warn("Repository poll failed", {
        repository: full,
        error: describeGithubError(err, settings.baseUrl),
      });
    }
  }
  ctx.log.debug("GitHub poll done", { requests: client.counts.sent, notModified: client.counts.notModified });
  // Nothing reached at all is a failed poll, not a success with errors.
  if (errors.length > 0 && errors.length >= targets.length + (settings.organization ? 1 : 0)) {
    throw new Error(errors.join("; "));
  }
  return { cursor, ...(errors.length ? { errors } : {}) };
}

type Params = { owner: string; repo: string };

/** A followed item that answers 404 was deleted upstream: null, instead of failing the whole repository. */
async function gone<T>(req: Promise<T>): Promise<T | null> {
  try {
    return await req;
  } catch (err) {
    if ((err as { status?: number }).status === 404) return null;
    throw err;
  }
}

/** Pages through a list newest-first, stopping at the first item older than `since`. */
async function collect<T>(
  client: GithubClient,
  first: { data: T[] | null; next: string | null },
  isNew: (item: T) => boolean,
  maxPages: number,
): Promise<T[]> {
  const out: T[] = [];
  let page: { data: T[] | null; next: string | null } = first;
  for (let n = 1;; n++) {
    const items = page.data ?? [];
    for (const it of items) {
      if (!isNew(it)) return out;
      out.push(it);
    }
    if (!page.next || n >= maxPages) return out;
    page = await client.getUrl<T[]>(page.next);
  }
}

async function pollPulls(
  c: GithubClient,
  ctx: PollContext,
  p: Params,
  repo: RepoContext,
  rc: RepoCursor,
  maxPages: number,
) {
  const w = rc.pulls ?? watermark(rc.horizon);
  const res = await c.get<GhPullRequest[]>(
    "/repos/{owner}/{repo}/pulls",
    { ...p, state: "all", sort: "updated", direction: "desc", per_page: PER_PAGE },
    rc.etags.pulls,
  );
  if (res.notModified) return;
  const changed = (await collect(c, res, (pr) => pr.updated_at >= w.since, maxPages))
    .filter((pr) => isNew(w, pr.updated_at, pr.id));
  const changes: MappedChange[] = [];
  for (const [i, pr] of changed.entries()) {
    if (i >= MAX_DETAIL_FETCHES) {
      changes.push(mapPullRequest(pr, repo));
      continue;
    }
    const [full, files, reviews] = await Promise.all([
      c.get<GhPullRequest>("/repos/{owner}/{repo}/pulls/{pull_number}", { ...p, pull_number: pr.number }),
      c.get<GhFile[]>("/repos/{owner}/{repo}/pulls/{pull_number}/files", {
        ...p,
        pull_number: pr.number,
        per_page: 20,
      }),
      c.get<GhReview[]>("/repos/{owner}/{repo}/pulls/{pull_number}/reviews", {
        ...p,
        pull_number: pr.number,
        per_page: 100,
      }),
    ]);
    changes.push(
      mapPullRequest(full.data ?? pr, repo, { files: files.data ?? [], reviews: reviews.data ?? [] }),
    );
  }
  await ctx.emit(changes);
  rc.pulls = advance(w, changed.map((pr) => ({ time: pr.updated_at, id: pr.id })));
  if (res.etag) rc.etags.pulls = res.etag;
}

async function pollCommits(
  c: GithubClient,
  ctx: PollContext,
  p: Params,
  repo: RepoContext,
  rc: RepoCursor,
  configured: string[],
  maxPages: number,
) {
  let branches = configured;
  if (branches.length === 0) {
    const info = await c.get<{ default_branch: string }>("/repos/{owner}/{repo}", p, rc.etags.repo);
    if (!info.notModified && info.data) {
      rc.defaultBranch = info.data.default_branch;
      if (info.etag) rc.etags.repo = info.etag;
    }
    branches = rc.defaultBranch ? [rc.defaultBranch] : [];
  }
  rc.commits ??= {};
  for (const branch of branches) {
    const w = rc.commits[branch] ?? watermark(rc.horizon);
    const key = `commits:${branch}`;
    // No `since` in the URL: the same URL every poll, so an unchanged branch answers 304.
    const res = await c.get<GhCommit[]>("/repos/{owner}/{repo}/commits", {
      ...p,
      sha: branch,
      per_page: PER_PAGE,
    }, rc.etags[key]);
    if (res.notModified) continue;
    const dateOf = (cm: GhCommit) => cm.commit.committer?.date ?? cm.commit.author?.date ?? "";
    const fresh = (await collect(c, res, (cm) => dateOf(cm) >= w.since, maxPages)).filter((cm) =>
      isNew(w, dateOf(cm), cm.sha)
    );
    const changes: MappedChange[] = [];
    for (const [i, cm] of fresh.entries()) {
      const detail = i < MAX_DETAIL_FETCHES
        ? (await c.get<GhCommit>("/repos/{owner}/{repo}/commits/{ref}", { ...p, ref: cm.sha })).data ?? cm
        : cm;
      changes.push(mapCommit(detail, repo, branch));
    }
    await ctx.emit(changes);
    rc.commits[branch] = advance(w, fresh.map((cm) => ({ time: dateOf(cm), id: cm.sha })));
    if (res.etag) rc.etags[key] = res.etag;
  }
}

async function pollReleases(c: GithubClient, ctx: PollContext, p: Params, repo: RepoContext, rc: RepoCursor) {
  const res = await c.get<GhRelease[]>(
    "/repos/{owner}/{repo}/releases",
    { ...p, per_page: 30 },
    rc.etags.releases,
  );
  if (res.notModified) return;
  // The first page holds every recent release; any of them may have been edited or published since.
  const recent = (res.data ?? []).filter((r) => (r.published_at ?? r.created_at) >= rc.horizon);
  await ctx.emit(recent.map((r) => mapRelease(r, repo)));
  if (res.etag) rc.etags.releases = res.etag;
}

async function pollTags(c: GithubClient, ctx: PollContext, p: Params, repo: RepoContext, rc: RepoCursor) {
  const res = await c.get<GhTag[]>("/repos/{owner}/{repo}/tags", { ...p, per_page: 100 }, rc.etags.tags);
  if (res.notModified) return;
  const known = new Set(rc.knownTags ?? []);
  const fresh = (res.data ?? []).filter((t) => !known.has(t.name)).slice(0, MAX_DETAIL_FETCHES);
  const changes: MappedChange[] = [];
  for (const t of fresh) {
    const commit =
      (await c.get<GhCommit>("/repos/{owner}/{repo}/commits/{ref}", { ...p, ref: t.commit.sha })).data;
    const time = commit?.commit.committer?.date ?? ctx.now().toISOString();
    if (time >= rc.horizon) changes.push(mapTag(t, repo, time, commit?.author?.login ?? ""));
  }
  await ctx.emit(changes);
  rc.knownTags = [...new Set([...(res.data ?? []).map((t) => t.name), ...known])].slice(0, 500);
  if (res.etag) rc.etags.tags = res.etag;
}

async function runChange(
  c: GithubClient,
  p: Params,
  repo: RepoContext,
  run: GhWorkflowRun,
): Promise<MappedChange> {
  let jobs: GhJob[] = [];
  if (run.status === "completed" && run.conclusion !== "success" && run.conclusion !== "skipped") {
    const res = await c.get<{ jobs: GhJob[] }>("/repos/{owner}/{repo}/actions/runs/{run_id}/jobs", {
      ...p,
      run_id: run.id,
      per_page: 100,
    });
    jobs = res.data?.jobs ?? [];
  }
  return mapWorkflowRun(run, repo, jobs);
}

async function pollRuns(
  c: GithubClient,
  ctx: PollContext,
  p: Params,
  repo: RepoContext,
  rc: RepoCursor,
  maxPages: number,
) {
  const w = rc.runs ?? watermark(rc.horizon);
  const pending = new Set(rc.pendingRuns ?? []);
  const res = await c.get<{ workflow_runs: GhWorkflowRun[] }>(
    "/repos/{owner}/{repo}/actions/runs",
    { ...p, per_page: PER_PAGE },
    rc.etags.runs,
  );
  const changes: MappedChange[] = [];
  const seen = new Set<number>();
  if (!res.notModified) {
    // Newest first by creation: read until past the watermark, keeping runs still in progress.
    const runs: GhWorkflowRun[] = [];
    let page = { data: res.data?.workflow_runs ?? [], next: res.next };
    for (let n = 1;; n++) {
      const past = page.data.findIndex((r) => r.created_at < w.since && !pending.has(r.id));
      runs.push(...(past < 0 ? page.data : page.data.slice(0, past)));
      if (past >= 0 || !page.next || n >= maxPages) break;
      const next = await c.getUrl<{ workflow_runs: GhWorkflowRun[] }>(page.next);
      page = { data: next.data?.workflow_runs ?? [], next: next.next };
    }
    const todo = runs.filter((r) => pending.has(r.id) || isNew(w, r.created_at, r.id));
    for (const r of todo) {
      seen.add(r.id);
      changes.push(await runChange(c, p, repo, r));
      if (r.status === "completed") pending.delete(r.id);
      else pending.add(r.id);
    }
    rc.runs = advance(w, todo.map((r) => ({ time: r.created_at, id: r.id })));
    if (res.etag) rc.etags.runs = res.etag;
  }
  // Runs still in progress that were not on the pages read: ask each one (conditional, so free if unchanged).
  for (const id of [...pending].filter((id) => !seen.has(id))) {
    const key = `run:${id}`;
    const r = await gone(c.get<GhWorkflowRun>(
      "/repos/{owner}/{repo}/actions/runs/{run_id}",
      { ...p, run_id: id },
      rc.etags[key],
    ));
    if (!r) {
      // Deleted upstream: stop following it.
      pending.delete(id);
      delete rc.etags[key];
      continue;
    }
    if (r.notModified || !r.data) continue;
    changes.push(await runChange(c, p, repo, r.data));
    if (r.data.status === "completed") {
      pending.delete(id);
      delete rc.etags[key];
    } else if (r.etag) rc.etags[key] = r.etag;
  }
  await ctx.emit(changes);
  rc.pendingRuns = [...pending].slice(-200);
}

async function pollDeployments(
  c: GithubClient,
  ctx: PollContext,
  p: Params,
  repo: RepoContext,
  rc: RepoCursor,
) {
  const w = rc.deployments ?? watermark(rc.horizon);
  const pending = new Set(rc.pendingDeployments ?? []);
  const res = await c.get<GhDeployment[]>(
    "/repos/{owner}/{repo}/deployments",
    { ...p, per_page: 30 },
    rc.etags.deployments,
  );
  const byId = new Map<number, GhDeployment>();
  if (!res.notModified) {
    for (const d of res.data ?? []) if (isNew(w, d.created_at, d.id) || pending.has(d.id)) byId.set(d.id, d);
    rc.deployments = advance(w, [...byId.values()].map((d) => ({ time: d.created_at, id: d.id })));
    if (res.etag) rc.etags.deployments = res.etag;
  }
  const changes: MappedChange[] = [];
  for (const id of new Set([...byId.keys(), ...pending])) {
    const key = `deployment:${id}`;
    const st = await gone(c.get<GhDeploymentStatus[]>(
      "/repos/{owner}/{repo}/deployments/{deployment_id}/statuses",
      { ...p, deployment_id: id, per_page: 1 },
      rc.etags[key],
    ));
    if (!st) {
      pending.delete(id);
      delete rc.etags[key];
      continue;
    }
    if (st.notModified && !byId.has(id)) continue;
    let d = byId.get(id);
    d ??= (await gone(
      c.get<GhDeployment>("/repos/{owner}/{repo}/deployments/{deployment_id}", { ...p, deployment_id: id }),
    ))
      ?.data ?? undefined;
    if (!d) continue;
    const latest = st.data?.[0] ?? null;
    changes.push(mapDeployment(d, repo, latest));
    if (latest && FINAL_DEPLOYMENT_STATES.has(latest.state)) {
      pending.delete(id);
      delete rc.etags[key];
    } else {
      pending.add(id);
      if (st.etag) rc.etags[key] = st.etag;
    }
  }
  await ctx.emit(changes);
  rc.pendingDeployments = [...pending].slice(-200);
}
