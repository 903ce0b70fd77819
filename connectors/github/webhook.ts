/**
 * GitHub webhook deliveries mapped with the poll's own functions (map.ts), so a delivery and a poll of the same
 * change give the same event id. Payloads carry the REST shapes for pull requests, releases, workflow runs and
 * deployments; push commits are reshaped into the REST commit form first.
 */
import type { Connection, MappedChange, WebhookDelivery } from "@painchain/shared";
import {
  type GhCommit,
  type GhDeployment,
  type GhDeploymentStatus,
  type GhPullRequest,
  type GhRelease,
  type GhWorkflowRun,
  mapCommit,
  mapDeployment,
  mapPullRequest,
  mapRelease,
  mapTag,
  mapWorkflowRun,
  type RepoContext,
} from "./map.ts";
import type { Kind } from "./kinds.ts";
import { settingsOf } from "./targets.ts";

/** Webhook events this connector maps, and the kind (config toggle) each belongs to. */
export const GITHUB_WEBHOOK_EVENTS: Record<string, Kind | "push"> = {
  pull_request: "pull_request",
  push: "push",
  release: "release",
  workflow_run: "workflow_run",
  deployment: "deployment",
  deployment_status: "deployment",
};

interface PushCommit {
  id: string;
  message: string;
  timestamp: string;
  url: string;
  author: { name?: string; email?: string; username?: string };
  committer: { name?: string; email?: string; username?: string };
  added?: string[];
  modified?: string[];
  removed?: string[];
}

interface Payload {
  action?: string;
  repository?: { full_name: string };
  pull_request?: GhPullRequest;
  release?: GhRelease;
  workflow_run?: GhWorkflowRun;
  deployment?: GhDeployment;
  deployment_status?: GhDeploymentStatus;
  ref?: string;
  after?: string;
  created?: boolean;
  deleted?: boolean;
  commits?: PushCommit[];
  head_commit?: PushCommit | null;
  pusher?: { name?: string };
  sender?: { login?: string };
}

class WebhookPayloadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "WebhookPayloadError";
  }
}

function need<T>(value: T | undefined | null, what: string): T {
  if (value === undefined || value === null) throw new WebhookPayloadError(`The payload has no ${what}`);
  return value;
}

/** A push commit in the REST commit shape, so mapCommit maps it as the poll does. */
export function pushCommitAsRest(c: PushCommit): GhCommit {
  return {
    sha: c.id,
    html_url: c.url,
    commit: {
      message: c.message,
      author: { name: c.author.name, email: c.author.email, date: c.timestamp },
      committer: { name: c.committer.name, date: c.timestamp },
    },
    author: c.author.username ? { login: c.author.username } : null,
    committer: c.committer.username ? { login: c.committer.username } : null,
    files: [...(c.added ?? []), ...(c.modified ?? []), ...(c.removed ?? [])].map((filename) => ({
      filename,
    })),
  };
}

export function mapGithubWebhook(delivery: WebhookDelivery, connection: Connection): MappedChange[] {
  const kind = GITHUB_WEBHOOK_EVENTS[delivery.event];
  if (!kind) return [];
  const p = delivery.payload as Payload;
  if (!p || typeof p !== "object") throw new WebhookPayloadError("The payload is not a JSON object");
  const settings = settingsOf(connection);
  const fullName = need(p.repository?.full_name, "repository");
  const target = settings.repos.find((r) => `${r.owner}/${r.repo}`.toLowerCase() === fullName.toLowerCase());
  // Only what this connection tracks: a delivery about another repository records nothing (a webhook secret
  // proves who sent it, not that its content belongs to this connection).
  const inOrg = settings.organization !== null &&
    fullName.toLowerCase().startsWith(`${settings.organization.toLowerCase()}/`);
  if (!target && !inOrg) return [];
  const repo: RepoContext = { fullName, tags: [...new Set([...connection.tags, ...(target?.tags ?? [])])] };
  const tracks = (k: Kind) => settings.kinds.has(k);

  switch (kind) {
    case "pull_request":
      return tracks("pull_request") ? [mapPullRequest(need(p.pull_request, "pull_request"), repo)] : [];
    case "release": {
      if (!tracks("release")) return [];
      const change = mapRelease(need(p.release, "release"), repo);
      return [
        p.action === "deleted" ? { ...change, status: "deleted", title: `${change.title} deleted` } : change,
      ];
    }
    case "workflow_run":
      return tracks("workflow_run") ? [mapWorkflowRun(need(p.workflow_run, "workflow_run"), repo)] : [];
    case "deployment": {
      if (!tracks("deployment")) return [];
      const d = need(p.deployment, "deployment");
      return [
        mapDeployment(d, repo, delivery.event === "deployment_status" ? p.deployment_status ?? null : null),
      ];
    }
    case "push": {
      const ref = need(p.ref, "ref");
      if (p.deleted) return [];
      if (ref.startsWith("refs/tags/")) {
        if (!tracks("tag") || !p.created) return [];
        const name = ref.slice("refs/tags/".length);
        const time = p.head_commit?.timestamp ?? new Date().toISOString();
        return [mapTag({ name, commit: { sha: need(p.after, "after") } }, repo, time, p.pusher?.name ?? "")];
      }
      if (!tracks("commit") || !ref.startsWith("refs/heads/")) return [];
      const branch = ref.slice("refs/heads/".length);
      // Only the branches the connection follows (none listed: every branch pushed to this hook).
      if (target && target.branches.length > 0 && !target.branches.includes(branch)) return [];
      return (p.commits ?? []).map((c) => mapCommit(pushCommitAsRest(c), repo, branch));
    }
    default:
      return [];
  }
}
