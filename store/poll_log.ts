/**
 * The status history (every poll's outcome, from every connector replica) copied into Postgres: the record of what
 * PainChain was watching, from which coverage gaps are computed. A durable consumer, batched, acked after commit.
 */
import { AckPolicy, DeliverPolicy, type JsMsg } from "nats";
import {
  decoder,
  ensureDurable,
  errorFields,
  type Logger,
  type Names,
  type Nats,
} from "@painchain/shared/internal";
import { z } from "zod";
import type { Sql } from "./db.ts";

const recordSchema = z.object({
  connector: z.string().max(64),
  connectionId: z.string().max(128),
  instanceId: z.string().max(200).default(""),
  outcome: z.enum(["ok", "partial", "error"]),
  at: z.iso.datetime({ offset: true }),
  durationMs: z.number().int().min(0).default(0),
  intervalMs: z.number().int().min(0).default(0),
  events: z.number().int().min(0).default(0),
  rateLimitedMs: z.number().int().min(0).default(0),
  error: z.string().max(2000).optional(),
  errors: z.array(z.string()).optional(),
});

export const POLL_LOG_CONSUMER = "store_polls";

export async function startPollLog(o: { nats: Nats; sql: Sql; names: Names; log: Logger }) {
  const stream = o.names.statusStream;
  await ensureDurable(o.nats.jsm, stream, {
    durable_name: POLL_LOG_CONSUMER,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    ack_wait: 30_000 * 1e6,
    max_deliver: 1_000_000,
  });
  const consumer = await o.nats.js.consumers.get(stream, POLL_LOG_CONSUMER);
  const messages = await consumer.consume({ max_messages: 500 });
  let batch: JsMsg[] = [];
  let timer: ReturnType<typeof setTimeout> | undefined;
  const flush = async () => {
    clearTimeout(timer);
    timer = undefined;
    const taken = batch;
    batch = [];
    if (taken.length === 0) return;
    const rows = [];
    for (const m of taken) {
      try {
        const r = recordSchema.parse(JSON.parse(decoder.decode(m.data)));
        rows.push({
          connector: r.connector,
          connection_id: r.connectionId,
          at: r.at,
          outcome: r.outcome,
          duration_ms: r.durationMs,
          interval_ms: r.intervalMs,
          events: r.events,
          rate_limited_ms: r.rateLimitedMs,
          instance_id: r.instanceId,
          error: (r.error ?? r.errors?.join("; ") ?? "").slice(0, 2000),
        });
      } catch {
        m.term(); // not a poll record: nothing to keep
      }
    }
    // One row per poll (a redelivered record may repeat one in the same batch).
    const unique = [
      ...new Map(rows.map((r) => [`${r.connector}\u0000${r.connection_id}\u0000${r.at}`, r])).values(),
    ];
    try {
      if (unique.length) {
        await o.sql`
          INSERT INTO poll_log ${o.sql(unique as never)}
          ON CONFLICT (connector, connection_id, at) DO UPDATE SET outcome = excluded.outcome,
            duration_ms = excluded.duration_ms, interval_ms = excluded.interval_ms, events = excluded.events,
            rate_limited_ms = excluded.rate_limited_ms,
            instance_id = excluded.instance_id, error = excluded.error`;
      }
      for (const m of taken) m.ack();
    } catch (err) {
      o.log.warn("Poll log write failed; will retry", errorFields(err));
      for (const m of taken) m.nak(2_000);
    }
  };
  const done = (async () => {
    for await (const m of messages) {
      batch.push(m);
      if (batch.length >= 200) await flush();
      else timer ??= setTimeout(() => void flush(), 100);
    }
    await flush();
  })();
  return {
    async stop() {
      await messages.close();
      await done;
    },
  };
}
