/** Reads a GitHub connection's config: which repositories (with branches and tags) and which kinds to track. */
import type { Connection } from "@painchain/shared";
import type { Kind } from "./metadata.ts";

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

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}

/** Parses `owner/repo branches=a,b tags=x,y`. */
export function parseRepoLine(line: string): RepoTarget {
  const [name = "", ...opts] = line.trim().split(/\s+/);
  const m = REPO.exec(name.replace(/^https:\/\/github\.com\//, "").replace(/\.git$/, ""));
  if (!m) throw new ConfigError(`"${line}" is not owner/repo`);
  const target: RepoTarget = { owner: m[1]!, repo: m[2]!, branches: [], tags: [] };
  for (const opt of opts) {
    const [k, v = ""] = opt.split("=", 2);
    const values = v.split(",").map((s) => s.trim()).filter(Boolean);
    if (k === "branches" || k === "branch") target.branches = values;
    else if (k === "tags" || k === "tag") target.tags = values;
    else throw new ConfigError(`Unknown option "${k}" in "${line}" (use branches= or tags=)`);
  }
  return target;
}

export function settingsOf(c: Connection): GithubSettings {
  const cfg = c.config as Record<string, unknown>;
  const lines = Array.isArray(cfg.repositories) ? cfg.repositories.map(String) : [];
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
  const repos = lines.filter((l) => l.trim()).map(parseRepoLine);
  if (repos.length === 0 && !org) throw new ConfigError("Give at least one repository or an organization");
  return {
    repos,
    organization: org,
    baseUrl: typeof cfg.baseUrl === "string" && cfg.baseUrl ? cfg.baseUrl.replace(/\/+$/, "") : null,
    kinds,
    backfillDays: typeof cfg.backfillDays === "number" ? cfg.backfillDays : 7,
  };
}
