/**
 * The store's parts together: the service catalog (watched, applied to every write, re-applied in the background
 * when it changes), the poll log, and the durable consumer of changes. main.ts and the tests both start it so.
 */
import type { Buckets, Logger, Names, Nats } from "@painchain/shared/internal";
import { rederive, watchCatalog } from "./catalog.ts";
import { type ConsumerOptions, startStoreConsumer, type StoreConsumer } from "./consumer.ts";
import type { Sql } from "./db.ts";
import { startPollLog } from "./poll_log.ts";
import { startUpkeep } from "./retention.ts";

export interface StoreService {
  consumer: StoreConsumer;
  /** Resolves when the background re-derivation (if any) has caught up. */
  settled(): Promise<void>;
  stop(): Promise<void>;
}

export async function startStore(
  o:
    & { nats: Nats; sql: Sql; names: Names; buckets: Buckets; log: Logger; retentionDays?: number }
    & Omit<
      ConsumerOptions,
      "nats" | "sql" | "names" | "log" | "catalog"
    >,
): Promise<StoreService> {
  const background = new AbortController();
  let rederiving: Promise<unknown> = Promise.resolve();
  const catalog = await watchCatalog(o.buckets.catalog, o.log, () => {
    rederiving = rederiving.then(async () => {
      const rows = await rederive(o.sql, catalog.current, { log: o.log, signal: background.signal });
      if (rows > 0) {
        o.log.info("Re-derived services, environments and search vectors", {
          rows,
          version: catalog.current().version,
        });
      }
    });
  });
  await catalog.ready;
  const upkeep = startUpkeep({ sql: o.sql, log: o.log, retentionDays: o.retentionDays ?? 0 });
  await upkeep.ready;
  const polls = await startPollLog(o);
  const consumer = await startStoreConsumer({ ...o, catalog: catalog.current });
  return {
    consumer,
    settled: async () => {
      await rederiving.catch(() => {});
    },
    async stop() {
      background.abort();
      catalog.stop();
      await consumer.stop();
      await polls.stop();
      await upkeep.stop();
      await rederiving.catch(() => {});
    },
  };
}
