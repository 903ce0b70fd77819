/**
 * Requests the gateway sends a connector over core NATS: test a connection's settings against the upstream,
 * validate them without a request (before the gateway saves them), and "sync now".
 */
import type { NatsConnection, Subscription } from "nats";
import { type Connection, connectionSchema } from "../connection.ts";
import type { Logger } from "../log.ts";
import type { Names } from "../names.ts";
import { decoder, encoder } from "../nats.ts";
import { describeError } from "./errors.ts";
import { isReference } from "../secrets.ts";
import type { ConnectorDefinition, TestContext } from "./types.ts";
import type { WorkerPool } from "./pool.ts";

/** Connection tests one replica runs at once. */
export const MAX_CONCURRENT_TESTS = 4;

/** Answers test and validate requests; one replica answers each (queue group). */
export function serveTests(o: {
  nc: NatsConnection;
  names: Names;
  connector: string;
  def: ConnectorDefinition;
  open(c: Connection): Promise<Connection>;
  context(): Omit<TestContext, "connection" | "signal" | "provenance">;
  signal: AbortSignal;
  log: Logger;
}): Subscription[] {
  const subs: Subscription[] = [];
  const answer = (subject: string, handle: (c: Connection) => Promise<string>) =>
    subs.push(o.nc.subscribe(subject, {
      queue: `${o.connector}-control`,
      callback: (_err, msg) => {
        const reply = (body: Record<string, unknown>) => msg.respond(encoder.encode(JSON.stringify(body)));
        (async () => {
          try {
            const connection = connectionSchema.parse(JSON.parse(decoder.decode(msg.data)));
            reply({ ok: true, message: await handle(connection) });
          } catch (err) {
            reply({ ok: false, message: describeError(err) });
          }
        })();
      },
    }));
  const { def } = o;
  // Settings sent by the gateway came through the API: never configuration as code.
  const provenance = (c: Connection) => ({
    fromFile: false,
    references: Object.entries(c.secrets).filter(([, v]) => isReference(v)).map(([k]) => k),
  });
  if (def.test) {
    const test = def.test;
    // Each test holds an upstream request open for up to 15 s: a few at a time per replica, the rest refused.
    let running = 0;
    answer(o.names.testSubject(o.connector), async (c) => {
      if (running >= MAX_CONCURRENT_TESTS) {
        throw new Error("Too many connection tests at once on this connector; try again in a moment");
      }
      running++;
      try {
        const connection = await o.open(c);
        def.validate?.(connection, provenance(c));
        return await test({
          ...o.context(),
          connection,
          provenance: provenance(c),
          signal: AbortSignal.any([o.signal, AbortSignal.timeout(15_000)]),
        });
      } finally {
        running--;
      }
    });
  }
  answer(o.names.validateSubject(o.connector), async (c) => {
    def.validate?.(await o.open(c), provenance(c));
    return "The settings are valid";
  });
  return subs;
}

/** "Sync now": the replica that holds the connection wakes its worker and answers; others stay silent. */
export function serveSync(
  o: { nc: NatsConnection; names: Names; connector: string; instanceId: string; pool: WorkerPool },
) {
  return o.nc.subscribe(o.names.syncSubject(o.connector), {
    callback: (_err, msg) => {
      try {
        const { connectionId } = JSON.parse(decoder.decode(msg.data));
        const w = o.pool.get(String(connectionId));
        if (w?.wake()) {
          msg.respond(encoder.encode(JSON.stringify({ accepted: true, instanceId: o.instanceId })));
        }
      } catch { /* not for us */ }
    },
  });
}
