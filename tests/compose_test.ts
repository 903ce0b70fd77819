/** compose.yaml as Debian's docker-compose reads it: every service present, connectors scalable. */
import assert from "node:assert/strict";
import { parse } from "yaml";
import { ROOT } from "./stack.ts";

const compose = (env: Record<string, string>) =>
  new Deno.Command("docker-compose", { args: ["-f", "compose.yaml", "config"], cwd: ROOT, env }).output();

Deno.test("compose.yaml refuses to start without an admin token", async () => {
  const env = Deno.env.toObject();
  delete env.PAINCHAIN_ADMIN_TOKEN;
  const out = await compose(env);
  assert.equal(out.success, false);
  assert.match(new TextDecoder().decode(out.stderr), /PAINCHAIN_ADMIN_TOKEN/);
});

Deno.test("compose.yaml is valid and every connector is a scalable service", async () => {
  const out = await compose({
    ...Deno.env.toObject(),
    PAINCHAIN_ADMIN_TOKEN: "compose-test-token-0123456789",
  });
  assert.ok(out.success, `docker-compose config failed: ${new TextDecoder().decode(out.stderr)}`);
  const config = parse(new TextDecoder().decode(out.stdout)) as {
    services: Record<string, Record<string, unknown>>;
  };
  for (const s of ["nats", "postgres", "store", "gateway"]) assert.ok(config.services[s], `service ${s}`);
  for await (const e of Deno.readDir(`${ROOT}connectors`)) {
    if (!e.isDirectory) continue;
    const svc = config.services[e.name];
    assert.ok(svc, `connector ${e.name} has a compose service`);
    assert.equal(svc.ports, undefined, `connector ${e.name} publishes no fixed host port, so --scale works`);
    assert.ok(svc.healthcheck, `connector ${e.name} has a healthcheck`);
    assert.match(JSON.stringify(svc.command), new RegExp(`connectors/${e.name}/main.ts`));
  }
  assert.ok(config.services.gateway!.ports, "the gateway is published");
  const gwEnv = config.services.gateway!.environment as Record<string, string>;
  assert.equal(gwEnv.PAINCHAIN_ADMIN_TOKEN, "compose-test-token-0123456789");
  const dockerfile = await Deno.readTextFile(`${ROOT}Dockerfile`);
  assert.match(dockerfile, /^FROM denoland\/deno:\d+\.\d+\.\d+$/m, "the Deno base image is pinned");
  for await (const e of Deno.readDir(`${ROOT}connectors`)) {
    if (e.isDirectory) {
      assert.ok(dockerfile.includes(`COPY connectors/${e.name}/deno.json`), `Dockerfile installs ${e.name}`);
    }
  }
});
