/**
 * Publishing ChangeEvents to JetStream: pipelined, each with `Nats-Msg-Id` = id + content version, retried
 * until acknowledged. A poll's cursor is saved only after `publish` resolves, so nothing unacked is skipped.
 */
import type { JetStreamClient } from "nats";
import { messageId, type PainchainCloudEvent } from "../event.ts";
import type { Names } from "../names.ts";
import { encoder } from "../nats.ts";
import { errorFields, type Logger } from "../log.ts";
import { backoff, sleep } from "./timing.ts";

export interface Publisher {
  /** Resolves when every event is stored in the stream; throws only if the signal aborts first. */
  publish(events: PainchainCloudEvent[], signal?: AbortSignal): Promise<number>;
}

export class PublishAbortedError extends Error {
  constructor(public readonly pending: number) {
    super(`Publishing stopped with ${pending} events not acknowledged`);
    this.name = "PublishAbortedError";
  }
}

export function createPublisher(
  opts: {
    js: JetStreamClient;
    names: Names;
    log: Logger;
    window?: number;
    timeoutMs?: number;
    /** The Nats-Msg-Id of an event; by default its id and content version (a re-poll of the same state is one). */
    messageId?: (e: PainchainCloudEvent) => string;
  },
): Publisher {
  const idOf = opts.messageId ?? messageId;
  const window = opts.window ?? 256;
  const timeout = opts.timeoutMs ?? 10_000;
  const send = (e: PainchainCloudEvent) =>
    opts.js.publish(
      opts.names.eventSubject(e.data.connector, e.data.eventType),
      encoder.encode(JSON.stringify(e)),
      {
        msgID: idOf(e),
        timeout,
      },
    );

  return {
    async publish(events, signal) {
      let pending = events;
      let attempt = 0;
      while (pending.length > 0) {
        if (signal?.aborted) throw new PublishAbortedError(pending.length);
        const failed: PainchainCloudEvent[] = [];
        let lastError: unknown;
        for (let i = 0; i < pending.length; i += window) {
          const slice = pending.slice(i, i + window);
          const results = await Promise.allSettled(slice.map(send));
          results.forEach((r, j) => {
            if (r.status === "rejected") {
              failed.push(slice[j]!);
              lastError = r.reason;
            }
          });
        }
        if (failed.length === 0) break;
        attempt++;
        const wait = backoff(attempt, 250, 15_000);
        opts.log.warn("Publish failed, retrying", {
          failed: failed.length,
          attempt,
          waitMs: wait,
          ...errorFields(lastError),
        });
        await sleep(wait, signal);
        pending = failed;
      }
      return events.length;
    },
  };
}
