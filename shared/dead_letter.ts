/**
 * The dead-letter stream: a message that cannot be used (invalid JSON, broken contract, unmappable webhook) is
 * copied there with the reason in headers, then terminated, so it is never retried forever and never lost.
 */
import { headers as natsHeaders, type JetStreamClient, type JsMsg } from "nats";
import type { Names } from "./names.ts";
import { HEADERS, headerValue } from "./wire.ts";

export async function deadLetter(
  o: { js: JetStreamClient; names: Names; stream: string },
  m: JsMsg,
  reason: string,
  detail: string,
): Promise<void> {
  const h = natsHeaders();
  h.set(HEADERS.reason, reason);
  h.set(HEADERS.detail, headerValue(detail));
  h.set(HEADERS.subject, headerValue(m.subject));
  h.set(HEADERS.stream, o.stream);
  h.set(HEADERS.streamSeq, String(m.seq));
  await o.js.publish(o.names.deadLetterSubject(reason), m.data, {
    headers: h,
    msgID: `dl-${o.stream}-${m.seq}`,
  });
  // No reason argument: "+TERM <reason>" needs NATS 2.10+, and the reason is in the dead letter anyway.
  m.term();
}
