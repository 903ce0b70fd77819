/** Runs a connector's poll function directly, the way the runtime does, and records what it emits. */
import {
  type Buckets,
  type Connection,
  connectionKey,
  encoder,
  type MappedChange,
  memoryStateStore,
  type PainchainCloudEvent,
  type PollContext,
  type PollOutcome,
  type RateLimitInfo,
  silentLogger,
  toCloudEvent,
} from "@painchain/shared/internal";

export function connection(
  connector: string,
  config: Record<string, unknown>,
  secrets: Record<string, string> = {},
  over: Partial<Connection> = {},
): Connection {
  return {
    id: "conn1",
    connector,
    name: "Test",
    enabled: true,
    pollInterval: 60,
    tags: ["prod"],
    config,
    secrets,
    createdAt: "2026-11-01T00:00:00Z",
    updatedAt: "2026-11-01T00:00:00Z",
    ...over,
  };
}

/** A GitHub connection's settings for a fake at `baseUrl` that track only the pull requests of `repositories`. */
export function githubPullsOnly(baseUrl: string, repositories: string[] | string): Record<string, unknown> {
  return {
    repositories,
    baseUrl,
    commits: false,
    releases: false,
    tagsTracked: false,
    workflowRuns: false,
    deployments: false,
  };
}

/** A connection named by its id, untagged, polled every `pollInterval` s: what the replica tests write. */
export function namedConnection(
  connector: string,
  id: string,
  pollInterval: number,
  config: Record<string, unknown>,
): Connection {
  return connection(connector, config, {}, { id, name: id, pollInterval, tags: [] });
}

/** Writes a connection into the connections bucket as the gateway stores it, created and updated now. */
export async function putConnection(kv: Buckets["connections"], c: Connection): Promise<void> {
  const stamp = new Date().toISOString();
  await kv.put(
    connectionKey(c.connector, c.id),
    encoder.encode(JSON.stringify({ ...c, createdAt: stamp, updatedAt: stamp })),
  );
}

export interface PollRun {
  outcome: PollOutcome;
  events: PainchainCloudEvent[];
  rateLimits: RateLimitInfo[];
  waits: Date[];
}

/** Polls once from `cursor`; every emitted change must validate as a CloudEvent. */
export async function pollOnce(
  poll: (ctx: PollContext) => Promise<PollOutcome | void>,
  conn: Connection,
  cursor: unknown,
  opts: { now?: Date; signal?: AbortSignal } = {},
): Promise<PollRun> {
  const events: PainchainCloudEvent[] = [];
  const rateLimits: RateLimitInfo[] = [];
  const waits: Date[] = [];
  const now = opts.now ?? new Date();
  const outcome = await poll({
    connection: conn,
    cursor,
    provenance: { fromFile: false, references: [] },
    signal: opts.signal ?? new AbortController().signal,
    log: silentLogger,
    fetch,
    now: () => now,
    emit: (changes: MappedChange[]) => {
      for (const c of changes) {
        events.push(
          toCloudEvent(c, { connector: conn.connector, connectionId: conn.id, recordedAt: new Date() }),
        );
      }
      return Promise.resolve(changes.length);
    },
    saveCursor: () => Promise.resolve(),
    state: memoryStateStore(),
    rateLimit: (info) => rateLimits.push(info),
    waitForRateLimit: async (until) => {
      waits.push(until);
      await new Promise((r) => setTimeout(r, Math.max(0, until.getTime() - Date.now())));
    },
  });
  return { outcome: outcome ?? {}, events, rateLimits, waits };
}
