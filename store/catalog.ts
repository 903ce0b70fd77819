/**
 * The service catalog in the store: rules watched in KV (the file's and the API's), applied to every write, and
 * re-applied in the background to rows written under an older catalog — in small batches, one store at a time
 * (an advisory lock), never holding up ingest.
 */
import type { KV, KvEntry } from "nats";
import { parse as parseYaml } from "yaml";
import {
  CATALOG_KEYS,
  catalogSchema,
  catalogVersion,
  decoder,
  derive,
  describeError,
  effectiveCatalog,
  encoder,
  errorFields,
  type Logger,
  type StoredCatalog,
} from "@painchain/shared/internal";
import { SEARCH_VERSION, searchVector } from "@painchain/shared/search";
import type { Sql } from "./db.ts";

export type { CatalogState } from "./upsert.ts";
import type { CatalogState } from "./upsert.ts";

export interface CatalogWatch {
  current(): CatalogState;
  /** Resolves when the first values have been read. */
  ready: Promise<void>;
  stop(): void;
}

/** Puts PAINCHAIN_CATALOG_FILE's rules into KV (when they changed), so every store and gateway sees them. */
export async function publishCatalogFile(kv: KV, path: string): Promise<number> {
  const raw = parseYaml(await Deno.readTextFile(path));
  const parsed = catalogSchema.safeParse(Array.isArray(raw) ? { rules: raw } : raw);
  if (!parsed.success) throw new Error(`${path}: ${describeError(parsed.error)}`);
  const e = await kv.get(CATALOG_KEYS.file);
  const prev = e && e.operation === "PUT" ? (JSON.parse(decoder.decode(e.value)) as StoredCatalog) : null;
  if (prev && JSON.stringify(prev.rules) === JSON.stringify(parsed.data.rules)) {
    return parsed.data.rules.length;
  }
  const stored: StoredCatalog = {
    rules: parsed.data.rules,
    updatedAt: new Date().toISOString(),
    updatedBy: path,
  };
  await kv.put(CATALOG_KEYS.file, encoder.encode(JSON.stringify(stored)));
  return parsed.data.rules.length;
}

export async function watchCatalog(
  kv: KV,
  log: Logger,
  onChange?: (s: CatalogState) => void,
): Promise<CatalogWatch> {
  const parts: { file: StoredCatalog | null; api: StoredCatalog | null } = { file: null, api: null };
  let state: CatalogState = { catalog: { rules: [] }, version: 0 };
  const revisions = { file: 0, api: 0 };
  const apply = (e: KvEntry) => {
    const key = e.key === CATALOG_KEYS.file ? "file" : e.key === CATALOG_KEYS.api ? "api" : null;
    // Never back to an older revision (the direct read below and the watch can arrive in either order).
    if (!key || e.revision < revisions[key]) return;
    revisions[key] = e.revision;
    try {
      parts[key] = e.operation === "PUT" ? JSON.parse(decoder.decode(e.value)) as StoredCatalog : null;
      const catalog = catalogSchema.parse(effectiveCatalog(parts.file, parts.api));
      state = { catalog, version: catalogVersion(catalog) };
      onChange?.(state);
    } catch (err) {
      log.warn("Ignored an invalid service catalog", { key: e.key, ...errorFields(err) });
    }
  };
  const watcher = await kv.watch({ key: ">" });
  // Ready once both keys were read directly (a watch's "initialized" signal can be missed under load); the watch
  // then replays them and follows every change after.
  const ready = Promise.all([CATALOG_KEYS.file, CATALOG_KEYS.api].map((k) => kv.get(k))).then((entries) => {
    for (const e of entries) if (e) apply(e);
  });
  (async () => {
    for await (const e of watcher) apply(e);
  })();
  return { current: () => state, ready, stop: () => watcher.stop() };
}

interface StaleRow {
  connector: string;
  id: string;
  title: string;
  author: string;
  description: string;
  subject: string | null;
  tags: string[];
  refs: string[];
  metadata: Record<string, unknown>;
  declared_service: string;
  declared_environment: string;
}

/**
 * Re-derives rows written under another catalog version, or whose search vector was made with another definition
 * of a word (SEARCH_VERSION): one pass over the table in key order (batches of `batch` rows, short statements),
 * again if the catalog changed meanwhile. One store at a time holds the lock; the others skip. Returns the rows
 * updated.
 */
export async function rederive(
  sql: Sql,
  state: () => CatalogState,
  o: { batch?: number; log: Logger; signal?: AbortSignal },
): Promise<number> {
  const batch = o.batch ?? 500;
  const reserved = await sql.reserve();
  let updated = 0;
  try {
    const [lock] = await reserved<{ locked: boolean }[]>`SELECT pg_try_advisory_lock(4242002) AS locked`;
    if (!lock?.locked) return 0;
    try {
      let version = -1;
      while (!o.signal?.aborted && state().version !== version) {
        ({ version } = state());
        const { catalog } = state();
        let after: [string, string] = ["", ""];
        for (;;) {
          if (o.signal?.aborted || state().version !== version) break;
          const page = await reserved<
            (StaleRow & { occurred_at: Date; catalog_version: number; search_version: number })[]
          >`
            SELECT c.connector, c.id, c.occurred_at, title, author, left(description, 2000) AS description, subject,
              tags, refs, metadata, declared_service, declared_environment, catalog_version, search_version
            FROM (SELECT connector, id, occurred_at FROM change_event_keys
              WHERE (connector, id) > (${after[0]}, ${after[1]}) ORDER BY connector, id LIMIT ${batch}) k
            JOIN change_events c ON c.connector = k.connector AND c.occurred_at = k.occurred_at AND c.id = k.id
            ORDER BY k.connector, k.id`;
          if (page.length === 0) {
            // Keys whose rows are being moved right now can be missing from a page: look past them.
            const [more] = await reserved`SELECT connector, id FROM change_event_keys
              WHERE (connector, id) > (${after[0]}, ${after[1]}) ORDER BY connector, id OFFSET ${
              batch - 1
            } LIMIT 1`;
            if (!more) break;
            after = [more.connector, more.id];
            continue;
          }
          after = [page.at(-1)!.connector, page.at(-1)!.id];
          const rows = page.filter((r) =>
            r.catalog_version !== version || r.search_version !== SEARCH_VERSION
          );
          if (rows.length === 0) continue;
          const values = rows.map((r) => {
            const d = derive(catalog, {
              connector: r.connector,
              subject: r.subject,
              tags: r.tags,
              refs: r.refs,
              metadata: r.metadata,
            }, { service: r.declared_service, environment: r.declared_environment });
            return {
              connector: r.connector,
              id: r.id,
              occurred_at: r.occurred_at,
              service: d.service,
              environment: d.environment,
              team: d.team,
              search: searchVector({ ...r, service: d.service, environment: d.environment }),
            };
          });
          // Only rows still on an older catalog: a write meanwhile already derived with the new one.
          const res = await reserved`
            UPDATE change_events c SET service = v.service, environment = v.environment, team = v.team,
              catalog_version = ${version}, search = v.search, search_version = ${SEARCH_VERSION}
            FROM jsonb_to_recordset(${reserved.json(values as never)}::jsonb)
              AS v(connector text, id text, occurred_at timestamptz, service text, environment text, team text,
                search tsvector)
            WHERE c.connector = v.connector AND c.occurred_at = v.occurred_at AND c.id = v.id
              AND (c.catalog_version <> ${version} OR c.search_version <> ${SEARCH_VERSION})`;
          updated += res.count;
          // Give ingest the table between batches.
          await new Promise((r) => setTimeout(r, 2));
        }
      }
    } finally {
      await reserved`SELECT pg_advisory_unlock(4242002)`;
    }
  } catch (err) {
    o.log.warn("Re-deriving services and environments paused; it resumes later", errorFields(err));
  } finally {
    reserved.release();
  }
  return updated;
}
