/** Audit records on the audit stream: written by the gateway, read by the painchain connector. */
import { z } from "zod";

export const AUDIT_ACTIONS = [
  "connection.tested",
  "key.created",
  "key.revoked",
  "catalog.updated",
  "team.created",
  "team.updated",
  "team.deleted",
] as const;

export const auditRecordSchema = z.object({
  action: z.enum(AUDIT_ACTIONS),
  /** "admin" or "key <name> (<id>)". */
  actor: z.string().max(200),
  at: z.string(),
  /** What was acted on: a connection (connector, id, name) or a key (id, name, scopes). */
  target: z.record(z.string(), z.unknown()),
});
export type AuditRecord = z.output<typeof auditRecordSchema>;
