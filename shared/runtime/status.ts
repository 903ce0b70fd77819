/**
 * Per-connection status of one replica: what the registry heartbeat shows (state, last poll, last error, rate
 * limit), and the status history stream that records each poll's outcome.
 */
import type { JetStreamClient } from "nats";
import { errorFields, type Logger } from "../log.ts";
import type { Names } from "../names.ts";
import { encoder } from "../nats.ts";
import { type ConnectionStatus, startingStatus } from "../registry.ts";

export interface PollRecord {
  outcome: "ok" | "partial" | "error";
  at: string;
  durationMs: number;
  /** The connection's poll interval: a longer silence after this poll is a coverage gap. */
  intervalMs: number;
  events: number;
  /** Time spent waiting for the upstream's rate limit to reset. */
  rateLimitedMs?: number;
  errors?: string[];
  error?: string;
}

export interface StatusBoard {
  get(connectionId: string): ConnectionStatus | undefined;
  patch(connectionId: string, patch: Partial<ConnectionStatus>): void;
  remove(connectionId: string): void;
  all(): ConnectionStatus[];
  /** Appends a poll's outcome to the status history (the coverage record); a failure is logged, not thrown. */
  record(connectionId: string, outcome: PollRecord): void;
}

export function createStatusBoard(o: {
  js: JetStreamClient;
  names: Names;
  connector: string;
  instanceId: string;
  log: Logger;
}): StatusBoard {
  const statuses = new Map<string, ConnectionStatus>();
  return {
    get: (id) => statuses.get(id),
    patch(id, patch) {
      const prev = statuses.get(id) ?? startingStatus(id);
      statuses.set(id, { ...prev, ...patch });
    },
    remove: (id) => void statuses.delete(id),
    all: () => [...statuses.values()],
    record(id, outcome) {
      const body = { connector: o.connector, connectionId: id, instanceId: o.instanceId, ...outcome };
      o.js.publish(o.names.statusSubject(o.connector, id), encoder.encode(JSON.stringify(body))).catch((
        err,
      ) =>
        o.log.warn("A poll outcome was not recorded in the status history", {
          connectionId: id,
          outcome: outcome.outcome,
          at: outcome.at,
          ...errorFields(err),
        })
      );
    },
  };
}
