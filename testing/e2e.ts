/**
 * End-to-end fixtures: a pipeline (store, gateway, database, NATS prefix) beside a fake upstream, with one replica
 * of that upstream's real connector running on the pipeline; everything is stopped after the test.
 */
import { githubConnector } from "@painchain/github";
import { gitlabConnector } from "@painchain/gitlab";
import { FakeGithub, type FakeGithubOptions } from "./fake_github/server.ts";
import { FakeGitlab } from "./fake_gitlab/server.ts";
import { serviceTest } from "./helpers.ts";
import { type Pipeline, type PipelineOptions, startPipeline } from "./pipeline_harness.ts";

type Fake = { start(): Promise<unknown>; stop(): Promise<void> };

function upstreamTest<F extends Fake>(
  name: string,
  fake: () => F,
  start: (pl: Pipeline) => Promise<unknown>,
  fn: (pl: Pipeline, fake: F, t: Deno.TestContext) => Promise<void>,
  opts: PipelineOptions,
): void {
  serviceTest(name, async (t) => {
    const f = fake();
    await f.start();
    const pl = await startPipeline(opts);
    try {
      await start(pl);
      await fn(pl, f, t);
    } finally {
      await pl.close();
      await f.stop();
    }
  });
}

/** A fake GitHub and the GitHub connector (replica gh-1, quick retries) on a pipeline of the test's own. */
export function githubPipelineTest(
  name: string,
  fakeOpts: FakeGithubOptions,
  fn: (pl: Pipeline, fake: FakeGithub, t: Deno.TestContext) => Promise<void>,
  opts: PipelineOptions = {},
): void {
  upstreamTest(
    name,
    () => new FakeGithub(fakeOpts),
    (pl) => pl.connector(githubConnector({ retryBaseMs: 10 }), "gh-1"),
    fn,
    opts,
  );
}

/** A fake GitLab and the GitLab connector (replica gl-1, quick retries) on a pipeline of the test's own. */
export function gitlabPipelineTest(
  name: string,
  fakeOpts: { prefix?: string; token?: string },
  fn: (pl: Pipeline, fake: FakeGitlab, t: Deno.TestContext) => Promise<void>,
  opts: PipelineOptions = {},
): void {
  upstreamTest(
    name,
    () => new FakeGitlab(fakeOpts),
    (pl) => pl.connector(gitlabConnector({ retryBaseMs: 10 }), "gl-1"),
    fn,
    opts,
  );
}
