/** GitLab connector metadata: the connection form and the detail panels of every event type. */
import type { ConnectorMetadataInput } from "@painchain/shared";

export const KINDS = ["merge_request", "commit", "pipeline", "deployment", "tag", "release"] as const;
export type Kind = typeof KINDS[number];

const projectField = { key: "metadata.project", label: "Project" };
const shaField = { key: "metadata.sha", label: "Commit", format: "code" as const };

export const metadata: ConnectorMetadataInput = {
  id: "gitlab",
  displayName: "GitLab",
  color: "#fc6d26",
  logo: "logo.svg",
  description:
    "Merge requests, pushes, pipelines, deployments, tags and releases from GitLab.com or self-hosted GitLab",
  defaultPollInterval: 300,
  minPollInterval: 60,
  configSchema: [
    {
      key: "token",
      label: "Access token",
      type: "password",
      secret: true,
      required: false,
      placeholder: "glpat-…",
      help: "A personal, group or project access token with the read_api scope.",
    },
    {
      key: "webhookSecret",
      label: "Webhook secret token",
      type: "password",
      secret: true,
      required: false,
      placeholder: "openssl rand -hex 32",
      help:
        "Optional. Set the same value as the Secret token of a GitLab webhook pointing at /api/webhooks/gitlab/<connection id>: changes then arrive within seconds instead of at the next poll.",
    },
    {
      key: "instanceUrl",
      label: "Instance URL",
      type: "url",
      default: "https://gitlab.com",
      help:
        "https://gitlab.com, or your self-hosted GitLab (a path prefix such as https://example.com/gitlab works).",
    },
    {
      key: "projects",
      label: "Projects",
      type: "list",
      placeholder: "group/app\ngroup/sub/api branches=main,release tags=team-payments\n1234",
      help:
        "One per line: a path or numeric id, optionally followed by branches=a,b (default: the default branch) and tags=x,y.",
    },
    {
      key: "group",
      label: "Group",
      type: "text",
      placeholder: "my-group",
      help: "Track every project of a group and its subgroups.",
    },
    { key: "mergeRequests", label: "Track merge requests", type: "boolean", default: true },
    { key: "commits", label: "Track pushes (commits)", type: "boolean", default: true },
    { key: "pipelines", label: "Track pipelines", type: "boolean", default: true },
    { key: "deployments", label: "Track deployments", type: "boolean", default: true },
    { key: "tagsTracked", label: "Track tags", type: "boolean", default: true },
    { key: "releases", label: "Track releases", type: "boolean", default: true },
    { key: "backfillDays", label: "Backfill (days)", type: "number", default: 7, min: 0, max: 90 },
  ],
  eventTypes: {
    merge_request: {
      displayName: "Merge requests",
      sections: [
        {
          title: "Merge request",
          fields: [
            projectField,
            { key: "metadata.iid", label: "Number", format: "number" },
            { key: "metadata.sourceBranch", label: "Source" },
            { key: "metadata.targetBranch", label: "Target" },
            { key: "metadata.mergeCommitSha", label: "Merge commit", format: "code" },
            { key: "metadata.mergedBy", label: "Merged by" },
          ],
        },
        {
          title: "Changes",
          fields: [
            { key: "metadata.changesCount", label: "Files changed" },
            { key: "metadata.files", label: "First files", format: "list", visible: false },
            { key: "metadata.labels", label: "Labels", format: "list" },
            { key: "metadata.approvals", label: "Approved by", format: "list" },
          ],
        },
      ],
    },
    commit: {
      displayName: "Pushes",
      sections: [{
        title: "Commit",
        fields: [
          projectField,
          { key: "metadata.branch", label: "Branch" },
          shaField,
          { key: "metadata.files", label: "Files", format: "list" },
          { key: "metadata.additions", label: "Additions", format: "number", visible: false },
          { key: "metadata.deletions", label: "Deletions", format: "number", visible: false },
        ],
      }],
    },
    pipeline: {
      displayName: "Pipelines",
      sections: [
        {
          title: "Pipeline",
          fields: [
            projectField,
            { key: "metadata.ref", label: "Ref" },
            shaField,
            { key: "metadata.source", label: "Source" },
            { key: "metadata.durationSeconds", label: "Duration", format: "duration" },
            { key: "metadata.iid", label: "Number", format: "number", visible: false },
          ],
        },
        { title: "Failures", fields: [{ key: "metadata.failedJobs", label: "Failed jobs", format: "list" }] },
      ],
    },
    deployment: {
      displayName: "Deployments",
      sections: [{
        title: "Deployment",
        fields: [
          projectField,
          { key: "metadata.environment", label: "Environment" },
          { key: "metadata.ref", label: "Ref" },
          shaField,
          { key: "metadata.deployable", label: "Job", visible: false },
        ],
      }],
    },
    tag: {
      displayName: "Tags",
      sections: [{ title: "Tag", fields: [projectField, { key: "metadata.tag", label: "Tag" }, shaField] }],
    },
    release: {
      displayName: "Releases",
      sections: [{
        title: "Release",
        fields: [projectField, { key: "metadata.tag", label: "Tag" }, shaField],
      }],
    },
  },
};
