/**
 * One connection's loop on one replica: take the connection when this replica is its owner and holds its lease,
 * poll it once per interval (backing off after failures), and hand it over when another replica should have it.
 * "Once per interval" holds across replicas: the last poll time lives with the cursor in KV, so a replica that
 * takes a connection over (after a join, a kill or a rebalance) waits for the interval to run out.
 */
import { type Connection, connectionKey } from "../connection.ts";
import type { MappedChange } from "../event.ts";
import { errorFields, type Logger } from "../log.ts";
import type { Cursors } from "./cursors.ts";
import { describeError } from "./errors.ts";
import type { Leases } from "./lease.ts";
import type { StateStore } from "./state_store.ts";
import type { StatusBoard } from "./status.ts";
import { backoff, jitter, sleep } from "./timing.ts";
import type { ConnectorDefinition, Provenance } from "./types.ts";

export interface WorkerDeps {
  poll: NonNullable<ConnectorDefinition["poll"]>;
  connector: string;
  instanceId: string;
  leases: Leases;
  cursors: Cursors;
  statuses: StatusBoard;
  /** Which replica should hold this connection right now. */
  ownerOf(connectionId: string): string;
  /** Publishes mapped changes of this connection; resolves once JetStream acknowledged them. */
  publish(changes: MappedChange[], connectionId: string, log: Logger, signal: AbortSignal): Promise<number>;
  /** The connection with its secrets opened, as a poll sees it. */
  open(c: Connection): Promise<Connection>;
  provenance(c: Connection): Provenance;
  state(connectionId: string): StateStore;
  fetch: typeof fetch;
  now(): Date;
  log: Logger;
  /** Publishes the heartbeat (after each poll, so the status shows at once). */
  beat(): Promise<void>;
}

export interface Worker {
  readonly connection: Connection;
  /** True unless another replica holds the connection. */
  readonly holding: boolean;
  /** Polls now, whatever the interval says ("sync now"). */
  wake(): void;
  /** Stops the loop and releases the lease. */
  stop(): Promise<void>;
}

export function startWorker(connection: Connection, d: WorkerDeps, parent: AbortSignal): Worker {
  const ac = new AbortController();
  const onParentAbort = () => ac.abort();
  parent.addEventListener("abort", onParentAbort, { once: true });
  let wakeAc = new AbortController();
  let forced = false;
  const c = connection;
  const id = c.id;
  const key = connectionKey(d.connector, id);
  const clog = d.log.child({ connectionId: id });
  const intervalMs = c.pollInterval * 1000;
  const nowMs = () => d.now().getTime();

  const nap = async (ms: number) => {
    await sleep(ms, AbortSignal.any([ac.signal, wakeAc.signal]));
    if (wakeAc.signal.aborted) wakeAc = new AbortController();
  };

  /** When the next poll is due, from the last poll any replica recorded. */
  const dueFromRecord = async (): Promise<{ at: number; failures: number }> => {
    const rec = await d.cursors.load(id);
    if (!rec?.polledAt) return { at: 0, failures: 0 };
    const last = Date.parse(rec.polledAt);
    const wait = rec.failures > 0 ? Math.min(intervalMs, backoff(rec.failures, 1_000)) : intervalMs;
    return { at: last + wait, failures: rec.failures };
  };

  const pollOnce = async (failures: number): Promise<boolean> => {
    const started = d.now();
    d.statuses.patch(id, { state: "polling", lastPollAt: started.toISOString() });
    const renew = setInterval(() => d.leases.acquire(key), d.leases.ttlMs / 3);
    let published = 0;
    let rateLimitedMs = 0;
    try {
      const rec = await d.cursors.load(id);
      await d.cursors.markPolled(id, started, failures);
      const outcome = await d.poll({
        connection: await d.open(c),
        provenance: d.provenance(c),
        cursor: rec?.cursor ?? null,
        signal: ac.signal,
        log: clog,
        fetch: d.fetch,
        now: d.now,
        emit: async (changes) => {
          const n = await d.publish(changes, id, clog, ac.signal);
          published += n;
          d.statuses.patch(id, { eventsPublished: (d.statuses.get(id)?.eventsPublished ?? 0) + n });
          return n;
        },
        saveCursor: (next) => d.cursors.save(id, next),
        state: d.state(id),
        rateLimit: (info) =>
          d.statuses.patch(id, {
            rateLimit: {
              remaining: info.remaining,
              ...(info.limit !== undefined ? { limit: info.limit } : {}),
              ...(info.resetAt ? { resetAt: info.resetAt.toISOString() } : {}),
            },
          }),
        waitForRateLimit: async (until) => {
          d.statuses.patch(id, { state: "rate_limited" });
          clog.info("Waiting for the rate limit to reset", { until: until.toISOString() });
          const t0 = nowMs();
          await sleep(until.getTime() - nowMs(), ac.signal);
          rateLimitedMs += nowMs() - t0;
          d.statuses.patch(id, { state: "polling" });
        },
      });
      if (outcome && outcome.cursor !== undefined && !ac.signal.aborted) {
        await d.cursors.save(id, outcome.cursor);
      }
      const errors = outcome?.errors ?? [];
      const partial = errors.length ? errors.join("; ").slice(0, 2000) : null;
      if (partial) clog.warn("Poll finished with errors", { errors });
      const at = d.now().toISOString();
      d.statuses.patch(id, {
        state: "idle",
        lastSuccessAt: at,
        lastError: partial,
        ...(partial ? { lastErrorAt: at } : {}),
      });
      await d.cursors.markPolled(id, started, 0).catch(() => {});
      d.statuses.record(id, {
        outcome: partial ? "partial" : "ok",
        at: started.toISOString(),
        durationMs: nowMs() - started.getTime(),
        intervalMs,
        events: published,
        rateLimitedMs,
        ...(partial ? { errors } : {}),
      });
      return true;
    } catch (err) {
      if (ac.signal.aborted) return true;
      const message = describeError(err);
      clog.warn("Poll failed", { error: message });
      d.statuses.patch(id, { state: "error", lastError: message, lastErrorAt: d.now().toISOString() });
      await d.cursors.markPolled(id, started, failures + 1).catch(() => {});
      d.statuses.record(id, {
        outcome: "error",
        at: started.toISOString(),
        durationMs: nowMs() - started.getTime(),
        intervalMs,
        events: published,
        rateLimitedMs,
        error: message,
      });
      return false;
    } finally {
      clearInterval(renew);
      await d.beat();
    }
  };

  const loop = async () => {
    d.statuses.patch(id, { state: "starting" });
    let held = false;
    /** Known only while this replica holds the lease; read from KV again after every take-over. */
    let due: { at: number; failures: number } | null = null;
    while (!ac.signal.aborted) {
      try {
        // Replicas split the connections evenly; one assigned to another live replica is handed over.
        const owner = d.ownerOf(id);
        if (owner !== d.instanceId) {
          if (held) {
            await d.leases.release(key);
            held = false;
            clog.info("Handed the connection over", { to: owner });
          }
          due = null;
          d.statuses.patch(id, { state: "standby" });
          await nap(jitter(d.leases.ttlMs / 3));
          continue;
        }
        held = await d.leases.acquire(key);
        if (!held) {
          due = null;
          d.statuses.patch(id, { state: "standby" });
          await nap(jitter(d.leases.ttlMs / 3));
          continue;
        }
        due ??= await dueFromRecord();
        if (d.statuses.get(id)?.state === "standby" || d.statuses.get(id)?.state === "starting") {
          d.statuses.patch(id, { state: "idle" });
        }
        if (forced || nowMs() >= due.at) {
          forced = false;
          const ok = await pollOnce(due.failures);
          const failures: number = ok ? 0 : due.failures + 1;
          due = {
            at: nowMs() + (ok ? jitter(intervalMs) : Math.min(intervalMs, backoff(failures, 1_000))),
            failures,
          };
        }
        await nap(Math.max(0, Math.min(due.at - nowMs(), d.leases.ttlMs / 3)));
      } catch (err) {
        // NATS away (lease or cursor reads): try again shortly.
        clog.warn("Connection loop hiccup; retrying", errorFields(err));
        due = null;
        await nap(jitter(d.leases.ttlMs / 3));
      }
    }
    d.statuses.remove(id);
    if (held) await d.leases.release(key);
  };

  const done = loop();
  return {
    connection: c,
    get holding() {
      return d.statuses.get(id)?.state !== "standby";
    },
    wake() {
      forced = true;
      wakeAc.abort();
    },
    async stop() {
      ac.abort();
      parent.removeEventListener("abort", onParentAbort);
      await done;
    },
  };
}
