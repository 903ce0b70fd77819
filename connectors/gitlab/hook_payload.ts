/**
 * The fields of GitLab webhook payloads this connector reads, as zod schemas: a delivery that lacks them or has
 * them in another shape is refused with the path of what is wrong (and dead-lettered), never mapped half-way.
 * Everything else in a payload is ignored.
 */
import { z } from "zod";

const text = z.string().nullish();
const num = z.number().nullish();

const hookUser = z.looseObject({ id: num, username: text, name: text }).nullish();
const project = z.looseObject({
  id: num,
  path_with_namespace: z.string(),
  web_url: text,
});
const commit = z.looseObject({
  id: z.string(),
  title: text,
  message: text,
  timestamp: text,
  url: text,
  author: z.looseObject({ name: text }).nullish(),
});

export const mergeRequestHook = z.looseObject({
  project,
  user: hookUser,
  labels: z.array(z.union([z.string(), z.looseObject({ title: z.string() })])).nullish(),
  object_attributes: z.looseObject({
    id: z.number(),
    iid: z.number(),
    target_project_id: num,
    title: z.string(),
    description: text,
    state: z.string(),
    draft: z.boolean().nullish(),
    work_in_progress: z.boolean().nullish(),
    created_at: z.string(),
    updated_at: text,
    merged_at: text,
    closed_at: text,
    source_branch: z.string(),
    target_branch: z.string(),
    last_commit: z.looseObject({ id: z.string() }).nullish(),
    merge_commit_sha: text,
    author_id: num,
    labels: z.array(z.union([z.string(), z.looseObject({ title: z.string() })])).nullish(),
    url: z.string(),
  }),
});

export const pipelineHook = z.looseObject({
  project,
  user: hookUser,
  object_attributes: z.looseObject({
    id: z.number(),
    iid: num,
    sha: z.string(),
    ref: z.string(),
    status: z.string(),
    source: text,
    created_at: z.string(),
    finished_at: text,
    duration: num,
    url: text,
    name: text,
  }),
  builds: z.array(z.looseObject({ name: z.string(), status: z.string(), stage: text })).nullish(),
});

export const pushHook = z.looseObject({
  project,
  ref: z.string(),
  commits: z.array(commit).nullish(),
});

export const tagPushHook = z.looseObject({
  project,
  ref: z.string(),
  checkout_sha: text,
  after: text,
  message: text,
  user_username: text,
  user_name: text,
  commits: z.array(commit).nullish(),
});

export const deploymentHook = z.looseObject({
  project,
  user: hookUser,
  deployment_id: z.number(),
  deployment_iid: num,
  ref: z.string(),
  commit_url: text,
  short_sha: text,
  status: z.string(),
  status_changed_at: z.string(),
  environment: z.string(),
  environment_external_url: text,
  deployable_id: num,
  deployable_url: text,
});

export const releaseHook = z.looseObject({
  project,
  tag: z.string(),
  name: text,
  description: text,
  created_at: z.string(),
  released_at: text,
  url: text,
  commit: z.looseObject({ id: z.string() }).nullish(),
});

/** Any hook: just enough to know its project. */
export const anyHook = z.looseObject({ project });

export type HookUser = z.infer<typeof hookUser>;
