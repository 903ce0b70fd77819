/**
 * The store's durable JetStream consumer: reads in batches (up to `batchMax` messages or `windowMs`), writes each
 * batch in one statement, acks only after the commit, dead-letters invalid messages with the reason, naks with a
 * delay when Postgres is away, and announces stored changes on a core NATS subject.
 */
import { AckPolicy, type ConsumerMessages, DeliverPolicy, type JsMsg } from "nats";
import {
  deadLetter as toDeadLetter,
  describeError,
  encoder,
  errorFields,
  type Logger,
  type Names,
  type Nats,
} from "@painchain/shared/internal";
import type { Sql } from "./db.ts";
import { type CatalogState, type StoredChange, upsertEvents } from "./upsert.ts";
import { decodeEvent } from "./validate.ts";
import type { PainchainCloudEvent } from "@painchain/shared/internal";

export interface StoreStats {
  received: number;
  stored: number;
  inserted: number;
  updated: number;
  unchanged: number;
  deadLettered: number;
  retried: number;
  batches: number;
}

export interface StoreConsumer {
  stats: StoreStats;
  /** Resolves when the consumer has stopped. */
  done: Promise<void>;
  stop(): Promise<void>;
}

export interface ConsumerOptions {
  nats: Nats;
  sql: Sql;
  names: Names;
  log: Logger;
  batchMax?: number;
  windowMs?: number;
  /** Delay before a batch that failed on a transient database error is redelivered. */
  retryDelayMs?: number;
  /** Batches written at the same time. */
  concurrency?: number;
  /** Redelivery delay of unacknowledged messages, set when the durable consumer is created. */
  ackWaitMs?: number;
  /** The service catalog applied to every write. */
  catalog?: () => CatalogState;
}

const COMMA = new TextEncoder().encode(",");
const CLOSE = new TextEncoder().encode("]}");

/**
 * SQLSTATEs that mean "this data is bad", not "the database is away or misconfigured": data exceptions (22),
 * integrity violations (23), program limits (54, e.g. a vector too long) and 42601, which is how Postgres refuses
 * a malformed tsvector. The rest of class 42 (a missing table or function, a revoked privilege) is the database's
 * state, not the data's: those batches are retried, never dead-lettered.
 */
export function isDataError(err: unknown): boolean {
  const code = (err as { code?: string })?.code;
  return typeof code === "string" && (/^(22|23|54)/.test(code) || code === "42601");
}

/** Redelivery delays of an unacknowledged message: soon after a store crash, then less often. */
export const REDELIVERY_BACKOFF_MS = [5_000, 15_000, 30_000, 60_000];

export async function ensureStoreConsumer(
  nats: Nats,
  n: Names,
  batchMax: number,
  ackWaitMs = 60_000,
): Promise<void> {
  // The backoff replaces ack_wait for each redelivery (the last delay repeats); ackWaitMs caps it, for tests.
  const backoff = REDELIVERY_BACKOFF_MS.map((ms) => Math.min(ms, ackWaitMs) * 1e6);
  const config = {
    durable_name: n.storeConsumer,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    ack_wait: Math.min(ackWaitMs, REDELIVERY_BACKOFF_MS[0]!) * 1e6,
    backoff,
    max_ack_pending: Math.max(10_000, batchMax * 4),
    // Effectively unlimited; NATS needs a number above the backoff's length.
    max_deliver: 1_000_000,
  };
  try {
    const info = await nats.jsm.consumers.info(n.eventsStream, n.storeConsumer);
    if (JSON.stringify(info.config.backoff ?? []) !== JSON.stringify(backoff)) {
      await nats.jsm.consumers.update(n.eventsStream, n.storeConsumer, {
        ack_wait: config.ack_wait,
        backoff,
        max_deliver: config.max_deliver,
      });
    }
  } catch {
    await nats.jsm.consumers.add(n.eventsStream, config).catch(async (err) => {
      // Another store made it at the same moment.
      await nats.jsm.consumers.info(n.eventsStream, n.storeConsumer).catch(() => {
        throw err;
      });
    });
  }
}

export async function startStoreConsumer(opts: ConsumerOptions): Promise<StoreConsumer> {
  const { nats, sql, names: n, log } = opts;
  const batchMax = opts.batchMax ?? 1000;
  const windowMs = opts.windowMs ?? 50;
  const retryDelayMs = opts.retryDelayMs ?? 2_000;
  const concurrency = opts.concurrency ?? 2;
  const stats: StoreStats = {
    received: 0,
    stored: 0,
    inserted: 0,
    updated: 0,
    unchanged: 0,
    deadLettered: 0,
    retried: 0,
    batches: 0,
  };

  await ensureStoreConsumer(nats, n, batchMax, opts.ackWaitMs);
  const consumer = await nats.js.consumers.get(n.eventsStream, n.storeConsumer);
  // A bounded buffer: enough for the batches in flight plus the next one, and no more (memory stays flat).
  // Pulls expire after 5 s (heartbeats every 2.5 s), so a consumer whose leader moved to another node (a JetStream
  // cluster losing a node) is noticed within seconds instead of after the 30 s default.
  const messages: ConsumerMessages = await consumer.consume({ max_messages: batchMax * 2, expires: 5_000 });

  const deadLetter = async (m: JsMsg, reason: string, detail: string) => {
    await toDeadLetter({ js: nats.js, names: n, stream: n.eventsStream }, m, reason, detail);
    stats.deadLettered++;
    log.warn("Dead-lettered a message", {
      reason,
      detail: detail.slice(0, 300),
      seq: m.seq,
      subject: m.subject,
    });
  };

  /**
   * Tells live views what was stored, in messages within NATS's max payload. A change too large for one message
   * (descriptions and metadata may reach ~90 KB, a batch many MB) is announced by its key and read by the gateway.
   */
  const announce = (stored: StoredChange[]) => {
    const limit = Math.max(64 * 1024, (nats.nc.info?.max_payload ?? 1024 * 1024) - 4096);
    let parts: Uint8Array[] = [];
    let size = 0;
    const refs: { connector: string; id: string }[] = [];
    const send = () => {
      if (parts.length === 0) return;
      const out = new Uint8Array(size + parts.length + 16);
      let o = 0;
      for (
        const piece of [
          encoder.encode('{"changes":['),
          ...parts.flatMap((p, i) => (i ? [COMMA, p] : [p])),
          CLOSE,
        ]
      ) {
        out.set(piece, o);
        o += piece.length;
      }
      nats.nc.publish(n.storedSubject, out.subarray(0, o));
      parts = [];
      size = 0;
    };
    for (const s of stored) {
      const bytes = encoder.encode(JSON.stringify(s));
      if (bytes.length > limit - 32) {
        refs.push({ connector: s.connector, id: s.id });
        continue;
      }
      if (size + bytes.length + parts.length + 32 > limit) send();
      parts.push(bytes);
      size += bytes.length;
    }
    send();
    for (let i = 0; i < refs.length; i += 1000) {
      nats.nc.publish(n.storedSubject, encoder.encode(JSON.stringify({ refs: refs.slice(i, i + 1000) })));
    }
  };

  /** Writes valid events; on a data error, splits the batch to find and dead-letter the rows Postgres refuses. */
  const write = async (items: { m: JsMsg; e: PainchainCloudEvent }[]): Promise<StoredChange[]> => {
    try {
      return await upsertEvents(sql, items.map((x) => x.e), opts.catalog?.());
    } catch (err) {
      if (!isDataError(err)) throw err;
      if (items.length === 1) {
        await deadLetter(items[0]!.m, "rejected_by_database", describeError(err));
        items.length = 0;
        return [];
      }
      const mid = Math.ceil(items.length / 2);
      const left = items.slice(0, mid);
      const right = items.slice(mid);
      const stored = [...await write(left), ...await write(right)];
      items.splice(0, items.length, ...left, ...right);
      return stored;
    }
  };

  const processBatch = async (batch: JsMsg[]) => {
    stats.received += batch.length;
    stats.batches++;
    const valid: { m: JsMsg; e: PainchainCloudEvent }[] = [];
    const dead: Promise<void>[] = [];
    for (const m of batch) {
      const d = decodeEvent(m.subject, m.data, n);
      if (d.ok) valid.push({ m, e: d.event });
      else {dead.push(
          deadLetter(m, d.reason, d.detail).catch((err) => {
            log.error("Dead-letter publish failed; will retry", errorFields(err));
            m.nak(retryDelayMs);
          }),
        );}
    }
    await Promise.all(dead);
    if (valid.length === 0) return;
    let stored: StoredChange[];
    try {
      stored = await write(valid);
    } catch (err) {
      stats.retried += valid.length;
      log.error("Write failed; messages will be redelivered", { count: valid.length, ...errorFields(err) });
      for (const { m } of valid) m.nak(retryDelayMs);
      await new Promise((r) => setTimeout(r, Math.min(retryDelayMs, 1_000)));
      return;
    }
    for (const { m } of valid) m.ack();
    stats.stored += valid.length;
    for (const s of stored) s.op === "inserted" ? stats.inserted++ : stats.updated++;
    stats.unchanged += valid.length - stored.length;
    if (stored.length > 0) {
      try {
        announce(stored);
      } catch (err) {
        // Stored and acknowledged: only the live views miss it (they catch up on their next read).
        log.warn("Announcing stored changes failed", { count: stored.length, ...errorFields(err) });
      }
    }
  };

  // Batches are written by up to `concurrency` statements at once: Postgres works on one while the next is
  // decoded. Rows are sorted by key inside each statement, so concurrent statements lock in the same order.
  let batch: JsMsg[] = [];
  let timer: ReturnType<typeof setTimeout> | undefined;
  const inFlight = new Set<Promise<void>>();
  const flush = async () => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    if (batch.length === 0) return;
    const taken = batch;
    batch = [];
    while (inFlight.size >= concurrency) await Promise.race(inFlight);
    const p: Promise<void> = processBatch(taken)
      .catch((err) => log.error("Batch failed", errorFields(err)))
      .finally(() => inFlight.delete(p));
    inFlight.add(p);
  };

  const done = (async () => {
    for await (const m of messages) {
      batch.push(m);
      if (batch.length >= batchMax) await flush();
      else if (timer === undefined) timer = setTimeout(() => void flush(), windowMs);
    }
    await flush();
    await Promise.all(inFlight);
  })();

  return {
    stats,
    done,
    async stop() {
      await messages.close();
      await done;
      await Promise.all(inFlight);
    },
  };
}
