/**
 * Audit records: what a caller did through the API that the connections bucket does not show by itself (a
 * connection test, an API key created or revoked). They go to the audit stream, acknowledged before the action
 * runs; the painchain connector turns them into events on the timeline.
 */
import type { JetStreamClient } from "nats";
import { type AuditRecord, encoder, type Names } from "@painchain/shared/internal";
import { UnavailableError } from "./errors.ts";

export interface Audit {
  /** Records an action; throws UnavailableError when it cannot be recorded (the action must not run then). */
  record(r: Omit<AuditRecord, "at">): Promise<void>;
}

export function createAudit(o: { js: JetStreamClient; names: Names; now: () => Date }): Audit {
  return {
    async record(r) {
      const body: AuditRecord = { ...r, at: o.now().toISOString() };
      try {
        await o.js.publish(o.names.auditSubject(r.action), encoder.encode(JSON.stringify(body)), {
          msgID: crypto.randomUUID(),
          timeout: 5_000,
        });
      } catch (err) {
        throw new UnavailableError("The action could not be recorded in the audit trail; try again", {
          cause: err,
        });
      }
    },
  };
}
