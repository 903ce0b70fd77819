/** What a connector supplies to the runtime, and what the runtime hands back to it. */
import type { Connection } from "../connection.ts";
import type { EnvLookup } from "../secret_refs.ts";
import type { MappedChange } from "../event.ts";
import type { Logger } from "../log.ts";
import type { ConnectorMetadata, ConnectorMetadataInput } from "../metadata.ts";
import type { Names } from "../names.ts";
import type { Buckets, Nats } from "../nats.ts";
import type { ConnectionStatus } from "../registry.ts";
import type { StateStore } from "./state_store.ts";
import type { WebhookDelivery } from "./webhooks.ts";

export interface RateLimitInfo {
  remaining: number;
  limit?: number;
  resetAt?: Date;
}

/**
 * Where a connection's settings came from: the connections file is configuration as code, written by whoever
 * runs PainChain; the API (KV) takes settings from any `write` key. Secrets given as references (env:, file:)
 * were placed by the operator as well. A connector may trust file paths and the like only from those.
 */
export interface Provenance {
  fromFile: boolean;
  /** Secret fields whose value came from a reference. */
  references: string[];
}

export interface BaseContext {
  signal: AbortSignal;
  log: Logger;
  /** fetch under the egress policy: every upstream request a connector makes goes through it. */
  fetch: typeof fetch;
  now(): Date;
}

export interface PollContext extends BaseContext {
  connection: Connection;
  provenance: Provenance;
  /** The cursor saved by the last successful poll, or null on the first poll. */
  cursor: unknown;
  /** Maps, validates and publishes changes; resolves once JetStream has acknowledged all of them. */
  emit(changes: MappedChange[]): Promise<number>;
  /** Saves progress in the middle of a long poll; call it only after `emit` resolved. */
  saveCursor(cursor: unknown): Promise<void>;
  /** State beyond the cursor, kept in KV per connection and shared by replicas. */
  state: StateStore;
  /** Records the upstream rate-limit budget, shown in the connection status. */
  rateLimit(info: RateLimitInfo): void;
  /** Waits (abortably) until the upstream rate limit resets. */
  waitForRateLimit(until: Date): Promise<void>;
}

export interface TestContext extends BaseContext {
  connection: Connection;
  provenance: Provenance;
}

export interface PollOutcome {
  /** Saved after the poll, once every emitted change is acknowledged. */
  cursor?: unknown;
  /** Parts that failed while the rest succeeded (e.g. one repository of many); shown in the status. */
  errors?: string[];
}

export interface RunContext extends BaseContext {
  nats: Nats;
  buckets: Buckets;
  names: Names;
  emit(changes: MappedChange[], connectionId: string): Promise<number>;
  loadCursor(): Promise<unknown>;
  saveCursor(cursor: unknown): Promise<void>;
}

/** Metadata as written: a connector's imported metadata.json, checked against the schema when it starts. */
export type MetadataSource =
  | ConnectorMetadataInput
  | ({ readonly id: string } & Readonly<Record<string, unknown>>);

export interface ConnectorDefinition {
  /** The connector's metadata.json (imported: `import metadata from "./metadata.json" with { type: "json" }`). */
  metadata: MetadataSource;
  /**
   * The connector's folder (`new URL(".", import.meta.url)`). When given, the metadata is checked as that folder's
   * metadata.json (its id is the folder name, its logo a file there) and the logo is read from it.
   */
  folder?: URL;
  /** Logo file (png, svg or jpeg); defaults to the metadata's `logo` in `folder`. */
  logo?: URL;
  poll?(ctx: PollContext): Promise<PollOutcome | void>;
  /** Checks a connection's settings against the upstream (auth, reachability); throws with a clear message. */
  test?(ctx: TestContext): Promise<string>;
  /**
   * Checks a connection's settings without reaching the upstream (the same checks `test` and `poll` start with);
   * throws with a clear message. The gateway asks for it before it saves a connection.
   */
  validate?(connection: Connection, provenance: Provenance): void;
  /** A single long-running worker (one replica at a time holds it), for watch-style connectors. */
  run?(ctx: RunContext): Promise<void>;
  /** Maps a verified webhook delivery (handed over by the gateway) with the same code as the poll. */
  webhook?(delivery: WebhookDelivery, connection: Connection): Promise<MappedChange[]> | MappedChange[];
}

export interface RuntimeDeps {
  nats: Nats;
  buckets: Buckets;
  names: Names;
  log: Logger;
  instanceId: string;
  /** The network under the egress policy; defaults to the global fetch. */
  fetch?: typeof fetch;
  now?: () => Date;
  /** Port of the logo/healthz server; 0 picks a free one. */
  httpPort?: number;
  httpHostname?: string;
  /** How others reach this replica; defaults to http://<hostname>:<port>. */
  advertiseUrl?: string;
  /** Connections given as code (config file), in addition to those in KV. */
  fileConnections?: Connection[];
  heartbeatMs?: number;
  leaseTtlMs?: number;
  /** Opens sealed connection secrets. */
  secretKey?: CryptoKey | null;
  /** Where `env:NAME` secret references are looked up (only names the reference rules allow). */
  env?: EnvLookup;
  /** The folder `file:` secret references may point into. */
  secretsDir?: string;
}

export interface RunningConnector {
  metadata: ConnectorMetadata;
  url: string;
  instanceId: string;
  statuses(): ConnectionStatus[];
  stop(): Promise<void>;
}
