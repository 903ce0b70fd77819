/**
 * Fan-out of the store's "stored changes" announcements to SSE clients, over one NATS subscription. An
 * announcement carries the changes themselves, or (for changes too large for one NATS message) their keys, which
 * are loaded from Postgres here.
 */
import type { NatsConnection } from "nats";
import { decoder, type StoredEvent } from "@painchain/shared/internal";

export type StoredChangeMessage = StoredEvent & { op?: string };
export type Listener = (changes: StoredChangeMessage[]) => void;
export interface ChangeRef {
  connector: string;
  id: string;
}

export interface Hub {
  subscribe(listener: Listener): () => void;
  size(): number;
  close(): void;
}

export function createHub(
  nc: NatsConnection,
  subject: string,
  load?: (refs: ChangeRef[]) => Promise<StoredChangeMessage[]>,
): Hub {
  const listeners = new Set<Listener>();
  const deliver = (changes: StoredChangeMessage[]) => {
    for (const l of listeners) l(changes);
  };
  const sub = nc.subscribe(subject, {
    callback: (_err, msg) => {
      if (listeners.size === 0) return;
      try {
        const body = JSON.parse(decoder.decode(msg.data));
        if (Array.isArray(body.changes)) deliver(body.changes);
        if (Array.isArray(body.refs) && load) {
          load(body.refs.slice(0, 1000)).then((c) => c.length && deliver(c)).catch(() => {});
        }
      } catch { /* malformed announcement: skipped */ }
    },
  });
  return {
    subscribe(l) {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    size: () => listeners.size,
    close: () => sub.unsubscribe(),
  };
}
