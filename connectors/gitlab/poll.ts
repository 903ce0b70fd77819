/**
 * One poll of a GitLab connection through @gitbeaker/rest: per project and kind, ask only for what changed since
 * the cursor (`updated_after`, `order_by=updated_at`), page with the Link header up to a bound, map and emit.
 * A failing project is reported and does not stop the others.
 */
import type { PipelineSchema } from "@gitbeaker/rest";
import {
  advance,
  isNew,
  type MappedChange,
  type PollContext,
  type PollOutcome,
  RateBudget,
  upstreamErrorText,
  type Watermark,
  watermark,
} from "@painchain/shared";
import { connectionClient, type GitlabClient } from "./client.ts";
import {
  type GlCommit,
  type GlRelease,
  type GlTag,
  mapCommit,
  mapDeployment,
  mapMergeRequest,
  mapPipeline,
  mapRelease,
  mapTag,
  type ProjectContext,
} from "./map.ts";
import { deploymentOf, mergeRequestOf, pipelineOf } from "./responses.ts";
import { type ProjectTarget, settingsOf } from "./targets.ts";

export interface ProjectCursor {
  id: number;
  path: string;
  webUrl: string;
  defaultBranch: string | null;
  horizon: string;
  mergeRequests?: Watermark;
  commits?: Record<string, Watermark>;
  pipelines?: Watermark;
  deployments?: Watermark;
  tags?: Watermark;
  releases?: Watermark;
}

export interface GitlabCursor {
  v: 1;
  /** By the project as configured (path or id). */
  projects: Record<string, ProjectCursor>;
}

export interface PollOptions {
  maxPages?: number;
  retryBaseMs?: number;
}

const PER_PAGE = 50;
const MAX_DETAIL_FETCHES = 30;

const HINTS: Record<number, string> = {
  401: "the token is missing, wrong or expired",
  403: "the token cannot read this",
  404: "no such project, or the token cannot see it",
};

/** A readable reason (status and meaning, or the network failure, and the host); never a response body. */
export function errorText(err: unknown, host?: string): string {
  let h: string | undefined;
  try {
    h = host ? new URL(host).host : undefined;
  } catch { /* no host then */ }
  return upstreamErrorText(err, { ...(h ? { host: h } : {}), hints: HINTS });
}

export async function pollGitlab(ctx: PollContext, opts: PollOptions = {}): Promise<PollOutcome> {
  const s = settingsOf(ctx.connection);
  const maxPages = opts.maxPages ?? 10;
  const prev = (ctx.cursor as GitlabCursor | null)?.v === 1
    ? ctx.cursor as GitlabCursor
    : { v: 1 as const, projects: {} };
  const cursor: GitlabCursor = structuredClone(prev);
  const budget = new RateBudget((i) => ctx.rateLimit(i), (u) => ctx.waitForRateLimit(u), ctx.signal);
  const api = connectionClient(
    ctx,
    s.host,
    budget,
    opts.retryBaseMs !== undefined ? { retryBaseMs: opts.retryBaseMs } : {},
  );
  const errors: string[] = [];
  const targets: ProjectTarget[] = [...s.projects];
  if (s.group) {
    try {
      const list = await api.Groups.allProjects(s.group, {
        includeSubgroups: true,
        archived: false,
        perPage: 100,
        maxPages: 3,
      });
      for (const pr of list) {
        if (!targets.some((t) => t.project === pr.path_with_namespace || t.project === String(pr.id))) {
          targets.push({ project: pr.path_with_namespace, branches: [], tags: [] });
        }
      }
    } catch (err) {
      errors.push(`group ${s.group}: ${errorText(err, s.host)}`);
    }
  }

  for (const t of targets) {
    if (ctx.signal.aborted) break;
    try {
      let pc = cursor.projects[t.project] ? structuredClone(cursor.projects[t.project]!) : null;
      if (!pc) {
        const info = await api.Projects.show(t.project);
        pc = {
          id: info.id,
          path: info.path_with_namespace,
          webUrl: info.web_url,
          defaultBranch: info.default_branch,
          horizon: new Date(ctx.now().getTime() - s.backfillDays * 86400_000).toISOString(),
        };
      }
      const p: ProjectContext = {
        path: pc.path,
        webUrl: pc.webUrl,
        tags: [...new Set([...ctx.connection.tags, ...t.tags])],
      };
      if (s.kinds.has("merge_request")) await pollMergeRequests(api, ctx, pc, p, maxPages);
      if (s.kinds.has("commit")) await pollCommits(api, ctx, pc, p, t.branches, maxPages);
      if (s.kinds.has("pipeline")) await pollPipelines(api, ctx, pc, p, maxPages);
      if (s.kinds.has("deployment")) await pollDeployments(api, ctx, pc, p, maxPages);
      if (s.kinds.has("tag")) await pollTags(api, ctx, pc, p);
      if (s.kinds.has("release")) await pollReleases(api, ctx, pc, p);
      cursor.projects[t.project] = pc;
    } catch (err) {
      if (ctx.signal.aborted) throw err;
      errors.push(`${t.project}: ${errorText(err, s.host)}`);
      ctx.log.warn("Project poll failed", { project: t.project, error: errorText(err, s.host) });
    }
  }
  // Nothing reached at all is a failed poll, not a success with errors.
  if (errors.length > 0 && errors.length >= targets.length + (s.group ? 1 : 0)) {
    throw new Error(errors.join("; "));
  }
  return { cursor, ...(errors.length ? { errors } : {}) };
}

async function pollMergeRequests(
  api: GitlabClient,
  ctx: PollContext,
  pc: ProjectCursor,
  p: ProjectContext,
  maxPages: number,
) {
  const w = pc.mergeRequests ?? watermark(pc.horizon);
  const list = (await api.MergeRequests.all({
    projectId: pc.id,
    updatedAfter: w.since,
    orderBy: "updated_at",
    sort: "desc",
    scope: "all",
    perPage: PER_PAGE,
    maxPages,
  })).map(mergeRequestOf);
  const fresh = list.filter((mr) => isNew(w, mr.updated_at, mr.id));
  const changes: MappedChange[] = [];
  for (const [i, mr] of fresh.entries()) {
    if (i >= MAX_DETAIL_FETCHES) {
      changes.push(mapMergeRequest(mr, p));
      continue;
    }
    const [full, diffs, approvals] = await Promise.all([
      api.MergeRequests.show(pc.id, mr.iid),
      api.MergeRequests.allDiffs(pc.id, mr.iid, { perPage: 20, maxPages: 1 }),
      api.MergeRequestApprovals.showConfiguration(pc.id, { mergerequestIId: mr.iid }),
    ]);
    changes.push(mapMergeRequest(mergeRequestOf(full), p, { diffs, approvals }));
  }
  await ctx.emit(changes);
  pc.mergeRequests = advance(w, fresh.map((mr) => ({ time: mr.updated_at, id: mr.id })));
}

async function pollCommits(
  api: GitlabClient,
  ctx: PollContext,
  pc: ProjectCursor,
  p: ProjectContext,
  configured: string[],
  maxPages: number,
) {
  const branches = configured.length ? configured : pc.defaultBranch ? [pc.defaultBranch] : [];
  pc.commits ??= {};
  for (const branch of branches) {
    const w = pc.commits[branch] ?? watermark(pc.horizon);
    const list = await api.Commits.all(pc.id, {
      refName: branch,
      since: w.since,
      withStats: true,
      perPage: PER_PAGE,
      maxPages,
    });
    const dateOf = (c: GlCommit) => c.committed_date ?? c.created_at ?? "";
    const fresh = list.filter((c) => isNew(w, dateOf(c), c.id));
    const changes: MappedChange[] = [];
    for (const [i, c] of fresh.entries()) {
      const files = i < MAX_DETAIL_FETCHES
        ? (await api.Commits.showDiff(pc.id, c.id, { perPage: 20, maxPages: 1 })).map((d) => d.new_path)
        : [];
      changes.push(mapCommit(c, p, branch, files));
    }
    await ctx.emit(changes);
    pc.commits[branch] = advance(w, fresh.map((c) => ({ time: dateOf(c), id: c.id })));
  }
}

async function pipelineChange(
  api: GitlabClient,
  pc: ProjectCursor,
  p: ProjectContext,
  basic: PipelineSchema,
): Promise<MappedChange> {
  // The list has the basics; the single pipeline adds user, duration, start and finish.
  const full = await api.Pipelines.show(pc.id, basic.id);
  // GitLab takes an array of scopes (scope[]=failed) where gitbeaker types one value, so the parameter is named
  // as GitLab names it.
  const jobs = full.status === "failed"
    ? await api.Jobs.all(pc.id, { pipelineId: basic.id, "scope[]": "failed", perPage: 100, maxPages: 1 })
    : [];
  return mapPipeline(pipelineOf(basic, full), p, jobs);
}

async function pollPipelines(
  api: GitlabClient,
  ctx: PollContext,
  pc: ProjectCursor,
  p: ProjectContext,
  maxPages: number,
) {
  const w = pc.pipelines ?? watermark(pc.horizon);
  const list = await api.Pipelines.all(pc.id, {
    updatedAfter: w.since,
    orderBy: "updated_at",
    sort: "desc",
    perPage: PER_PAGE,
    maxPages,
  });
  const fresh = list.filter((pl) => isNew(w, pl.updated_at, `${pl.id}@${pl.updated_at}`));
  const changes: MappedChange[] = [];
  for (const pl of fresh) changes.push(await pipelineChange(api, pc, p, pl));
  await ctx.emit(changes);
  // A pipeline that moves on (running -> failed) gets a new updated_at, so `updated_after` finds it again.
  pc.pipelines = advance(w, fresh.map((pl) => ({ time: pl.updated_at, id: `${pl.id}@${pl.updated_at}` })));
}

async function pollDeployments(
  api: GitlabClient,
  ctx: PollContext,
  pc: ProjectCursor,
  p: ProjectContext,
  maxPages: number,
) {
  const w = pc.deployments ?? watermark(pc.horizon);
  const list = (await api.Deployments.all(pc.id, {
    updatedAfter: w.since,
    orderBy: "updated_at",
    sort: "desc",
    perPage: PER_PAGE,
    maxPages,
  })).map(deploymentOf);
  const fresh = list.filter((d) => isNew(w, d.updated_at, `${d.id}@${d.updated_at}`));
  await ctx.emit(fresh.map((d) => mapDeployment(d, p)));
  pc.deployments = advance(w, fresh.map((d) => ({ time: d.updated_at, id: `${d.id}@${d.updated_at}` })));
}

async function pollTags(api: GitlabClient, ctx: PollContext, pc: ProjectCursor, p: ProjectContext) {
  const w = pc.tags ?? watermark(pc.horizon);
  const list = await api.Tags.all(pc.id, {
    orderBy: "updated",
    sort: "desc",
    perPage: PER_PAGE,
    maxPages: 1,
  });
  const timeOf = (t: GlTag) => t.created_at ?? t.commit.committed_date ?? t.commit.created_at ?? "";
  const fresh = list.filter((t) => isNew(w, timeOf(t), t.name));
  await ctx.emit(fresh.map((t) => mapTag(t, p)));
  pc.tags = advance(w, fresh.map((t) => ({ time: timeOf(t), id: t.name })));
}

async function pollReleases(api: GitlabClient, ctx: PollContext, pc: ProjectCursor, p: ProjectContext) {
  const w = pc.releases ?? watermark(pc.horizon);
  const list = await api.ProjectReleases.all(pc.id, {
    orderBy: "released_at",
    sort: "desc",
    perPage: 20,
    maxPages: 1,
  });
  const timeOf = (r: GlRelease) => r.released_at ?? r.created_at;
  const fresh = list.filter((r) => isNew(w, timeOf(r), r.tag_name));
  await ctx.emit(fresh.map((r) => mapRelease(r, p)));
  pc.releases = advance(w, fresh.map((r) => ({ time: timeOf(r), id: r.tag_name })));
}
