/** GitHub connector metadata: the connection form and the detail panels of every event type. */
import type { ConnectorMetadataInput } from "@painchain/shared";

export const KINDS = ["pull_request", "commit", "release", "tag", "workflow_run", "deployment"] as const;
export type Kind = typeof KINDS[number];

const repoField = { key: "metadata.repository", label: "Repository" };
const shaField = { key: "metadata.sha", label: "Commit", format: "code" as const };

export const metadata: ConnectorMetadataInput = {
  id: "github",
  displayName: "GitHub",
  color: "#00E8A0",
  logo: "logo.svg",
  description: "Pull requests, pushes, releases, tags, Actions runs and deployments from GitHub",
  defaultPollInterval: 300,
  minPollInterval: 60,
  configSchema: [
    {
      key: "token",
      label: "Token",
      type: "password",
      secret: true,
      required: false,
      placeholder: "ghp_… or github_pat_…",
      help:
        "A fine-grained token with read access to contents, pull requests, actions and deployments. Without one, GitHub allows 60 requests an hour.",
    },
    {
      key: "webhookSecret",
      label: "Webhook secret",
      type: "password",
      secret: true,
      required: false,
      placeholder: "openssl rand -hex 32",
      help:
        "Optional. Set the same secret on a GitHub webhook (content type application/json) pointing at /api/webhooks/github/<connection id>: changes then arrive within seconds instead of at the next poll.",
    },
    {
      key: "repositories",
      label: "Repositories",
      type: "list",
      required: false,
      placeholder: "octo/app\nocto/api branches=main,release tags=team-payments",
      help:
        "One per line: owner/repo, optionally followed by branches=a,b (default: the default branch) and tags=x,y (added to its events).",
    },
    {
      key: "organization",
      label: "Organization",
      type: "text",
      required: false,
      placeholder: "octo-org",
      help: "Track every repository of an organization (in addition to the list above).",
    },
    {
      key: "baseUrl",
      label: "GitHub Enterprise API URL",
      type: "url",
      required: false,
      placeholder: "https://github.example.com/api/v3",
      help: "Leave empty for github.com.",
    },
    { key: "pullRequests", label: "Track pull requests", type: "boolean", default: true },
    { key: "commits", label: "Track pushes (commits)", type: "boolean", default: true },
    { key: "releases", label: "Track releases", type: "boolean", default: true },
    { key: "tagsTracked", label: "Track tags", type: "boolean", default: true },
    { key: "workflowRuns", label: "Track Actions workflow runs", type: "boolean", default: true },
    { key: "deployments", label: "Track deployments", type: "boolean", default: true },
    {
      key: "backfillDays",
      label: "Backfill (days)",
      type: "number",
      default: 7,
      min: 0,
      max: 90,
      help: "How far back the first poll looks.",
    },
  ],
  eventTypes: {
    pull_request: {
      displayName: "Pull requests",
      sections: [
        {
          title: "Pull request",
          fields: [
            repoField,
            { key: "metadata.number", label: "Number", format: "number" },
            { key: "metadata.baseBranch", label: "Base" },
            { key: "metadata.headBranch", label: "Head" },
            { key: "metadata.mergeCommitSha", label: "Merge commit", format: "code" },
            { key: "metadata.mergedBy", label: "Merged by" },
            { key: "metadata.draft", label: "Draft", visible: false },
          ],
        },
        {
          title: "Size",
          fields: [
            { key: "metadata.additions", label: "Additions", format: "number" },
            { key: "metadata.deletions", label: "Deletions", format: "number" },
            { key: "metadata.changedFiles", label: "Files changed", format: "number" },
            { key: "metadata.files", label: "First files", format: "list", visible: false },
          ],
        },
        {
          title: "Review",
          fields: [
            { key: "metadata.labels", label: "Labels", format: "list" },
            { key: "metadata.reviewers", label: "Reviewers", format: "list" },
            { key: "metadata.approvals", label: "Approved by", format: "list" },
            { key: "metadata.changesRequested", label: "Changes requested by", format: "list" },
          ],
        },
      ],
    },
    commit: {
      displayName: "Pushes",
      sections: [{
        title: "Commit",
        fields: [
          repoField,
          { key: "metadata.branch", label: "Branch" },
          shaField,
          { key: "metadata.committer", label: "Committer", visible: false },
          { key: "metadata.files", label: "Files", format: "list" },
          { key: "metadata.additions", label: "Additions", format: "number", visible: false },
          { key: "metadata.deletions", label: "Deletions", format: "number", visible: false },
        ],
      }],
    },
    release: {
      displayName: "Releases",
      sections: [{
        title: "Release",
        fields: [
          repoField,
          { key: "metadata.tag", label: "Tag" },
          { key: "metadata.target", label: "Target" },
          { key: "metadata.prerelease", label: "Pre-release" },
          { key: "metadata.assets", label: "Assets", format: "list", visible: false },
        ],
      }],
    },
    tag: {
      displayName: "Tags",
      sections: [{ title: "Tag", fields: [repoField, { key: "metadata.tag", label: "Tag" }, shaField] }],
    },
    workflow_run: {
      displayName: "Workflow runs",
      sections: [
        {
          title: "Run",
          fields: [
            repoField,
            { key: "metadata.workflow", label: "Workflow" },
            { key: "metadata.runNumber", label: "Run", format: "number" },
            { key: "metadata.trigger", label: "Trigger" },
            { key: "metadata.branch", label: "Branch" },
            shaField,
            { key: "metadata.conclusion", label: "Conclusion" },
            { key: "metadata.durationSeconds", label: "Duration", format: "duration" },
            { key: "metadata.attempt", label: "Attempt", format: "number", visible: false },
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
          repoField,
          { key: "metadata.environment", label: "Environment" },
          { key: "metadata.ref", label: "Ref" },
          shaField,
          { key: "metadata.state", label: "State" },
          { key: "metadata.statusDescription", label: "Status detail" },
          { key: "metadata.targetUrl", label: "Target", format: "link", visible: false },
        ],
      }],
    },
  },
};
