/** Decoding one JetStream message into a valid event, or a reason for the dead-letter stream. */
import {
  cloudEventSchema,
  describeError,
  type Names,
  type PainchainCloudEvent,
} from "@painchain/shared/internal";

export type Decoded =
  | { ok: true; event: PainchainCloudEvent }
  | { ok: false; reason: "invalid_json" | "invalid_event" | "wrong_subject"; detail: string };

const decoder = new TextDecoder("utf-8", { fatal: true });

export function decodeEvent(subject: string, bytes: Uint8Array, n: Names): Decoded {
  let text: string;
  try {
    text = decoder.decode(bytes);
  } catch {
    return { ok: false, reason: "invalid_json", detail: "Payload is not valid UTF-8" };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    return { ok: false, reason: "invalid_json", detail: `Payload is not JSON: ${describeError(err)}` };
  }
  const parsed = cloudEventSchema.safeParse(json);
  if (!parsed.success) return { ok: false, reason: "invalid_event", detail: describeError(parsed.error) };
  const e = parsed.data;
  const want = n.eventSubject(e.data.connector, e.data.eventType);
  if (subject !== want) {
    return { ok: false, reason: "wrong_subject", detail: `Published on ${subject} but belongs on ${want}` };
  }
  return { ok: true, event: e };
}
