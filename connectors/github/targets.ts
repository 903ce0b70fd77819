/** Reads a GitHub connection's config: which repositories (with branches and tags) and which kinds to track. */
import { configLines, type Connection, parseTargetLine, TargetLineError } from "@painchain/shared";
import type { Kind } from "./kinds.ts";

export interface RepoTarget {
  owner: string;
  repo: string;
  /** Branches whose commits are tracked; empty means the default branch. */
  branches: string[];
  /** Extra PainChain tags for this repository's events. */
  tags: string[];
}

export interface GithubSettings {
  repos: RepoTarget[];
  organization: string | null;
  baseUrl: string | null;
  kinds: Set<Kind>;
  backfillDays: number;
}

const REPO = /^([A-Za-z0-9-]{1,39})\/([A-Za-z0-9._-]{1,100})$/;

/** Parses `owner/repo branches=a,b tags=x,y` (a github.com URL works too). */
export function parseRepoLine(line: string): RepoTarget {
  const t = parseTargetLine(line, (raw) => {
    const name = raw.replace(/^https:\/\/github\.com\//, "").replace(/\.git$/, "");
    return REPO.test(name) ? name : null;
  }, "owner/repo");
  const [owner = "", repo = ""] = t.name.split("/");
  return { owner, repo, branches: t.branches, tags: t.tags };
}

export function settingsOf(c: Connection): GithubSettings {
  const cfg = c.config as Record<string, unknown>;
  const kinds = new Set<Kind>();
  if (cfg.pullRequests !== false) kinds.add("pull_request");
  if (cfg.commits !== false) kinds.add("commit");
  if (cfg.releases !== false) kinds.add("release");
  if (cfg.tagsTracked !== false) kinds.add("tag");
  if (cfg.workflowRuns !== false) kinds.add("workflow_run");
  if (cfg.deployments !== false) kinds.add("deployment");
  const org = typeof cfg.organization === "string" && cfg.organization.trim()
    ? cfg.organization.trim()
    : null;
  const repos = configLines(cfg.repositories).map(parseRepoLine);
  if (repos.length === 0 && !org) {
    throw new TargetLineError("Give at least one repository or an organization");
  }
  return {
    repos,
    organization: org,
    baseUrl: typeof cfg.baseUrl === "string" && cfg.baseUrl ? cfg.baseUrl.replace(/\/+$/, "") : null,
    kinds,
    backfillDays: typeof cfg.backfillDays === "number" ? cfg.backfillDays : 7,
  };
}
