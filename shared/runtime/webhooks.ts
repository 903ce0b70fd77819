/**
 * The connector side of webhooks: the gateway verified each delivery and put its raw body on the webhooks stream;
 * the replicas of a connector share one durable consumer, map each delivery with the connector's own mapping code
 * and publish the changes. A delivery that cannot be mapped is dead-lettered with the reason, never retried forever.
 */
import { AckPolicy, DeliverPolicy, headers as natsHeaders, type JsMsg } from "nats";
import type { Connection } from "../connection.ts";
import type { MappedChange } from "../event.ts";
import { errorFields, type Logger } from "../log.ts";
import type { Names } from "../names.ts";
import type { Nats } from "../nats.ts";
import { decoder } from "../nats.ts";

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
  try {
    await o.nats.jsm.consumers.info(stream, name);
  } catch {
    await o.nats.jsm.consumers.add(stream, {
      durable_name: name,
      filter_subject: o.names.webhookFilter(o.connector),
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      ack_wait: (o.ackWaitMs ?? 30_000) * 1e6,
      max_deliver: -1,
    }).catch(async (err) => {
      // Another replica made it at the same moment.
      await o.nats.jsm.consumers.info(stream, name).catch(() => {
        throw err;
      });
    });
  }
  const consumer = await o.nats.js.consumers.get(stream, name);
  const messages = await consumer.consume({ max_messages: 64 });
  o.signal.addEventListener("abort", () => messages.stop(), { once: true });

  const deadLetter = async (m: JsMsg, reason: string, detail: string) => {
    const h = natsHeaders();
    h.set("Painchain-Reason", reason);
    h.set("Painchain-Detail", detail.replace(/[\r\n]+/g, " ").slice(0, 1000));
    h.set("Painchain-Subject", m.subject);
    await o.nats.js.publish(o.names.deadLetterSubject(reason), m.data, {
      headers: h,
      msgID: `dl-${stream}-${m.seq}`,
    });
    m.term();
    o.log.warn("Dead-lettered a webhook delivery", { reason, detail: detail.slice(0, 300), seq: m.seq });
  };

  for await (const m of messages) {
    const connectionId = m.subject.slice(m.subject.lastIndexOf(".") + 1);
    const event = m.headers?.get("Painchain-Event") ?? "";
    const deliveryId = m.headers?.get("Painchain-Delivery") ?? String(m.seq);
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
