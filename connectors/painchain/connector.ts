/**
 * The painchain connector: watches the connections bucket from its saved revision and publishes an audit event
 * for every change. It runs server-side, so no client can forge or skip one.
 */
import { type KvEntry, KvWatchInclude } from "nats";
import { type Connection, connectionSchema, type ConnectorDefinition, decoder } from "@painchain/shared";
import { auditEvent } from "./audit.ts";
import { metadata } from "./metadata.ts";

function parse(e: KvEntry | null | undefined): Connection | null {
  if (!e || e.operation !== "PUT") return null;
  const p = connectionSchema.safeParse(JSON.parse(decoder.decode(e.value)));
  return p.success ? p.data : null;
}

export const painchainConnector: ConnectorDefinition = {
  metadata,
  logo: new URL("./logo.svg", import.meta.url),
  async run(ctx) {
    const kv = ctx.buckets.connections;
    const saved = (await ctx.loadCursor()) as { revision?: number } | null;
    const last = new Map<string, Connection | null>();
    const previous = async (key: string, revision: number): Promise<Connection | null> => {
      if (last.has(key)) return last.get(key)!;
      // After a restart: the newest earlier revision from the bucket's history.
      let prev: KvEntry | null = null;
      for await (const h of await kv.history({ key })) if (h.revision < revision) prev = h;
      return parse(prev);
    };
    const watcher = await kv.watch({
      key: ">",
      ...(saved?.revision
        ? { resumeFromRevision: saved.revision + 1 }
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
      if (change) await ctx.emit([change], "painchain");
      if (ctx.signal.aborted) break;
      await ctx.saveCursor({ revision: e.revision });
    }
  },
};
