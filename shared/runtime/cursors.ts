/**
 * Cursors in KV, one per connection (`<connector>.<connection>`): where the last successful poll got to, and when
 * the connection was last polled by any replica, so a replica that takes a connection over waits out the interval
 * instead of polling again at once.
 */
import type { KV } from "nats";
import { decoder, encoder } from "../nats.ts";

export interface CursorRecord {
  cursor: unknown;
  /** When the cursor was last saved (a successful poll, or progress within one). */
  savedAt: string | null;
  /** When the last poll (successful or not) started. */
  polledAt: string | null;
  /** Failed polls in a row; the next holder keeps backing off. */
  failures: number;
  by: string;
}

export interface Cursors {
  load(connectionId: string): Promise<CursorRecord | null>;
  save(connectionId: string, cursor: unknown): Promise<void>;
  /** Records that a poll started (and, once done, whether it failed), keeping the cursor. */
  markPolled(connectionId: string, at: Date, failures: number): Promise<void>;
}

export function createCursors(kv: KV, connector: string, instanceId: string, now: () => Date): Cursors {
  const key = (id: string) => `${connector}.${id}`;
  const read = async (id: string): Promise<CursorRecord | null> => {
    const e = await kv.get(key(id));
    if (!e || e.operation !== "PUT") return null;
    const raw = JSON.parse(decoder.decode(e.value)) as Partial<CursorRecord>;
    return {
      cursor: raw.cursor ?? null,
      savedAt: raw.savedAt ?? null,
      polledAt: raw.polledAt ?? raw.savedAt ?? null,
      failures: raw.failures ?? 0,
      by: raw.by ?? "",
    };
  };
  const write = async (id: string, rec: CursorRecord) => {
    await kv.put(key(id), encoder.encode(JSON.stringify(rec)));
  };
  // Read fresh every time: another replica may have moved the cursor on since this one last held the connection.
  const current = async (id: string) =>
    await read(id) ?? { cursor: null, savedAt: null, polledAt: null, failures: 0, by: instanceId };
  return {
    load: read,
    async save(id, cursor) {
      await write(id, { ...await current(id), cursor, savedAt: now().toISOString(), by: instanceId });
    },
    async markPolled(id, at, failures) {
      await write(id, { ...await current(id), polledAt: at.toISOString(), failures, by: instanceId });
    },
  };
}
