/**
 * GitLab webhook deliveries reshaped into the REST forms and mapped with the poll's own functions (map.ts), so a
 * delivery and a poll of the same change give the same event id. Hook timestamps come as "2026-11-26 10:00:00 UTC"
 * and are normalized to ISO 8601 first.
 */
import type { Connection, MappedChange, WebhookDelivery } from "@painchain/shared";
import {
  type GlDeployment,
  type GlMergeRequest,
  type GlPipeline,
  mapCommit,
  mapDeployment,
  mapMergeRequest,
  mapPipeline,
  mapRelease,
  mapTag,
  type ProjectContext,
} from "./map.ts";
import {
  anyHook,
  deploymentHook,
  type HookUser,
  mergeRequestHook,
  pipelineHook,
  pushHook,
  releaseHook,
  tagPushHook,
} from "./hook_payload.ts";
import { settingsOf } from "./targets.ts";

/** The X-Gitlab-Event values this connector maps. */
export const GITLAB_WEBHOOK_EVENTS = [
  "Merge Request Hook",
  "Pipeline Hook",
  "Push Hook",
  "Tag Push Hook",
  "Deployment Hook",
  "Release Hook",
] as const;

/** "2026-11-26 10:00:00 UTC" or "… +0100" → ISO 8601; ISO input is kept. */
export function hookTime(value: unknown): string | null {
  if (typeof value !== "string" || !value) return null;
  const m = /^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d)(?: (UTC|[+-]\d{4}))?$/.exec(value.trim());
  if (!m) return Number.isNaN(Date.parse(value)) ? null : new Date(value).toISOString();
  const zone = !m[3] || m[3] === "UTC" ? "Z" : `${m[3].slice(0, 3)}:${m[3].slice(3)}`;
  return new Date(`${m[1]}T${m[2]}${zone}`).toISOString();
}

function required<T>(value: T | undefined | null, what: string): T {
  if (value === undefined || value === null) throw new Error(`The payload has no ${what}`);
  return value;
}

const user = (
  u: HookUser,
) => (u?.username ? { username: u.username, ...(u.name ? { name: u.name } : {}) } : null);
const opt = <T>(v: T | null | undefined): T | undefined => v ?? undefined;

export function mapGitlabWebhook(delivery: WebhookDelivery, connection: Connection): MappedChange[] {
  const payload = delivery.payload;
  if (!payload || typeof payload !== "object") throw new Error("The payload is not a JSON object");
  if (!(GITLAB_WEBHOOK_EVENTS as readonly string[]).includes(delivery.event)) return [];
  const settings = settingsOf(connection);
  const { project: hookProject } = anyHook.parse(payload);
  const path = hookProject.path_with_namespace;
  const target = settings.projects.find((t) => t.project.toLowerCase() === path.toLowerCase());
  // Only what this connection tracks: a delivery about another project records nothing.
  const inGroup = settings.group !== null &&
    path.toLowerCase().startsWith(`${settings.group.toLowerCase()}/`);
  if (!target && !inGroup) return [];
  const project: ProjectContext = {
    path,
    webUrl: hookProject.web_url ?? "",
    tags: [...new Set([...connection.tags, ...(target?.tags ?? [])])],
  };
  const projectId = hookProject.id ?? 0;
  const tracks = (k: Parameters<typeof settings.kinds.has>[0]) => settings.kinds.has(k);
  const label = (l: string | { title: string }) => (typeof l === "string" ? l : l.title);

  switch (delivery.event) {
    case "Merge Request Hook": {
      if (!tracks("merge_request")) return [];
      const p = mergeRequestHook.parse(payload);
      const a = p.object_attributes;
      const state = a.state === "opened" || a.state === "reopened" ? "opened" : a.state;
      const mr: GlMergeRequest = {
        id: a.id,
        iid: a.iid,
        project_id: a.target_project_id ?? projectId,
        title: a.title,
        description: a.description ?? null,
        state,
        draft: a.draft ?? a.work_in_progress ?? false,
        created_at: required(hookTime(a.created_at), "created_at"),
        updated_at: hookTime(a.updated_at) ?? hookTime(a.created_at)!,
        // Hooks carry no merged_at: the update that merged it is when it merged.
        merged_at: state === "merged" ? hookTime(a.merged_at) ?? hookTime(a.updated_at) : null,
        closed_at: state === "closed" ? hookTime(a.closed_at) ?? hookTime(a.updated_at) : null,
        source_branch: a.source_branch,
        target_branch: a.target_branch,
        sha: a.last_commit?.id ?? null,
        merge_commit_sha: a.merge_commit_sha ?? null,
        // The hook's user is whoever acted; it is the author only when the ids match.
        author: a.author_id != null && p.user?.id === a.author_id ? user(p.user) : null,
        labels: (p.labels ?? a.labels ?? []).map(label),
        web_url: a.url,
      };
      return [mapMergeRequest(mr, project)];
    }
    case "Pipeline Hook": {
      if (!tracks("pipeline")) return [];
      const p = pipelineHook.parse(payload);
      const a = p.object_attributes;
      const created = required(hookTime(a.created_at), "created_at");
      const pl: GlPipeline = {
        id: a.id,
        ...(a.iid != null ? { iid: a.iid } : {}),
        project_id: projectId,
        sha: a.sha,
        ref: a.ref,
        status: a.status,
        ...(a.source ? { source: a.source } : {}),
        created_at: created,
        updated_at: hookTime(a.finished_at) ?? created,
        started_at: null,
        finished_at: hookTime(a.finished_at),
        duration: a.duration ?? null,
        web_url: a.url ?? `${project.webUrl}/-/pipelines/${a.id}`,
        user: user(p.user),
        name: a.name ?? null,
      };
      const jobs = (p.builds ?? []).map((b) => ({
        name: b.name,
        status: b.status,
        ...(b.stage ? { stage: b.stage } : {}),
      }));
      return [mapPipeline(pl, project, jobs)];
    }
    case "Push Hook": {
      if (!tracks("commit")) return [];
      const p = pushHook.parse(payload);
      if (!p.ref.startsWith("refs/heads/")) return [];
      const branch = p.ref.slice("refs/heads/".length);
      if (target && target.branches.length > 0 && !target.branches.includes(branch)) return [];
      return (p.commits ?? []).map((c) =>
        mapCommit(
          {
            id: c.id,
            title: c.title ?? String(c.message ?? "").split("\n", 1)[0]!,
            message: opt(c.message),
            author_name: opt(c.author?.name),
            committed_date: hookTime(c.timestamp) ?? undefined,
            web_url: opt(c.url),
          },
          project,
          branch,
        )
      );
    }
    case "Tag Push Hook": {
      if (!tracks("tag")) return [];
      const p = tagPushHook.parse(payload);
      const sha = p.checkout_sha ?? p.after;
      // A deleted tag has no checkout sha.
      if (!sha || /^0+$/.test(sha)) return [];
      const name = p.ref.replace(/^refs\/tags\//, "");
      const head = (p.commits ?? []).find((c) => c.id === sha);
      return [mapTag({
        name,
        message: p.message ?? null,
        target: sha,
        commit: {
          id: sha,
          title: head?.title ?? name,
          author_name: opt(p.user_username ?? p.user_name),
          committed_date: hookTime(head?.timestamp) ?? undefined,
        },
      }, project)];
    }
    case "Deployment Hook": {
      if (!tracks("deployment")) return [];
      const p = deploymentHook.parse(payload);
      const at = required(hookTime(p.status_changed_at), "status_changed_at");
      const d: GlDeployment = {
        id: p.deployment_id,
        iid: p.deployment_iid ?? p.deployment_id,
        ref: p.ref,
        sha: required(p.commit_url?.split("/").pop() ?? p.short_sha, "commit_url or short_sha"),
        status: p.status,
        created_at: at,
        updated_at: at,
        finished_at: ["success", "failed", "canceled"].includes(p.status) ? at : null,
        user: user(p.user),
        environment: { name: p.environment, external_url: p.environment_external_url ?? null },
        deployable: p.deployable_id ? { id: p.deployable_id, web_url: p.deployable_url ?? null } : null,
      };
      return [mapDeployment(d, project)];
    }
    case "Release Hook": {
      if (!tracks("release")) return [];
      const p = releaseHook.parse(payload);
      return [mapRelease({
        tag_name: p.tag,
        name: p.name ?? null,
        description: p.description ?? null,
        created_at: required(hookTime(p.created_at), "created_at"),
        released_at: hookTime(p.released_at),
        commit: p.commit?.id ? { id: p.commit.id } : null,
        _links: { self: opt(p.url) },
      }, project)];
    }
  }
  return [];
}
