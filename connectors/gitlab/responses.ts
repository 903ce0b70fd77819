/**
 * The boundary between gitbeaker's response types and map.ts's shapes, for the responses where the two part
 * ways. Gitbeaker's schemas are open records (`extends Record<string, unknown>`), so a field they do not declare
 * reads as `unknown` and TypeScript would still let it through as whatever map.ts expects; those fields are read
 * here, once, and checked. The other responses the poll uses (projects, commits, diffs, approvals, jobs, tags,
 * releases) match map.ts as gitbeaker types them and go to it unchanged.
 */
import type {
  DeploymentSchema,
  ExpandedPipelineSchema,
  MergeRequestSchema,
  PipelineSchema,
} from "@gitbeaker/rest";
import type { GlDeployment, GlMergeRequest, GlPipeline, GlUser } from "./map.ts";

const text = (v: unknown): string | null => (typeof v === "string" ? v : null);

function user(v: unknown): GlUser | null {
  if (typeof v !== "object" || v === null || !("username" in v) || typeof v.username !== "string") {
    return null;
  }
  return { username: v.username, ...("name" in v && typeof v.name === "string" ? { name: v.name } : {}) };
}

/**
 * A merge request from the list or the single MR. Not in gitbeaker's schema: `merge_user` (which replaced the
 * deprecated merged_by) and, for list entries, `changes_count`. Gitbeaker also allows label objects, which GitLab
 * sends only when asked for label details; their names are kept.
 */
export function mergeRequestOf(mr: MergeRequestSchema): GlMergeRequest {
  return {
    ...mr,
    labels: (mr.labels ?? []).map((l) => (typeof l === "string" ? l : l.name)),
    merge_user: user(mr.merge_user),
    changes_count: text(mr.changes_count),
  };
}

/**
 * A pipeline from the list's basics and the single pipeline's details (user, start, finish and duration; GitLab
 * sends null for those that have not happened yet, and map.ts allows it). `name` is in neither of gitbeaker's
 * schemas.
 */
export function pipelineOf(basic: PipelineSchema, full: ExpandedPipelineSchema): GlPipeline {
  const pl = { ...basic, ...full };
  return { ...pl, name: text(pl.name) };
}

/**
 * A deployment. Not in gitbeaker's schema: `finished_at` and the deployable job's `web_url`; and GitLab sends
 * `deployable: null` for a deployment made without a job, where gitbeaker says there always is one.
 */
export function deploymentOf(d: DeploymentSchema): GlDeployment {
  return {
    ...d,
    finished_at: text(d.finished_at),
    deployable: d.deployable ? { ...d.deployable, web_url: text(d.deployable.web_url) } : null,
  };
}
