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

type UpstreamTest<F, O> = (
  name: string,
  fakeOpts: O,
  fn: (pl: Pipeline, fake: F, t: Deno.TestContext) => Promise<void>,
  opts?: PipelineOptions,
) => void;

function upstreamTest<F extends { start(): Promise<unknown>; stop(): Promise<void> }, O>(
  makeFake: (o: O) => F,
  startConnector: (pl: Pipeline) => Promise<unknown>,
): UpstreamTest<F, O> {
  return (name, fakeOpts, fn, opts = {}) =>
    serviceTest(name, async (t) => {
      const fake = makeFake(fakeOpts);
      await fake.start();
      const pl = await startPipeline(opts);
      try {
        await startConnector(pl);
        await fn(pl, fake, t);
      } finally {
        await pl.close();
        await fake.stop();
      }
    });
}

/** A fake GitHub and the GitHub connector (replica gh-1, quick retries) on a pipeline of the test's own. */
export const githubPipelineTest: UpstreamTest<FakeGithub, FakeGithubOptions> = upstreamTest(
  (o) => new FakeGithub(o),
  (pl) => pl.connector(githubConnector({ retryBaseMs: 10 }), "gh-1"),
);

/** A fake GitLab and the GitLab connector (replica gl-1, quick retries) on a pipeline of the test's own. */
export const gitlabPipelineTest: UpstreamTest<FakeGitlab, { prefix?: string; token?: string }> = upstreamTest(
  (o) => new FakeGitlab(o),
  (pl) => pl.connector(gitlabConnector({ retryBaseMs: 10 }), "gl-1"),
);
