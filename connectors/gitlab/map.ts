/**
 * Pure mapping from GitLab REST JSON (snake_case, as the API sends it) to ChangeEvents. Every event carries the
 * commit SHA it concerns (metadata.sha, refs). The same functions will map webhook payloads.
 */
import type { MappedChange } from "@painchain/shared";

export interface GlUser {
  username: string;
  name?: string;
}
export interface GlMergeRequest {
  id: number;
  iid: number;
  project_id: number;
  title: string;
  description?: string | null;
  state: string;
  draft?: boolean;
  work_in_progress?: boolean;
  created_at: string;
  updated_at: string;
  merged_at?: string | null;
  closed_at?: string | null;
  source_branch: string;
  target_branch: string;
  sha?: string | null;
  merge_commit_sha?: string | null;
  squash_commit_sha?: string | null;
  author?: GlUser | null;
  merged_by?: GlUser | null;
  merge_user?: GlUser | null;
  labels?: string[];
  web_url: string;
  changes_count?: string | null;
}
export interface GlDiff {
  new_path: string;
  old_path?: string;
}
export interface GlApprovals {
  approved_by?: { user: GlUser }[];
}
export interface GlCommit {
  id: string;
  short_id?: string;
  title: string;
  message?: string;
  author_name?: string;
  authored_date?: string;
  committer_name?: string;
  committed_date?: string;
  created_at?: string;
  web_url?: string;
  stats?: { additions?: number; deletions?: number };
}
export interface GlPipeline {
  id: number;
  iid?: number;
  project_id: number;
  sha: string;
  ref: string;
  status: string;
  source?: string;
  created_at: string;
  updated_at: string;
  started_at?: string | null;
  finished_at?: string | null;
  duration?: number | null;
  web_url: string;
  user?: GlUser | null;
  name?: string | null;
}
export interface GlJob {
  name: string;
  status: string;
  stage?: string;
}
export interface GlDeployment {
  id: number;
  iid: number;
  ref: string;
  sha: string;
  status: string;
  created_at: string;
  updated_at: string;
  finished_at?: string | null;
  user?: GlUser | null;
  environment: { name: string; external_url?: string | null };
  deployable?:
    | { id: number; name?: string; web_url?: string | null; pipeline?: { id: number; web_url?: string } }
    | null;
}
export interface GlTag {
  name: string;
  message?: string | null;
  target: string;
  commit: GlCommit;
  created_at?: string | null;
}
export interface GlRelease {
  tag_name: string;
  name?: string | null;
  description?: string | null;
  created_at: string;
  released_at?: string | null;
  author?: GlUser | null;
  commit?: { id: string } | null;
  _links?: { self?: string };
  upcoming_release?: boolean | null;
}

export interface ProjectContext {
  /** path_with_namespace */
  path: string;
  webUrl: string;
  tags: string[];
}

const firstLine = (s: string) => s.split("\n", 1)[0]!.slice(0, 300);

export function mapMergeRequest(
  mr: GlMergeRequest,
  p: ProjectContext,
  extra: { diffs?: GlDiff[]; approvals?: GlApprovals } = {},
): MappedChange {
  const status = mr.state === "merged"
    ? "merged"
    : mr.state === "closed" || mr.state === "locked"
    ? "closed"
    : mr.draft || mr.work_in_progress
    ? "draft"
    : "open";
  const time = status === "merged" && mr.merged_at
    ? mr.merged_at
    : status === "closed" && mr.closed_at
    ? mr.closed_at
    : mr.created_at;
  const mergeSha = mr.merge_commit_sha ?? mr.squash_commit_sha ?? null;
  const sha = status === "merged" && mergeSha ? mergeSha : mr.sha ?? "";
  return {
    upstreamId: mr.id,
    eventType: "merge_request",
    time,
    subject: `${p.path}!${mr.iid}`,
    title: `MR !${mr.iid} ${status}: ${mr.title}`.slice(0, 500),
    description: (mr.description ?? "").slice(0, 4000),
    author: mr.author?.username ?? "",
    url: mr.web_url,
    status,
    tags: p.tags,
    refs: [
      `mr:${p.path}!${mr.iid}`,
      ...(mr.sha ? [`sha:${mr.sha}`] : []),
      ...(status === "merged" && mergeSha ? [`sha:${mergeSha}`] : []),
      `repo:${p.path}`,
    ],
    metadata: {
      project: p.path,
      iid: mr.iid,
      sha,
      sourceBranch: mr.source_branch,
      targetBranch: mr.target_branch,
      mergeCommitSha: status === "merged" ? mergeSha : null,
      mergedBy: mr.merge_user?.username ?? mr.merged_by?.username ?? null,
      changesCount: mr.changes_count ?? null,
      files: (extra.diffs ?? []).slice(0, 20).map((d) => d.new_path),
      labels: mr.labels ?? [],
      approvals: (extra.approvals?.approved_by ?? []).map((a) => a.user.username),
      updatedAt: mr.updated_at,
    },
  };
}

export function mapCommit(
  c: GlCommit,
  p: ProjectContext,
  branch: string,
  files: string[] = [],
): MappedChange {
  return {
    upstreamId: `${p.path}:${c.id}`,
    eventType: "commit",
    time: c.committed_date ?? c.created_at ?? c.authored_date ?? new Date().toISOString(),
    subject: `${p.path}@${branch}`,
    title: `Push to ${branch}: ${firstLine(c.title)}`.slice(0, 500),
    description: (c.message ?? c.title).slice(0, 4000),
    author: c.author_name ?? "",
    url: c.web_url ?? `${p.webUrl}/-/commit/${c.id}`,
    status: "pushed",
    tags: p.tags,
    refs: [`sha:${c.id}`, `repo:${p.path}`, `branch:${p.path}:${branch}`],
    metadata: {
      project: p.path,
      branch,
      sha: c.id,
      files: files.slice(0, 20),
      additions: c.stats?.additions ?? null,
      deletions: c.stats?.deletions ?? null,
    },
  };
}

export function mapPipeline(pl: GlPipeline, p: ProjectContext, jobs: GlJob[] = []): MappedChange {
  return {
    upstreamId: pl.id,
    eventType: "pipeline",
    time: pl.created_at,
    subject: `${p.path}/pipelines/${pl.id}`,
    title: `Pipeline #${pl.id} ${pl.status} on ${pl.ref}${pl.name ? ` (${pl.name})` : ""}`.slice(0, 500),
    author: pl.user?.username ?? "",
    url: pl.web_url,
    status: pl.status,
    tags: p.tags,
    refs: [`sha:${pl.sha}`, `repo:${p.path}`],
    metadata: {
      project: p.path,
      iid: pl.iid ?? null,
      ref: pl.ref,
      sha: pl.sha,
      source: pl.source ?? null,
      startedAt: pl.started_at ?? null,
      finishedAt: pl.finished_at ?? null,
      durationSeconds: pl.duration ?? null,
      updatedAt: pl.updated_at,
      failedJobs: jobs.filter((j) => j.status === "failed").map((j) => j.name),
    },
  };
}

export function mapDeployment(d: GlDeployment, p: ProjectContext): MappedChange {
  return {
    upstreamId: d.id,
    eventType: "deployment",
    time: d.created_at,
    subject: `${p.path}@${d.environment.name}`,
    title: `Deploy ${d.ref} to ${d.environment.name}: ${d.status} (${p.path})`.slice(0, 500),
    author: d.user?.username ?? "",
    url: d.deployable?.web_url ?? `${p.webUrl}/-/environments`,
    status: d.status,
    tags: p.tags,
    environment: d.environment.name,
    refs: [`sha:${d.sha}`, `repo:${p.path}`, `env:${d.environment.name}`],
    metadata: {
      project: p.path,
      iid: d.iid,
      environment: d.environment.name,
      ref: d.ref,
      sha: d.sha,
      finishedAt: d.finished_at ?? null,
      updatedAt: d.updated_at,
      deployable: d.deployable?.name ?? null,
      pipelineId: d.deployable?.pipeline?.id ?? null,
    },
  };
}

export function mapTag(t: GlTag, p: ProjectContext): MappedChange {
  return {
    upstreamId: `${p.path}:${t.name}`,
    eventType: "tag",
    time: t.created_at ?? t.commit.committed_date ?? t.commit.created_at ?? new Date().toISOString(),
    subject: `${p.path}@${t.name}`,
    title: `Tag ${t.name} (${p.path})`,
    description: t.message ?? "",
    author: t.commit.author_name ?? "",
    url: `${p.webUrl}/-/tags/${encodeURIComponent(t.name)}`,
    status: "created",
    tags: p.tags,
    refs: [`sha:${t.commit.id}`, `tag:${p.path}:${t.name}`, `repo:${p.path}`],
    metadata: { project: p.path, tag: t.name, sha: t.commit.id },
  };
}

export function mapRelease(r: GlRelease, p: ProjectContext): MappedChange {
  return {
    upstreamId: `${p.path}:${r.tag_name}`,
    eventType: "release",
    time: r.released_at ?? r.created_at,
    subject: `${p.path}@${r.tag_name}`,
    title: `Release ${r.name || r.tag_name} (${p.path})`.slice(0, 500),
    description: (r.description ?? "").slice(0, 4000),
    author: r.author?.username ?? "",
    url: r._links?.self ?? `${p.webUrl}/-/releases/${encodeURIComponent(r.tag_name)}`,
    status: r.upcoming_release ? "upcoming" : "published",
    tags: p.tags,
    refs: [`tag:${p.path}:${r.tag_name}`, `repo:${p.path}`, ...(r.commit?.id ? [`sha:${r.commit.id}`] : [])],
    metadata: { project: p.path, tag: r.tag_name, sha: r.commit?.id ?? null },
  };
}
