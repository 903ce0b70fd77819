/**
 * One connection's loop on one replica: take the connection when this replica is its owner and holds its lease,
 * poll it once per interval (backing off after failures), and hand it over when another replica should have it.
 * "Once per interval" holds across replicas: every poll starts with a claim on the connection's record in KV (a
 * compare-and-set that writes the poll's start), so a replica that takes a connection over (after a join, a kill
 * or a rebalance) finds the last poll there and waits for the interval to run out. Only "sync now" polls early.
 */
import { type Connection, connectionKey } from "../connection.ts";
import type { MappedChange } from "../event.ts";
import { errorFields, type Logger } from "../log.ts";
import type { CursorRecord, Cursors } from "./cursors.ts";
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
  /** True while this replica holds the connection's lease. */
  readonly holding: boolean;
  /** Polls now, whatever the interval says ("sync now"), if this replica holds the connection; false if not. */
  wake(): boolean;
  /** Stops the loop and releases the lease. */
  stop(): Promise<void>;
}

export function startWorker(connection: Connection, d: WorkerDeps, parent: AbortSignal): Worker {
  const ac = new AbortController();
  const onParentAbort = () => ac.abort();
  if (parent.aborted) ac.abort();
  else parent.addEventListener("abort", onParentAbort, { once: true });
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

  /** Polls once from the record this replica claimed; returns when the next poll is due. */
  const pollOnce = async (rec: CursorRecord): Promise<number> => {
    const started = rec.polledAt ? new Date(rec.polledAt) : d.now();
    const nextAt = rec.nextPollAt ? Date.parse(rec.nextPollAt) : started.getTime() + intervalMs;
    d.statuses.patch(id, { state: "polling", lastPollAt: started.toISOString() });
    const renew = setInterval(() => d.leases.acquire(key), d.leases.ttlMs / 3);
    let published = 0;
    let rateLimitedMs = 0;
    try {
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
      await d.cursors.settle(id, 0).catch(() => {});
      d.statuses.record(id, {
        outcome: partial ? "partial" : "ok",
        at: started.toISOString(),
        durationMs: nowMs() - started.getTime(),
        intervalMs,
        events: published,
        rateLimitedMs,
        ...(partial ? { errors } : {}),
      });
      return nextAt;
    } catch (err) {
      if (ac.signal.aborted) return nextAt;
      const message = describeError(err);
      clog.warn("Poll failed", { error: message });
      d.statuses.patch(id, { state: "error", lastError: message, lastErrorAt: d.now().toISOString() });
      const failures = rec.failures + 1;
      const retryAt = nowMs() + Math.min(intervalMs, backoff(failures, 1_000));
      await d.cursors.settle(id, failures, new Date(retryAt)).catch(() => {});
      d.statuses.record(id, {
        outcome: "error",
        at: started.toISOString(),
        durationMs: nowMs() - started.getTime(),
        intervalMs,
        events: published,
        rateLimitedMs,
        error: message,
      });
      return retryAt;
    } finally {
      clearInterval(renew);
      await d.beat();
    }
  };

  /** True while this loop holds the connection's lease (and so may poll it). */
  let held = false;
  /** When this replica expects the next poll: only a hint, the claim on the shared record decides. */
  let due = 0;
  const standby = () => {
    // Whoever holds the connection meanwhile moves the record on: ask it again once this replica holds it. A
    // "sync now" accepted while holding was for the holder: it is not carried into a later take-over.
    due = 0;
    forced = false;
    d.statuses.patch(id, { state: "standby" });
  };

  const loop = async () => {
    d.statuses.patch(id, { state: "starting" });
    while (!ac.signal.aborted) {
      try {
        // Replicas split the connections evenly; one assigned to another live replica is handed over.
        const owner = d.ownerOf(id);
        if (owner !== d.instanceId) {
          if (held) {
            held = false;
            await d.leases.release(key);
            clog.info("Handed the connection over", { to: owner });
          }
          standby();
          await nap(jitter(d.leases.ttlMs / 3));
          continue;
        }
        held = await d.leases.acquire(key);
        if (!held) {
          standby();
          await nap(jitter(d.leases.ttlMs / 3));
          continue;
        }
        const state = d.statuses.get(id)?.state;
        if (state === "standby" || state === "starting") d.statuses.patch(id, { state: "idle" });
        if (forced || nowMs() >= due) {
          const force = forced;
          forced = false;
          // The interval, stretched by up to a tenth so connections do not poll in lockstep.
          const nextInMs = intervalMs + Math.round(intervalMs * 0.1 * Math.random());
          const claim = await d.cursors.claim(id, { intervalMs, nextInMs, force });
          due = "dueAt" in claim ? claim.dueAt : await pollOnce(claim.record);
        }
        await nap(Math.max(0, Math.min(due - nowMs(), d.leases.ttlMs / 3)));
      } catch (err) {
        // NATS away (lease or cursor reads): try again shortly.
        clog.warn("Connection loop hiccup; retrying", errorFields(err));
        due = 0;
        await nap(jitter(d.leases.ttlMs / 3));
      }
    }
    d.statuses.remove(id);
    if (held) {
      held = false;
      await d.leases.release(key);
    }
  };

  const done = loop();
  return {
    connection: c,
    get holding() {
      return held;
    },
    wake() {
      if (!held) return false;
      forced = true;
      wakeAc.abort();
      return true;
    },
    async stop() {
      ac.abort();
      parent.removeEventListener("abort", onParentAbort);
      await done;
    },
  };
}
