/**
 * The connector side of webhooks: the gateway verified each delivery and put its raw body on the webhooks stream;
 * the replicas of a connector share one durable consumer, map each delivery with the connector's own mapping code
 * and publish the changes. A delivery that cannot be mapped is dead-lettered with the reason, never retried forever.
 */
import { AckPolicy, DeliverPolicy, type JsMsg } from "nats";
import { deadLetter as toDeadLetter } from "../dead_letter.ts";
import { HEADERS } from "../wire.ts";
import type { Connection } from "../connection.ts";
import type { MappedChange } from "../event.ts";
import { errorFields, type Logger } from "../log.ts";
import type { Names } from "../names.ts";
import type { Nats } from "../nats.ts";
import { decoder, ensureDurable } from "../nats.ts";
import { backoff, sleep } from "./timing.ts";

export interface WebhookDelivery {
  /** The upstream's event name: `pull_request` (GitHub), `Merge Request Hook` (GitLab) … */
  event: string;
  deliveryId: string;
  payload: unknown;
}

export interface WebhookIntakeOptions {
  nats: Nats;
  names: Names;
  connector: string;
  log: Logger;
  signal: AbortSignal;
  connection(id: string): Promise<Connection | null>;
  map(delivery: WebhookDelivery, connection: Connection): Promise<MappedChange[]> | MappedChange[];
  /** Publishes the changes of one connection; resolves once JetStream acknowledged them. */
  emit(changes: MappedChange[], connectionId: string): Promise<number>;
  ackWaitMs?: number;
}

export async function runWebhookIntake(o: WebhookIntakeOptions): Promise<void> {
  const name = o.names.webhookConsumer(o.connector);
  const stream = o.names.webhooksStream;
  await ensureDurable(o.nats.jsm, stream, {
    durable_name: name,
    filter_subject: o.names.webhookFilter(o.connector),
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    ack_wait: (o.ackWaitMs ?? 30_000) * 1e6,
    max_deliver: -1,
  });
  const consumer = await o.nats.js.consumers.get(stream, name);
  const messages = await consumer.consume({ max_messages: 64 });
  o.signal.addEventListener("abort", () => messages.stop(), { once: true });

  const deadLetter = async (m: JsMsg, reason: string, detail: string) => {
    await toDeadLetter({ js: o.nats.js, names: o.names, stream }, m, reason, detail);
    o.log.warn("Dead-lettered a webhook delivery", { reason, detail: detail.slice(0, 300), seq: m.seq });
  };

  for await (const m of messages) {
    const connectionId = m.subject.slice(m.subject.lastIndexOf(".") + 1);
    const event = m.headers?.get(HEADERS.event) ?? "";
    const deliveryId = m.headers?.get(HEADERS.delivery) ?? String(m.seq);
    try {
      const connection = await o.connection(connectionId);
      if (!connection || !connection.enabled) {
        // Deleted or disabled since the gateway accepted it: nothing to record.
        o.log.info("Dropped a webhook delivery for a missing or disabled connection", {
          connectionId,
          event,
        });
        m.ack();
        continue;
      }
      let payload: unknown;
      try {
        payload = JSON.parse(decoder.decode(m.data));
      } catch (err) {
        await deadLetter(m, "webhook_invalid_json", (err as Error).message);
        continue;
      }
      let changes: MappedChange[];
      try {
        changes = await o.map({ event, deliveryId, payload }, connection);
      } catch (err) {
        await deadLetter(m, "webhook_unmappable", `${event}: ${(err as Error).message}`);
        continue;
      }
      if (changes.length > 0) await o.emit(changes, connectionId);
      m.ack();
    } catch (err) {
      // NATS or KV trouble: try again later.
      o.log.warn("Webhook delivery failed, retrying", { connectionId, event, ...errorFields(err) });
      m.nak(2_000);
    }
  }
}

/** Runs the webhook intake until the signal aborts, restarting it (with backoff) when NATS drops it. */
export async function keepWebhookIntake(o: WebhookIntakeOptions): Promise<void> {
  let attempt = 0;
  while (!o.signal.aborted) {
    try {
      await runWebhookIntake(o);
      attempt = 0;
    } catch (err) {
      if (o.signal.aborted) break;
      o.log.warn("Webhook intake stopped; restarting", errorFields(err));
    }
    await sleep(backoff(++attempt, 500, 15_000), o.signal);
  }
}
