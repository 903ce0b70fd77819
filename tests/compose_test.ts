/**
 * compose.yaml as Debian's docker-compose reads it: every service present, connectors scalable, and every service
 * running with exactly the Deno permissions dev/permissions.ts gives it (the same `deno task start` uses).
 * compose.cluster.yaml on top of it: three clustered NATS nodes, three replicas, every service given all three
 * nodes, scalable gateways behind a proxy that sets X-Forwarded-For.
 */
import assert from "node:assert/strict";
import { parse } from "yaml";
import {
  COMPOSE_CLUSTER_PLACES,
  COMPOSE_PLACES,
  hostsOf,
  permissionFlags,
  v8Flags,
} from "../dev/permissions.ts";
import { ROOT, skipWithout } from "@painchain/testing";

const compose = (env: Record<string, string>, files = ["compose.yaml"]) =>
  new Deno.Command("docker-compose", { args: [...files.flatMap((f) => ["-f", f]), "config"], cwd: ROOT, env })
    .output();

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
    assert.equal(config.services.gateway!.ports, undefined, "compose.yaml alone publishes no gateway port");
    // A plain `docker compose up` also reads compose.override.yaml, which publishes the gateway.
    const plain = await new Deno.Command("docker-compose", {
      args: ["config"],
      cwd: ROOT,
      env: {
        ...Deno.env.toObject(),
        PAINCHAIN_ADMIN_TOKEN: "compose-test-token-0123456789",
        NATS_TOKEN: "compose-test-nats-token",
        PAINCHAIN_PORT: "8123",
      },
    }).output();
    assert.ok(plain.success, new TextDecoder().decode(plain.stderr));
    const plainConfig = parse(new TextDecoder().decode(plain.stdout));
    assert.deepEqual(
      plainConfig.services.gateway.ports.map((
        p: { published: number; target: number },
      ) => [p.published, p.target]),
      [[8123, 8000]],
      "docker compose up publishes the gateway on PAINCHAIN_PORT",
    );
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

Deno.test({
  name: "compose.cluster.yaml: three clustered NATS nodes, replicas 3, scalable gateways behind a proxy",
  ignore,
  fn: async () => {
    const env = {
      ...Deno.env.toObject(),
      PAINCHAIN_ADMIN_TOKEN: "compose-test-token-0123456789",
      NATS_TOKEN: "compose-test-nats-token",
    };
    delete (env as Record<string, string>).PAINCHAIN_PORT;
    const files = ["compose.yaml", "compose.cluster.yaml"];
    const out = await compose(env, files);
    assert.ok(out.success, `docker-compose config failed: ${new TextDecoder().decode(out.stderr)}`);
    const config = parse(new TextDecoder().decode(out.stdout)) as {
      services: Record<string, Record<string, unknown>>;
      volumes: Record<string, unknown>;
    };
    const s = config.services;

    // Three NATS nodes, each named, with JetStream and its own volume, routed to all three in one cluster.
    const nodes = ["nats", "nats2", "nats3"];
    const arg = (cmd: string[], flag: string) => cmd[cmd.indexOf(flag) + 1];
    const serverNames = new Set<string>();
    const dataVolumes = new Set<string>();
    for (const node of nodes) {
      const svc = s[node];
      assert.ok(svc, `NATS node ${node}`);
      const cmd = svc.command as string[];
      assert.ok(cmd.includes("--jetstream"), `${node} runs JetStream`);
      assert.equal(arg(cmd, "--auth"), "compose-test-nats-token", `${node} requires the token`);
      assert.equal(arg(cmd, "--cluster_name"), "painchain", `${node} joins the cluster`);
      assert.equal(arg(cmd, "--cluster"), "nats://0.0.0.0:6222", `${node} listens for routes`);
      assert.deepEqual(
        arg(cmd, "--routes")!.split(",").sort(),
        nodes.map((n) => `nats://${n}:6222`).sort(),
        `${node} routes to every node`,
      );
      serverNames.add(arg(cmd, "--server_name")!);
      // docker-compose prints volumes as `source:target:mode`.
      const data = (svc.volumes as string[]).map((v) => v.split(":")).find((v) => v[1] === "/data");
      assert.ok(data?.[0] && config.volumes[data[0]] !== undefined, `${node} keeps /data in a named volume`);
      dataVolumes.add(data[0]);
      assert.equal(svc.ports, undefined, `${node} is not published on the host`);
      assert.ok(svc.healthcheck, `${node} has a healthcheck`);
    }
    assert.equal(serverNames.size, 3, "three distinct server names");
    assert.equal(dataVolumes.size, 3, "three distinct data volumes");

    // Every PainChain service: all three nodes, three replicas, and (store, gateway) leave to reach each.
    const painchain = ["store", "gateway", ...await connectorServices()];
    for (const name of painchain) {
      const svc = s[name]!;
      const e = svc.environment as Record<string, string>;
      assert.deepEqual(
        hostsOf(e.NATS_URL, 4222).sort(),
        ["nats2:4222", "nats3:4222", "nats:4222"],
        `${name}'s NATS_URL names the three nodes`,
      );
      assert.equal(e.PAINCHAIN_STREAM_REPLICAS, "3", `${name} asks for three replicas`);
      assert.equal(e.NATS_TOKEN, "compose-test-nats-token");
      for (const node of nodes) {
        assert.equal(
          (svc.depends_on as Record<string, { condition: string }>)[node]?.condition,
          "service_healthy",
          `${name} waits for ${node}`,
        );
      }
    }
    const flags = (svc: Record<string, unknown>) =>
      (svc.command as string[]).filter((a) => a.startsWith("--allow")).sort();
    const v8 = (svc: Record<string, unknown>) =>
      (svc.command as string[]).filter((a) => a.startsWith("--v8"));
    assert.deepEqual(flags(s.store!), permissionFlags("store", COMPOSE_CLUSTER_PLACES).sort());
    assert.deepEqual(v8(s.store!), v8Flags("store"));
    assert.deepEqual(flags(s.gateway!), permissionFlags("gateway", COMPOSE_CLUSTER_PLACES).sort());
    for (const name of ["store", "gateway"]) {
      const net = flags(s[name]!).find((f) => f.startsWith("--allow-net="))!;
      for (const h of hostsOf((s[name]!.environment as Record<string, string>).NATS_URL, 4222)) {
        assert.ok(net.split("=")[1]!.split(",").includes(h), `${name} may reach ${h}`);
      }
    }

    // The gateway scales: no host port, no fixed name; it trusts the one proxy in front of it.
    const gw = s.gateway!;
    assert.equal(gw.ports, undefined, "the gateway publishes no host port, so --scale gateway=2 works");
    assert.equal(gw.container_name, undefined);
    assert.equal(s.store!.container_name, undefined);
    assert.equal((gw.environment as Record<string, string>).PAINCHAIN_TRUSTED_PROXIES, "1");

    // The proxy publishes 8000 and hands every request to the gateways with the caller in X-Forwarded-For.
    const proxy = s.proxy;
    assert.ok(proxy, "a proxy service");
    assert.match(String(proxy.image), /^caddy:\d+\.\d+\.\d+/, "the proxy image is pinned");
    assert.deepEqual(
      (proxy.ports as { published: number; target: number }[]).map((p) => [Number(p.published), p.target]),
      [[8000, 8000]],
    );
    const mount = (proxy.volumes as string[]).map((v) => v.split(":")).find((v) =>
      v[1] === "/etc/caddy/Caddyfile"
    );
    assert.ok(mount, "the Caddyfile is mounted");
    // Comments dropped: only directives count.
    const caddyfile = (await Deno.readTextFile(mount[0]!)).split("\n").map((l) => l.replace(/#.*$/, "")).join(
      "\n",
    );
    assert.match(caddyfile, /:8000\s*\{/, "the proxy listens on 8000");
    assert.match(caddyfile, /dynamic a \{[^}]*name gateway[^}]*port 8000/s, "every gateway replica, by DNS");
    assert.match(caddyfile, /header_up X-Forwarded-For \{remote_host\}/, "the proxy sets X-Forwarded-For");
    assert.match(caddyfile, /flush_interval -1/, "live streams are not buffered");

    // The cluster file, like compose.yaml, still needs both tokens.
    const noToken = { ...env } as Record<string, string>;
    delete noToken.NATS_TOKEN;
    assert.equal((await compose(noToken, files)).success, false, "refused without a NATS token");
  },
});
