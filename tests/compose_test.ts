/**
 * compose.yaml as Debian's docker-compose reads it: every service present, connectors scalable, and every service
 * running with exactly the Deno permissions dev/permissions.ts gives it (the same `deno task start` uses).
 */
import assert from "node:assert/strict";
import { parse } from "yaml";
import { COMPOSE_PLACES, permissionFlags, v8Flags } from "../dev/permissions.ts";
import { ROOT } from "./stack.ts";
import { skipWithout } from "./tools.ts";

const compose = (env: Record<string, string>) =>
  new Deno.Command("docker-compose", { args: ["-f", "compose.yaml", "config"], cwd: ROOT, env }).output();

const ignore = skipWithout("docker-compose");

Deno.test({
  name: "compose.yaml refuses to start without an admin token",
  ignore,
  fn: async () => {
    const env: Record<string, string> = { ...Deno.env.toObject(), NATS_TOKEN: "compose-test-nats-token" };
    delete env.PAINCHAIN_ADMIN_TOKEN;
    const out = await compose(env);
    assert.equal(out.success, false);
    assert.match(new TextDecoder().decode(out.stderr), /PAINCHAIN_ADMIN_TOKEN/);
  },
});

/** Connector folders that run as a service (a main.ts); `custom` is hosted by the gateway. */
async function connectorServices(): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(`${ROOT}connectors`)) {
    if (!e.isDirectory || e.name.startsWith("_")) continue;
    try {
      await Deno.stat(`${ROOT}connectors/${e.name}/main.ts`);
      out.push(e.name);
    } catch { /* not a service */ }
  }
  return out.sort();
}

Deno.test({
  name: "compose.yaml is valid, every connector is a scalable service, each with its narrow permissions",
  ignore,
  fn: async () => {
    const out = await compose({
      ...Deno.env.toObject(),
      PAINCHAIN_ADMIN_TOKEN: "compose-test-token-0123456789",
      NATS_TOKEN: "compose-test-nats-token",
    });
    assert.ok(out.success, `docker-compose config failed: ${new TextDecoder().decode(out.stderr)}`);
    const config = parse(new TextDecoder().decode(out.stdout)) as {
      services: Record<string, Record<string, unknown>>;
    };
    for (const s of ["nats", "postgres", "store", "gateway"]) assert.ok(config.services[s], `service ${s}`);
    const at = COMPOSE_PLACES;
    const flags = (svc: Record<string, unknown>) =>
      (svc.command as string[]).filter((a) => a.startsWith("--allow")).sort();
    const v8 = (svc: Record<string, unknown>) =>
      (svc.command as string[]).filter((a) => a.startsWith("--v8"));
    assert.deepEqual(flags(config.services.store!), permissionFlags("store", at).sort());
    assert.deepEqual(v8(config.services.store!), v8Flags("store"));
    assert.deepEqual(flags(config.services.gateway!), permissionFlags("gateway", at).sort());
    for (const id of await connectorServices()) {
      const svc = config.services[id];
      assert.ok(svc, `connector ${id} has a compose service`);
      assert.equal(svc.ports, undefined, `connector ${id} publishes no fixed host port, so --scale works`);
      assert.ok(svc.healthcheck, `connector ${id} has a healthcheck`);
      assert.match(JSON.stringify(svc.command), new RegExp(`connectors/${id}/main.ts`));
      assert.deepEqual(flags(svc), permissionFlags("connector", at, id).sort(), `${id}'s permissions`);
      assert.deepEqual(v8(svc), v8Flags("connector", id), `${id}'s V8 flags`);
      const env = svc.environment as Record<string, string>;
      assert.equal(env.PAINCHAIN_ADMIN_TOKEN, undefined, `${id} never holds the admin token`);
      assert.equal(env.DATABASE_URL, undefined, `${id} never holds the database URL`);
    }
    const natsCommand = JSON.stringify(config.services.nats!.command);
    assert.match(natsCommand, /"--auth","compose-test-nats-token"/, "NATS requires the token");
    for (const s of ["store", "gateway", "github"]) {
      assert.equal(
        (config.services[s]!.environment as Record<string, string>).NATS_TOKEN,
        "compose-test-nats-token",
      );
    }
    const noNatsToken = { ...Deno.env.toObject(), PAINCHAIN_ADMIN_TOKEN: "compose-test-token-0123456789" };
    delete (noNatsToken as Record<string, string>).NATS_TOKEN;
    const refused = await compose(noNatsToken);
    assert.equal(refused.success, false, "compose refuses to start without a NATS token");
    for (const [name, svc] of Object.entries(config.services)) {
      assert.ok(!JSON.stringify(svc.command ?? "").includes('"--allow-all"'), `${name} runs without -A`);
      assert.ok(!JSON.stringify(svc.command ?? "").includes('"-A"'), `${name} runs without -A`);
    }
    assert.ok(config.services.gateway!.ports, "the gateway is published");
    const gwEnv = config.services.gateway!.environment as Record<string, string>;
    assert.equal(gwEnv.PAINCHAIN_ADMIN_TOKEN, "compose-test-token-0123456789");
    const dockerfile = await Deno.readTextFile(`${ROOT}Dockerfile`);
    assert.match(dockerfile, /^FROM denoland\/deno:\d+\.\d+\.\d+$/m, "the Deno base image is pinned");
    for (const id of await connectorServices()) {
      assert.ok(dockerfile.includes(`COPY connectors/${id}/deno.json`), `Dockerfile installs ${id}`);
    }
    assert.doesNotMatch(dockerfile, /"-A"|--allow-all/, "the image's default command is not -A either");
  },
});
