/**
 * A throwaway NATS JetStream cluster on loopback for tests: `nats-server` processes on free ports, each with its
 * own store_dir under one temp folder, routed to each other, with an HTTP monitor to see the meta leader.
 * Nodes can be killed (SIGKILL) and restarted on the same ports and data.
 */
import { signalChild, stopChild } from "./child.ts";
import { freePort } from "./helpers.ts";

export interface ClusterNode {
  name: string;
  clientPort: number;
  clusterPort: number;
  httpPort: number;
  storeDir: string;
  logFile: string;
  proc: Deno.ChildProcess | null;
}

export interface NatsCluster {
  nodes: ClusterNode[];
  dir: string;
  /** Every node's client URL, comma-separated (what NATS_URL takes). */
  url: string;
  /** A node by server name. */
  node(name: string): ClusterNode;
  /** The meta leader's server name as the first answering node reports it, or null. */
  metaLeader(): Promise<string | null>;
  /** Waits until every running node agrees on one meta leader; returns its name. */
  waitForMetaLeader(timeoutMs?: number): Promise<string>;
  kill(name: string): Promise<void>;
  start(name: string): Promise<void>;
  /** The last lines of a node's log, for failure messages. */
  tail(name: string, lines?: number): string;
  stop(): Promise<void>;
}

function config(node: ClusterNode, all: ClusterNode[], clusterName: string): string {
  const routes = all.filter((n) => n !== node).map((n) => `    nats-route://127.0.0.1:${n.clusterPort}`);
  return [
    `server_name: ${node.name}`,
    `listen: 127.0.0.1:${node.clientPort}`,
    `http: 127.0.0.1:${node.httpPort}`,
    `jetstream {`,
    `  store_dir: "${node.storeDir}"`,
    // Small limits: three nodes share one machine with everything else.
    `  max_memory_store: 256MB`,
    `  max_file_store: 2GB`,
    `}`,
    `cluster {`,
    `  name: ${clusterName}`,
    `  listen: 127.0.0.1:${node.clusterPort}`,
    `  routes: [`,
    ...routes,
    `  ]`,
    `}`,
    "",
  ].join("\n");
}

export async function startNatsCluster(size = 3, bin = "nats-server"): Promise<NatsCluster> {
  const dir = await Deno.makeTempDir({ prefix: "painchain-nats-cluster-" });
  const clusterName = `pc_${crypto.randomUUID().slice(0, 8)}`;
  const used = new Set<number>();
  const port = () => {
    for (;;) {
      const p = freePort();
      if (!used.has(p)) {
        used.add(p);
        return p;
      }
    }
  };
  const nodes: ClusterNode[] = Array.from({ length: size }, (_, i) => ({
    name: `n${i + 1}`,
    clientPort: port(),
    clusterPort: port(),
    httpPort: port(),
    storeDir: `${dir}/n${i + 1}/js`,
    logFile: `${dir}/n${i + 1}/server.log`,
    proc: null,
  }));
  for (const n of nodes) {
    await Deno.mkdir(n.storeDir, { recursive: true });
    await Deno.writeTextFile(`${dir}/${n.name}/nats.conf`, config(n, nodes, clusterName));
  }

  const node = (name: string) => {
    const n = nodes.find((x) => x.name === name);
    if (!n) throw new Error(`No cluster node ${name}`);
    return n;
  };
  const tail = (name: string, lines = 30) => {
    try {
      return Deno.readTextFileSync(node(name).logFile).split("\n").slice(-lines).join("\n");
    } catch {
      return "(no log)";
    }
  };
  const start = async (name: string) => {
    const n = node(name);
    if (n.proc) throw new Error(`${name} is already running`);
    n.proc = new Deno.Command(bin, {
      args: ["-c", `${dir}/${n.name}/nats.conf`, "-l", n.logFile],
      stdout: "null",
      stderr: "null",
    }).spawn();
    // Up once its client port answers /healthz (JetStream may still be catching up: see waitForMetaLeader).
    const end = Date.now() + 30_000;
    for (;;) {
      try {
        const r = await fetch(`http://127.0.0.1:${n.httpPort}/varz`);
        await r.body?.cancel();
        if (r.ok) return;
      } catch { /* not yet */ }
      if (Date.now() > end) throw new Error(`nats-server ${name} did not start:\n${tail(name)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  const kill = async (name: string) => {
    const n = node(name);
    if (!n.proc) return;
    signalChild(n.proc, "SIGKILL");
    await n.proc.status;
    n.proc = null;
  };
  const leaderSeenBy = async (n: ClusterNode): Promise<string | null> => {
    try {
      const r = await fetch(`http://127.0.0.1:${n.httpPort}/jsz`, { signal: AbortSignal.timeout(2_000) });
      const body = await r.json() as { meta_cluster?: { leader?: string } };
      return body.meta_cluster?.leader || null;
    } catch {
      return null;
    }
  };
  const metaLeader = async () => {
    for (const n of nodes) {
      if (!n.proc) continue;
      const l = await leaderSeenBy(n);
      if (l) return l;
    }
    return null;
  };
  const waitForMetaLeader = async (timeoutMs = 60_000) => {
    const end = Date.now() + timeoutMs;
    let seen: (string | null)[] = [];
    for (;;) {
      const running = nodes.filter((n) => n.proc);
      seen = await Promise.all(running.map(leaderSeenBy));
      if (seen[0] && seen.every((l) => l === seen[0]) && running.some((n) => n.name === seen[0])) {
        return seen[0];
      }
      if (Date.now() > end) {
        throw new Error(
          `No JetStream meta leader agreed on within ${timeoutMs} ms (seen: ${JSON.stringify(seen)})\n` +
            running.map((n) => `--- ${n.name}\n${tail(n.name, 15)}`).join("\n"),
        );
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  };

  const cluster: NatsCluster = {
    nodes,
    dir,
    url: nodes.map((n) => `nats://127.0.0.1:${n.clientPort}`).join(","),
    node,
    metaLeader,
    waitForMetaLeader,
    kill,
    start,
    tail,
    async stop() {
      for (const n of nodes) {
        if (!n.proc) continue;
        await stopChild(n.proc, 5_000);
        n.proc = null;
      }
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    },
  };
  try {
    await Promise.all(nodes.map((n) => start(n.name)));
  } catch (err) {
    await cluster.stop();
    throw err;
  }
  return cluster;
}
