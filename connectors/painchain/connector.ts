/**
 * The painchain connector: the audit trail of PainChain itself. It watches the connections bucket from its saved
 * revision (an event for every change, with a field diff in which secrets never appear, naming who wrote it) and
 * reads the audit stream the gateway writes (connection tests, API keys). It runs server-side, so no client can
 * forge or skip an audit event.
 */
import { type KvEntry, KvWatchInclude } from "nats";
import type { ConnectorDefinition, RunContext } from "@painchain/shared";
import {
  auditRecordSchema,
  type Connection,
  connectionSchema,
  decoder,
  storableCopy,
} from "@painchain/shared/internal";
import metadata from "./metadata.json" with { type: "json" };
import { auditEvent, auditRecordEvent } from "./audit.ts";

interface Cursor {
  revision?: number;
  auditSeq?: number;
}

function parse(e: KvEntry | null | undefined): Connection | null {
  if (!e || e.operation !== "PUT") return null;
  const p = connectionSchema.safeParse(JSON.parse(decoder.decode(e.value)));
  return p.success ? p.data : null;
}

async function watchConnections(ctx: RunContext, cursor: Cursor, save: () => Promise<void>) {
  const kv = ctx.buckets.connections;
  const last = new Map<string, Connection | null>();
  const previous = async (key: string, revision: number): Promise<Connection | null> => {
    if (last.has(key)) return last.get(key)!;
    // After a restart: the newest earlier revision from the bucket's history. That read is an ordered consumer
    // that ends when nothing is pending, a signal that can be missed under load: it gets 10 s, else no diff.
    let prev: KvEntry | null = null;
    const history = await kv.history({ key });
    const timer = setTimeout(() => history.stop(), 10_000);
    try {
      for await (const h of history) if (h.revision < revision) prev = h;
    } finally {
      clearTimeout(timer);
    }
    return parse(prev);
  };
  const watcher = await kv.watch({
    key: ">",
    ...(cursor.revision
      ? { resumeFromRevision: cursor.revision + 1 }
      : { include: KvWatchInclude.AllHistory }),
  });
  ctx.signal.addEventListener("abort", () => watcher.stop(), { once: true });
  for await (const e of watcher) {
    const prev = await previous(e.key, e.revision);
    const next = parse(e);
    last.set(e.key, next);
    const change = auditEvent({
      key: e.key,
      revision: e.revision,
      time: e.created,
      operation: e.operation,
      prev,
      next,
    });
    // The audit trail never drops an event for its content: text Postgres cannot hold is replaced, not refused.
    if (change) await ctx.emit([storableCopy(change)], "painchain");
    if (ctx.signal.aborted) break;
    cursor.revision = e.revision;
    await save();
  }
}

async function readAuditStream(ctx: RunContext, cursor: Cursor, save: () => Promise<void>) {
  // An ordered consumer from the saved sequence (no subject filter: NATS 2.9 takes none for ordered consumers, and
  // the stream holds only audit records).
  const consumer = await ctx.nats.js.consumers.get(
    ctx.names.auditStream,
    cursor.auditSeq ? { opt_start_seq: cursor.auditSeq + 1 } : {},
  );
  const messages = await consumer.consume();
  ctx.signal.addEventListener("abort", () => messages.stop(), { once: true });
  for await (const m of messages) {
    const r = auditRecordSchema.safeParse(JSON.parse(decoder.decode(m.data)));
    if (r.success) await ctx.emit([storableCopy(auditRecordEvent(r.data, m.seq))], "painchain");
    else ctx.log.warn("Skipped a malformed audit record", { seq: m.seq });
    if (ctx.signal.aborted) break;
    cursor.auditSeq = m.seq;
    await save();
  }
}

export const painchainConnector: ConnectorDefinition = {
  metadata,
  folder: new URL(".", import.meta.url),
  async run(ctx) {
    const cursor: Cursor = { ...((await ctx.loadCursor()) as Cursor | null ?? {}) };
    let saving = Promise.resolve();
    const save = () => (saving = saving.then(() => ctx.saveCursor({ ...cursor })));
    await Promise.all([watchConnections(ctx, cursor, save), readAuditStream(ctx, cursor, save)]);
  },
};
