/**
 * Pure mapping from GitHub REST JSON to ChangeEvents. The same functions map webhook payloads, so a poll and a
 * webhook of one change give one id. Every event carries the commit SHA it concerns (metadata.sha, refs).
 */
import type { MappedChange } from "@painchain/shared";

// Only the fields we read; GitHub sends many more.
export interface GhUser {
  login: string;
}
export interface GhPullRequest {
  id: number;
  number: number;
  title: string;
  body?: string | null;
  html_url: string;
  state: string;
  draft?: boolean;
  merged?: boolean;
  created_at: string;
  updated_at: string;
  closed_at: string | null;
  merged_at: string | null;
  merge_commit_sha: string | null;
  user: GhUser | null;
  merged_by?: GhUser | null;
  base: { ref: string; sha?: string };
  head: { ref: string; sha: string };
  labels?: { name?: string }[];
  requested_reviewers?: (GhUser | null)[];
  additions?: number;
  deletions?: number;
  changed_files?: number;
}
export interface GhReview {
  user: GhUser | null;
  state: string;
  submitted_at?: string;
}
export interface GhFile {
  filename: string;
}
export interface GhCommit {
  sha: string;
  html_url: string;
  commit: {
    message: string;
    author: { name?: string; email?: string; date?: string } | null;
    committer: { name?: string; date?: string } | null;
  };
  author: GhUser | null;
  committer?: GhUser | null;
  files?: GhFile[];
  stats?: { additions?: number; deletions?: number };
}
export interface GhRelease {
  id: number;
  tag_name: string;
  target_commitish: string;
  name: string | null;
  body?: string | null;
  html_url: string;
  draft: boolean;
  prerelease: boolean;
  created_at: string;
  published_at: string | null;
  author: GhUser | null;
  assets?: { name: string }[];
}
export interface GhTag {
  name: string;
  commit: { sha: string };
}
export interface GhWorkflowRun {
  id: number;
  name?: string | null;
  display_title?: string;
  run_number: number;
  run_attempt?: number;
  event: string;
  status: string | null;
  conclusion: string | null;
  head_branch: string | null;
  head_sha: string;
  html_url: string;
  created_at: string;
  updated_at: string;
  run_started_at?: string;
  actor?: GhUser | null;
  triggering_actor?: GhUser | null;
  pull_requests?: { number: number }[] | null;
}
export interface GhJob {
  name: string;
  conclusion: string | null;
}
export interface GhDeployment {
  id: number;
  sha: string;
  ref: string;
  task?: string;
  environment: string;
  description?: string | null;
  creator: GhUser | null;
  created_at: string;
  updated_at: string;
}
export interface GhDeploymentStatus {
  state: string;
  description?: string | null;
  target_url?: string;
  environment_url?: string;
  log_url?: string;
  created_at: string;
  creator?: GhUser | null;
}

export interface RepoContext {
  /** `owner/repo` */
  fullName: string;
  tags: string[];
}

const MAX_FILES = 20;

const firstLine = (s: string) => s.split("\n", 1)[0]!.slice(0, 300);

export function mapPullRequest(
  pr: GhPullRequest,
  repo: RepoContext,
  extra: { files?: GhFile[]; reviews?: GhReview[] } = {},
): MappedChange {
  // `merged` (detail endpoint) wins over `merged_at` (all endpoints); an open PR is never merged.
  const merged = pr.state !== "open" && (pr.merged ?? Boolean(pr.merged_at));
  const status = merged ? "merged" : pr.state === "closed" ? "closed" : pr.draft ? "draft" : "open";
  const time = merged && pr.merged_at
    ? pr.merged_at
    : pr.state === "closed" && pr.closed_at
    ? pr.closed_at
    : pr.created_at;
  // The latest review of each reviewer counts.
  const latest = new Map<string, string>();
  for (const r of extra.reviews ?? []) {
    if (r.user && r.state !== "COMMENTED" && r.state !== "PENDING") latest.set(r.user.login, r.state);
  }
  const approvals = [...latest].filter(([, s]) => s === "APPROVED").map(([u]) => u);
  const changesRequested = [...latest].filter(([, s]) => s === "CHANGES_REQUESTED").map(([u]) => u);
  const sha = merged && pr.merge_commit_sha ? pr.merge_commit_sha : pr.head.sha;
  return {
    upstreamId: pr.id,
    eventType: "pull_request",
    time,
    subject: `${repo.fullName}#${pr.number}`,
    title: `PR #${pr.number} ${status}: ${pr.title}`.slice(0, 500),
    description: (pr.body ?? "").slice(0, 4000),
    author: pr.user?.login ?? "",
    url: pr.html_url,
    status,
    tags: repo.tags,
    refs: [
      `pr:${repo.fullName}#${pr.number}`,
      `sha:${pr.head.sha}`,
      ...(pr.merge_commit_sha && merged ? [`sha:${pr.merge_commit_sha}`] : []),
      `repo:${repo.fullName}`,
    ],
    metadata: {
      repository: repo.fullName,
      number: pr.number,
      sha,
      headSha: pr.head.sha,
      baseBranch: pr.base.ref,
      headBranch: pr.head.ref,
      mergeCommitSha: merged ? pr.merge_commit_sha : null,
      mergedBy: pr.merged_by?.login ?? null,
      draft: pr.draft ?? false,
      createdAt: pr.created_at,
      updatedAt: pr.updated_at,
      mergedAt: pr.merged_at,
      closedAt: pr.closed_at,
      additions: pr.additions ?? null,
      deletions: pr.deletions ?? null,
      changedFiles: pr.changed_files ?? null,
      files: (extra.files ?? []).slice(0, MAX_FILES).map((f) => f.filename),
      labels: (pr.labels ?? []).map((l) => l.name ?? "").filter(Boolean),
      reviewers: (pr.requested_reviewers ?? []).map((u) => u?.login ?? "").filter(Boolean),
      approvals,
      changesRequested,
    },
  };
}

export function mapCommit(c: GhCommit, repo: RepoContext, branch: string): MappedChange {
  const time = c.commit.committer?.date ?? c.commit.author?.date ?? new Date().toISOString();
  return {
    upstreamId: c.sha,
    eventType: "commit",
    time,
    subject: `${repo.fullName}@${branch}`,
    title: `Push to ${branch}: ${firstLine(c.commit.message)}`.slice(0, 500),
    description: c.commit.message.slice(0, 4000),
    author: c.author?.login ?? c.commit.author?.name ?? "",
    url: c.html_url,
    status: "pushed",
    tags: repo.tags,
    refs: [`sha:${c.sha}`, `repo:${repo.fullName}`, `branch:${repo.fullName}:${branch}`],
    metadata: {
      repository: repo.fullName,
      branch,
      sha: c.sha,
      committer: c.committer?.login ?? c.commit.committer?.name ?? null,
      files: (c.files ?? []).slice(0, MAX_FILES).map((f) => f.filename),
      additions: c.stats?.additions ?? null,
      deletions: c.stats?.deletions ?? null,
    },
  };
}

export function mapRelease(r: GhRelease, repo: RepoContext, sha: string | null = null): MappedChange {
  const status = r.draft ? "draft" : r.prerelease ? "prerelease" : "published";
  return {
    upstreamId: r.id,
    eventType: "release",
    time: r.published_at ?? r.created_at,
    subject: `${repo.fullName}@${r.tag_name}`,
    title: `Release ${r.name || r.tag_name} (${repo.fullName})`.slice(0, 500),
    description: (r.body ?? "").slice(0, 4000),
    author: r.author?.login ?? "",
    url: r.html_url,
    status,
    tags: repo.tags,
    refs: [`tag:${repo.fullName}:${r.tag_name}`, `repo:${repo.fullName}`, ...(sha ? [`sha:${sha}`] : [])],
    metadata: {
      repository: repo.fullName,
      tag: r.tag_name,
      target: r.target_commitish,
      sha,
      prerelease: r.prerelease,
      assets: (r.assets ?? []).map((a) => a.name).slice(0, MAX_FILES),
    },
  };
}

export function mapTag(t: GhTag, repo: RepoContext, time: string, author = ""): MappedChange {
  return {
    upstreamId: `${repo.fullName}:${t.name}`,
    eventType: "tag",
    time,
    subject: `${repo.fullName}@${t.name}`,
    title: `Tag ${t.name} (${repo.fullName})`,
    author,
    url: `https://github.com/${repo.fullName}/releases/tag/${encodeURIComponent(t.name)}`,
    status: "created",
    tags: repo.tags,
    refs: [`sha:${t.commit.sha}`, `tag:${repo.fullName}:${t.name}`, `repo:${repo.fullName}`],
    metadata: { repository: repo.fullName, tag: t.name, sha: t.commit.sha },
  };
}

export function runStatus(run: Pick<GhWorkflowRun, "status" | "conclusion">): string {
  return run.status === "completed" ? run.conclusion ?? "completed" : run.status ?? "queued";
}

export function mapWorkflowRun(run: GhWorkflowRun, repo: RepoContext, jobs: GhJob[] = []): MappedChange {
  const status = runStatus(run);
  const started = run.run_started_at ?? run.created_at;
  const duration = run.status === "completed"
    ? Math.max(0, Math.round((Date.parse(run.updated_at) - Date.parse(started)) / 1000))
    : null;
  const workflow = run.name ?? "workflow";
  return {
    upstreamId: run.id,
    eventType: "workflow_run",
    time: started,
    subject: `${repo.fullName}/${workflow}#${run.run_number}`,
    title: `${workflow} #${run.run_number} ${status} on ${run.head_branch ?? run.head_sha.slice(0, 7)}`.slice(
      0,
      500,
    ),
    description: run.display_title ?? "",
    author: run.triggering_actor?.login ?? run.actor?.login ?? "",
    url: run.html_url,
    status,
    tags: repo.tags,
    refs: [
      `sha:${run.head_sha}`,
      `repo:${repo.fullName}`,
      ...(run.pull_requests ?? []).map((p) => `pr:${repo.fullName}#${p.number}`),
    ],
    metadata: {
      repository: repo.fullName,
      workflow,
      runNumber: run.run_number,
      attempt: run.run_attempt ?? 1,
      trigger: run.event,
      branch: run.head_branch,
      sha: run.head_sha,
      state: run.status,
      conclusion: run.conclusion,
      startedAt: started,
      updatedAt: run.updated_at,
      durationSeconds: duration,
      failedJobs: jobs.filter((j) => j.conclusion === "failure" || j.conclusion === "timed_out").map((j) =>
        j.name
      ),
    },
  };
}

export function mapDeployment(
  d: GhDeployment,
  repo: RepoContext,
  latest: GhDeploymentStatus | null,
): MappedChange {
  const state = latest?.state ?? "created";
  return {
    upstreamId: d.id,
    eventType: "deployment",
    time: d.created_at,
    subject: `${repo.fullName}@${d.environment}`,
    title: `Deploy ${d.ref} to ${d.environment}: ${state} (${repo.fullName})`.slice(0, 500),
    description: (latest?.description ?? d.description ?? "").slice(0, 4000),
    author: d.creator?.login ?? "",
    url: latest?.log_url || latest?.target_url || `https://github.com/${repo.fullName}/deployments`,
    status: state,
    tags: repo.tags,
    environment: d.environment,
    refs: [`sha:${d.sha}`, `repo:${repo.fullName}`, `env:${d.environment}`],
    metadata: {
      repository: repo.fullName,
      environment: d.environment,
      ref: d.ref,
      sha: d.sha,
      task: d.task ?? "deploy",
      state,
      statusDescription: latest?.description ?? null,
      statusAt: latest?.created_at ?? null,
      targetUrl: latest?.environment_url || latest?.target_url || null,
    },
  };
}

/** Deployment states after which nothing changes. */
export const FINAL_DEPLOYMENT_STATES = new Set(["success", "failure", "error", "inactive"]);
