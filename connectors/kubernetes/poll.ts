/**
 * One poll of a Kubernetes connection: a list+watch session per kind per namespace scope, all at once. Each
 * session resumes from the resourceVersion kept in the cursor (a restart re-lists nothing), follows bookmarks,
 * and ends when the server closes the watch (`watchSeconds`); the runtime then starts the next poll at once. On
 * 410 Gone it re-lists and reconciles with the state kept in KV, so nothing is published twice and nothing
 * missed. Changes are published before their state is saved, and state before the resourceVersion.
 *
 * At cluster scale: lists are read a page at a time, watch events are handled one at a time as they are read
 * (the stream waits meanwhile), the state kept in memory holds only the fields each kind diffs (observe/), and
 * its writes to KV are coalesced and batched (state_writer.ts); one saver moves the cursor on for all sessions.
 */
import type { PollContext, PollOutcome } from "@painchain/shared";
import { accessOf, type KubeApi, kubeApi, KubeApiError, type KubeObject } from "./client.ts";
import { createObserver, type Mode, objectKey, type Observation, type StateMap } from "./observe.ts";
import { collectionPath, type KindDef, KINDS } from "./resources.ts";
import { type KubeSettings, operatorWrote, settingsOf } from "./settings.ts";
import { fingerprints, stateWriter, type StateWriterOptions } from "./state_writer.ts";

export interface KubePollOptions {
  /** How long each watch runs before the server closes it (and the poll ends). */
  watchSeconds?: number;
  /** Replaces the client (tests). */
  api?: (s: KubeSettings) => KubeApi;
  /** How state writes to KV are coalesced and batched. */
  stateWriter?: StateWriterOptions;
}

interface Cursor {
  /** Bumped by every poll; a cached state of another generation is stale (another replica ran meanwhile). */
  gen: number;
  /** `<kind key>|<namespace or *>` → the resourceVersion to watch from. */
  rvs: Record<string, string>;
  /** What was tracked when the state was built; a change of cluster or scope starts over. */
  scope: string;
}

/**
 * State per connection, kept between polls of this replica (with the fingerprints of what KV holds of it);
 * reloaded from KV when the cursor moved on without it, or when the last poll did not end cleanly.
 */
const cache = new Map<string, { gen: number; state: StateMap; held: Map<string, number> }>();

function cursorOf(raw: unknown, scope: string): Cursor {
  const c = raw as Partial<Cursor> | null;
  if (!c || typeof c !== "object" || c.scope !== scope) return { gen: 0, rvs: {}, scope };
  return { gen: Number(c.gen ?? 0), rvs: { ...(c.rvs ?? {}) }, scope };
}

class GoneError extends Error {}

/** Lists read at the same time by one poll. */
const LISTS_AT_ONCE = 2;

/** A counting semaphore. */
function slots(n: number) {
  let free = n;
  const waiting: (() => void)[] = [];
  return {
    async take() {
      if (free > 0) free--;
      else await new Promise<void>((r) => waiting.push(r));
    },
    give() {
      const next = waiting.shift();
      if (next) next();
      else free++;
    },
  };
}

export async function pollKubernetes(ctx: PollContext, opts: KubePollOptions = {}): Promise<PollOutcome> {
  const s = settingsOf(ctx.connection, ctx.provenance);
  const api = opts.api?.(s) ?? kubeApi(accessOf(s, operatorWrote(ctx.provenance)), ctx.fetch);
  const scope = JSON.stringify([s.cluster, s.namespaces]);
  const cursor = cursorOf(ctx.cursor, scope);
  const id = `${ctx.connection.id}`;
  let cached = cache.get(id);
  if (!cached || cached.gen !== cursor.gen) {
    if (cursor.gen === 0) {
      await ctx.state.clear();
      cached = { gen: 0, state: new Map(), held: new Map() };
    } else {
      const loaded = await ctx.state.all();
      cached = { gen: cursor.gen, state: loaded, held: fingerprints(loaded) };
    }
  }
  // In use by this poll: kept again only if it ends cleanly (memory may otherwise be ahead of KV).
  cache.delete(id);
  const { state, held } = cached;
  const writer = stateWriter(ctx.state, held, opts.stateWriter);
  const observer = createObserver(s, ctx.connection.tags, ctx.now);
  const listSlots = slots(LISTS_AT_ONCE);
  const watchSeconds = opts.watchSeconds ?? 50;

  // One writer at a time: publish, then keep the state (memory now, KV with the next flush).
  let lane: Promise<unknown> = Promise.resolve();
  const commit = (o: Observation) => {
    const run = lane.then(async () => {
      if (o.changes.length) await ctx.emit(o.changes);
      if (o.writes.length) {
        for (const [k, v] of o.writes) v === null ? state.delete(k) : state.set(k, v);
        await writer.stage(o.writes);
      }
    });
    lane = run.catch(() => {});
    return run;
  };
  // The cursor as it is now, saved after the state behind it: every resourceVersion in it was set after its
  // changes were published and their state staged, and the flush writes everything staged so far.
  let saving: Promise<unknown> = Promise.resolve();
  const saveCursor = () => {
    const run = saving.then(async () => {
      const at = { ...cursor, rvs: { ...cursor.rvs }, gen: cursor.gen + 1 };
      await writer.flush();
      await ctx.saveCursor(at);
    });
    saving = run.catch(() => {});
    return run;
  };
  let dirty = false;
  const saver = setInterval(() => {
    if (!dirty) return;
    dirty = false;
    saveCursor().catch(() => {}); // a KV failure fails the next stage or save
  }, 1_000);

  const relist = async (k: KindDef, ns: string | null, mode: Mode): Promise<string> => {
    // Two lists at a time (each a page at a time): a large cluster's pages are never all in memory at once.
    await listSlots.take();
    try {
      return await relistNow(k, ns, mode);
    } finally {
      listSlots.give();
    }
  };
  const relistNow = async (k: KindDef, ns: string | null, mode: Mode): Promise<string> => {
    let seen = new Set<string>();
    const resourceVersion = await api.listPages(collectionPath(k, ns), {
      signal: ctx.signal,
      ...(k.labelSelector ? { labelSelector: k.labelSelector } : {}),
      onRestart: () => (seen = new Set()),
    }, async (items) => {
      for (const o of items) {
        seen.add(objectKey(k, o.metadata?.namespace, o.metadata?.name));
        await commit(observer.observe(k, o, mode, state));
      }
    });
    // Known here before, missing now: deleted while nobody watched.
    const prefix = `obj.${k.key}.${ns ? `${ns}.` : ""}`;
    for (const key of [...state.keys()]) {
      if (!key.startsWith(prefix) || seen.has(key)) continue;
      const [, , namespace, ...rest] = key.split(".");
      const gone: KubeObject = {
        metadata: {
          namespace: namespace === "_" ? undefined : namespace,
          name: rest.join("."),
          ...(state.get(key) as object),
        },
      };
      await commit(observer.deleted(k, gone, state));
    }
    return resourceVersion;
  };

  const session = async (k: KindDef, ns: string | null) => {
    const key = `${k.key}|${ns ?? "*"}`;
    for (let attempt = 0; attempt < 3; attempt++) {
      if (!cursor.rvs[key]) {
        // (Read the list first, then assign: `cursor.rvs` must be looked up after the await.)
        const rv = await relist(k, ns, attempt === 0 && !(key in cursor.rvs) ? "baseline" : "relist");
        cursor.rvs[key] = rv;
        await lane;
        await saveCursor();
      }
      try {
        await api.watch(collectionPath(k, ns), {
          resourceVersion: cursor.rvs[key]!,
          timeoutSeconds: watchSeconds,
          signal: ctx.signal,
          ...(k.labelSelector ? { labelSelector: k.labelSelector } : {}),
        }, async (type, o) => {
          if (type === "ERROR") {
            if (o.code === 410) throw new GoneError(String(o.message ?? "Gone"));
            throw new Error(`watch ${k.plural}: ${o.code ?? ""} ${o.message ?? "error"}`);
          }
          if (type !== "BOOKMARK") {
            await commit(
              type === "DELETED" ? observer.deleted(k, o, state) : observer.observe(k, o, "watch", state),
            );
          }
          cursor.rvs[key] = String(o.metadata?.resourceVersion ?? cursor.rvs[key]);
          dirty = true;
        });
      } catch (err) {
        // The API says "too old" either way: an ERROR event with a 410 Status inside the stream, or (from some
        // servers and the proxies in front of them) a plain HTTP 410 answer to the watch request.
        if (err instanceof GoneError || (err instanceof KubeApiError && err.status === 410)) {
          // Too old: re-list, compare with the state, watch on from the new version.
          await lane;
          cursor.rvs[key] = "";
          continue;
        }
        throw err;
      }
      return;
    }
    throw new Error(`watch ${k.plural}: the history keeps expiring (410 Gone); will retry`);
  };

  const scopes = s.namespaces.length ? s.namespaces : [null];
  const sessions = KINDS.filter((k) => s.kinds.has(k.key)).flatMap((k) =>
    scopes.map((ns) => ({ k, ns, run: session(k, ns) }))
  );
  const results = await Promise.allSettled(sessions.map((x) => x.run));
  clearInterval(saver);
  await lane;
  await saving;
  const errors = results.flatMap((r, i) =>
    r.status === "rejected" && !ctx.signal.aborted
      ? [
        `${sessions[i]!.k.plural}${sessions[i]!.ns ? ` in ${sessions[i]!.ns}` : ""}: ${
          (r.reason as Error).message
        }`,
      ]
      : []
  );
  // Stopped: what is staged is dropped (KV keeps the state behind the last cursor saved), and so is the cache.
  if (ctx.signal.aborted) {
    await writer.close(false);
    return { cursor };
  }
  // Everything kept in memory goes to KV before the runtime saves the cursor returned.
  await writer.close(true);
  cursor.gen++;
  cache.set(id, { gen: cursor.gen, state, held });
  if (errors.length === sessions.length && sessions.length > 0) throw new Error(errors.join("; "));
  return { cursor, ...(errors.length ? { errors } : {}) };
}
