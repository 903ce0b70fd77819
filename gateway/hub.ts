/** Fan-out of the store's "stored changes" announcements to SSE clients, over one NATS subscription. */
import type { NatsConnection } from "nats";
import { decoder } from "@painchain/shared";

import type { StoredEvent } from "@painchain/shared";

export type StoredChangeMessage = StoredEvent & { op?: string };
export type Listener = (changes: StoredChangeMessage[]) => void;

export interface Hub {
  subscribe(listener: Listener): () => void;
  size(): number;
  close(): void;
}

export function createHub(nc: NatsConnection, subject: string): Hub {
  const listeners = new Set<Listener>();
  const sub = nc.subscribe(subject, {
    callback: (_err, msg) => {
      if (listeners.size === 0) return;
      try {
        const { changes } = JSON.parse(decoder.decode(msg.data));
        if (!Array.isArray(changes)) return;
        for (const l of listeners) l(changes);
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
