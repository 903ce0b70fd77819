/**
 * GitLab webhook payloads in the shape GitLab sends them (docs: user/project/integrations/webhook_events), with
 * GitLab's "YYYY-MM-DD hh:mm:ss UTC" timestamps. The merge request hook describes a given REST merge request.
 */
// deno-lint-ignore no-explicit-any
type Json = any;

const hookTime = (ms: number) => new Date(ms).toISOString().replace("T", " ").replace(/\.\d+Z$/, " UTC");

export function gitlabHookPayloads(
  o: { project: string; mr: Json; webUrl: string },
): { event: string; payload: Json }[] {
  const now = Date.now();
  const user = { id: 1, name: "Administrator", username: "root", email: "admin@example.com" };
  const project = {
    id: o.mr.project_id,
    name: o.project.split("/").pop(),
    path_with_namespace: o.project,
    web_url: o.webUrl,
    default_branch: "main",
  };
  const sha = "da1560886d4f094c3e6c9ef40349f7d38b5d27d7";
  const commit = {
    id: sha,
    message: "Update Catalan translation to e38cb41.\n\nSee merge request !5",
    title: "Update Catalan translation to e38cb41.",
    timestamp: new Date(now - 30_000).toISOString(),
    url: `${o.webUrl}/-/commit/${sha}`,
    author: { name: "Jordi Mallach", email: "jordi@softcatala.org" },
    added: ["CHANGELOG"],
    modified: ["app/controller/application.rb"],
    removed: [],
  };
  return [
    {
      event: "Merge Request Hook",
      payload: {
        object_kind: "merge_request",
        event_type: "merge_request",
        user,
        project,
        object_attributes: {
          id: o.mr.id,
          iid: o.mr.iid,
          target_branch: "main",
          source_branch: "ms-viewport",
          source_project_id: project.id,
          author_id: 1,
          title: o.mr.title,
          created_at: hookTime(Date.parse(o.mr.created_at)),
          updated_at: hookTime(now - 10_000),
          state: "merged",
          merge_commit_sha: sha,
          description: "Merged by hook",
          url: o.mr.web_url,
          target_project_id: project.id,
          last_commit: { id: sha },
          draft: false,
          work_in_progress: false,
          action: "merge",
        },
        labels: [{ id: 206, title: "API" }],
      },
    },
    {
      event: "Pipeline Hook",
      payload: {
        object_kind: "pipeline",
        object_attributes: {
          id: 31,
          iid: 3,
          name: "Pipeline for branch: main",
          ref: "main",
          tag: false,
          sha,
          source: "push",
          status: "success",
          detailed_status: "passed",
          stages: ["build", "test"],
          created_at: hookTime(now - 300_000),
          finished_at: hookTime(now - 60_000),
          duration: 63,
          url: `${o.webUrl}/-/pipelines/31`,
        },
        user,
        project,
        builds: [
          { id: 380, stage: "build", name: "build-image", status: "success" },
          { id: 381, stage: "test", name: "test", status: "success" },
        ],
      },
    },
    {
      event: "Push Hook",
      payload: {
        object_kind: "push",
        event_name: "push",
        before: "95790bf891e76fee5e1747ab589903a6a1f80f22",
        after: sha,
        ref: "refs/heads/main",
        checkout_sha: sha,
        user_id: 1,
        user_name: "Administrator",
        user_username: "root",
        project_id: project.id,
        project,
        commits: [commit],
        total_commits_count: 1,
      },
    },
    {
      event: "Tag Push Hook",
      payload: {
        object_kind: "tag_push",
        event_name: "tag_push",
        before: "0000000000000000000000000000000000000000",
        after: "82b3d5ae55f7080f1e6022629cdb57bfae7cccc7",
        ref: "refs/tags/v1.0.0",
        checkout_sha: sha,
        user_username: "root",
        project_id: project.id,
        project,
        commits: [commit],
        total_commits_count: 1,
      },
    },
    {
      event: "Deployment Hook",
      payload: {
        object_kind: "deployment",
        status: "success",
        status_changed_at: hookTime(now - 20_000),
        deployment_id: 15,
        deployable_id: 796,
        deployable_url: `${o.webUrl}/-/jobs/796`,
        environment: "staging",
        environment_external_url: "https://staging.example.com",
        project,
        short_sha: sha.slice(0, 8),
        user,
        commit_url: `${o.webUrl}/-/commit/${sha}`,
        commit_title: "Add new file",
        ref: "main",
      },
    },
    {
      event: "Release Hook",
      payload: {
        id: 1,
        created_at: hookTime(now - 15_000),
        description: "v1.1 has been released",
        name: "v1.1",
        released_at: hookTime(now - 15_000),
        tag: "v1.1",
        object_kind: "release",
        project,
        url: `${o.webUrl}/-/releases/v1.1`,
        action: "create",
        commit: { id: sha, message: "Add new file", title: "Add new file" },
      },
    },
  ];
}
