/** Strings that cross process boundaries: NATS header names. Defined once, read by every side. */
export const HEADERS = {
  /** Dead letters: why the message was refused (a short code). */
  reason: "Painchain-Reason",
  /** Dead letters: the validation message, one line. */
  detail: "Painchain-Detail",
  /** Dead letters: the subject the message was published on. */
  subject: "Painchain-Subject",
  /** Dead letters: the message's sequence in the stream it came from. */
  stream: "Painchain-Stream",
  streamSeq: "Painchain-Stream-Seq",
  /** Webhook deliveries: the upstream's event name (X-GitHub-Event, X-Gitlab-Event). */
  event: "Painchain-Event",
  /** Webhook deliveries: the upstream's delivery id. */
  delivery: "Painchain-Delivery",
  /** Audit records: who acted. */
  actor: "Painchain-Actor",
} as const;

/** One header value: a single line, at most 1000 characters. */
export function headerValue(s: string): string {
  return s.replace(/[\r\n]+/g, " ").slice(0, 1000);
}
