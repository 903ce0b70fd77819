/** Reads a GitLab connection's config: instance, projects (with branches and tags) or a group, and kinds. */
import { configLines, type Connection, parseTargetLine, TargetLineError } from "@painchain/shared";
import type { Kind } from "./kinds.ts";

export interface ProjectTarget {
  /** A path like group/sub/app, or a numeric id as a string. */
  project: string;
  branches: string[];
  tags: string[];
}

export interface GitlabSettings {
  host: string;
  projects: ProjectTarget[];
  group: string | null;
  kinds: Set<Kind>;
  backfillDays: number;
}

const PROJECT = /^(\d+|[A-Za-z0-9_.][A-Za-z0-9_.-]*(\/[A-Za-z0-9_.][A-Za-z0-9_.-]*)+)$/;

export function parseProjectLine(line: string): ProjectTarget {
  const t = parseTargetLine(line, (raw) => {
    const name = raw.replace(/^https?:\/\/[^/]+\//, "").replace(/\.git$/, "").replace(/\/+$/, "");
    return PROJECT.test(name) ? name : null;
  }, "a project path (group/project) or id");
  return { project: t.name, branches: t.branches, tags: t.tags };
}

export function settingsOf(c: Connection): GitlabSettings {
  const cfg = c.config as Record<string, unknown>;
  const kinds = new Set<Kind>();
  if (cfg.mergeRequests !== false) kinds.add("merge_request");
  if (cfg.commits !== false) kinds.add("commit");
  if (cfg.pipelines !== false) kinds.add("pipeline");
  if (cfg.deployments !== false) kinds.add("deployment");
  if (cfg.tagsTracked !== false) kinds.add("tag");
  if (cfg.releases !== false) kinds.add("release");
  const group = typeof cfg.group === "string" && cfg.group.trim() ? cfg.group.trim() : null;
  const projects = configLines(cfg.projects).map(parseProjectLine);
  if (projects.length === 0 && !group) throw new TargetLineError("Give at least one project or a group");
  const host = typeof cfg.instanceUrl === "string" && cfg.instanceUrl
    ? cfg.instanceUrl
    : "https://gitlab.com";
  return {
    host: host.replace(/\/+$/, "").replace(/\/api\/v4$/, ""),
    projects,
    group,
    kinds,
    backfillDays: typeof cfg.backfillDays === "number" ? cfg.backfillDays : 7,
  };
}
