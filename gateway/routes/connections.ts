/**
 * Connections CRUD (validated against the connector's configSchema, then by a connector replica itself), "test",
 * and "sync now". Secrets are write-only; references (env:, file:) are the admin's only; stored secrets stay bound
 * to the origin they were entered for; every write names its actor.
 */
import { Hono } from "hono";
import type { KV, NatsConnection } from "nats";
import { z } from "zod";
import {
  bindingsOf,
  type Connection,
  CONNECTION_ID,
  connectionBodySchema,
  connectionKey,
  connectionPatchSchema,
  connectorIdSchema,
  type ConnectorMetadata,
  decoder,
  encoder,
  type Names,
  publicConnection,
  sealSecrets,
} from "@painchain/shared/internal";
import { actorOf, type Principal } from "../auth.ts";
import type { Audit } from "../audit.ts";
import { BadRequestError, NotFoundError, UnavailableError } from "../errors.ts";
import type { RegistryCache } from "../registry_cache.ts";
import { validate } from "../validation.ts";
import {
  createConnection,
  findConnection,
  listConnections,
  splitConfig,
  type SplitOptions,
  updateConnection,
} from "../connections_store.ts";

type Env = { Variables: { principal: Principal | null } };

const connectionTestSchema = z.object({
  connector: connectorIdSchema,
  id: z.string().regex(CONNECTION_ID).optional(),
  name: z.string().max(100).optional(),
  config: z.record(z.string(), z.unknown()).default({}),
}).strict();

const idParam = z.object({ id: z.string().regex(CONNECTION_ID, "Invalid connection id") });

export function connectionsRoutes(
  deps: {
    kv: KV;
    nc: NatsConnection;
    names: Names;
    registry: RegistryCache;
    now: () => Date;
    secretKey: CryptoKey | null;
    audit: Audit;
    secretsDir?: string;
  },
) {
  const app = new Hono<Env>();

  const metadataOf = async (connector: string): Promise<ConnectorMetadata> => {
    const reg = await deps.registry.get(connector);
    if (!reg) throw new BadRequestError(`Invalid request: no connector "${connector}" is registered`);
    if (reg.metadata.internal) {
      throw new BadRequestError(`Invalid request: connector "${connector}" takes no connections`);
    }
    return reg.metadata;
  };
  const splitOptions = (p: Principal | null): SplitOptions => ({
    mayReference: p?.kind === "admin",
    ...(deps.secretsDir ? { secretsDir: deps.secretsDir } : {}),
  });

  /** Sends sealed settings to one replica of the connector and returns its answer. */
  const ask = async (subject: string, c: Connection, timeout: number) => {
    const reply = await deps.nc.request(subject, encoder.encode(JSON.stringify(c)), { timeout });
    return JSON.parse(decoder.decode(reply.data)) as { ok: boolean; message: string };
  };

  /**
   * The connector's own checks, without reaching the upstream (the same ones Test and every poll start with). A
   * connector with no running replica cannot answer: the settings are then saved on the schema's word, and its
   * first poll reports any problem in the connection status.
   */
  const checkWithConnector = async (c: Connection) => {
    let answer: { ok: boolean; message: string };
    try {
      answer = await ask(deps.names.validateSubject(c.connector), c, 3_000);
    } catch {
      return;
    }
    if (!answer.ok) throw new BadRequestError(`Invalid config: ${answer.message}`);
  };

  app.get(
    "/",
    validate("query", z.object({ connector: connectorIdSchema.optional() }).strict()),
    async (c) => {
      const list = await listConnections(deps.kv, c.req.valid("query").connector);
      return c.json(list.map(publicConnection));
    },
  );

  app.post("/", validate("json", connectionBodySchema), async (c) => {
    const body = c.req.valid("json");
    const p = c.get("principal");
    const meta = await metadataOf(body.connector);
    const created = await createConnection(deps.kv, meta, body, deps.now(), deps.secretKey, {
      actor: actorOf(p),
      split: splitOptions(p),
      check: checkWithConnector,
    });
    return c.json(publicConnection(created), 201);
  });

  // Test settings before (or after) saving: one connector replica tries them against the upstream.
  app.post("/test", validate("json", connectionTestSchema), async (c) => {
    const body = c.req.valid("json");
    const p = c.get("principal");
    const meta = await metadataOf(body.connector);
    const existing = body.id ? await findConnection(deps.kv, body.id) : null;
    if (body.id && (!existing || existing.c.connector !== meta.id)) {
      throw new NotFoundError("No such connection");
    }
    const { config, secrets } = splitConfig(
      meta.configSchema,
      body.config,
      existing?.c ?? null,
      splitOptions(p),
    );
    const stamp = deps.now().toISOString();
    const candidateId = body.id ?? "connection-test";
    const candidate: Connection = {
      id: candidateId,
      connector: meta.id,
      name: body.name ?? existing?.c.name ?? "Connection test",
      enabled: true,
      pollInterval: meta.defaultPollInterval,
      tags: [],
      config,
      // Sealed before it crosses NATS (bound to this connection and origin); the connector opens it.
      secrets: await sealSecrets(
        deps.secretKey,
        secrets,
        bindingsOf(meta.configSchema, { connector: meta.id, id: candidateId, config }),
      ),
      createdAt: stamp,
      updatedAt: stamp,
    };
    await deps.audit.record({
      action: "connection.tested",
      actor: actorOf(p),
      target: {
        connector: meta.id,
        connectionId: body.id ?? null,
        name: candidate.name,
        ...Object.fromEntries(
          meta.configSchema.filter((f) => f.origin).map((f) => [f.key, config[f.key] ?? null]),
        ),
        secretsGiven: Object.keys(body.config).filter((k) =>
          meta.configSchema.some((f) => f.key === k && f.secret)
        ),
      },
    });
    try {
      return c.json(await ask(deps.names.testSubject(meta.id), candidate, 20_000));
    } catch (err) {
      throw new UnavailableError(`No running ${meta.displayName} replica can test connections right now`, {
        cause: err,
      });
    }
  });

  app.get("/:id", validate("param", idParam), async (c) => {
    const found = await findConnection(deps.kv, c.req.valid("param").id);
    if (!found) throw new NotFoundError("No such connection");
    return c.json(publicConnection(found.c));
  });

  app.put("/:id", validate("param", idParam), validate("json", connectionPatchSchema), async (c) => {
    const { id } = c.req.valid("param");
    const p = c.get("principal");
    const found = await findConnection(deps.kv, id);
    if (!found) throw new NotFoundError("No such connection");
    const meta = await metadataOf(found.c.connector);
    const updated = await updateConnection(
      deps.kv,
      meta,
      id,
      c.req.valid("json"),
      deps.now(),
      deps.secretKey,
      {
        actor: actorOf(p),
        split: splitOptions(p),
        check: checkWithConnector,
      },
    );
    return c.json(publicConnection(updated));
  });

  app.delete("/:id", validate("param", idParam), async (c) => {
    const found = await findConnection(deps.kv, c.req.valid("param").id);
    if (!found) throw new NotFoundError("No such connection");
    const key = connectionKey(found.c.connector, found.c.id);
    // The deleter is written first, so the audit event of the deletion names them.
    const actor = actorOf(c.get("principal"));
    if (found.c.updatedBy !== actor) {
      await deps.kv.update(
        key,
        encoder.encode(JSON.stringify({ ...found.c, updatedBy: actor })),
        found.revision,
      )
        .catch(() => {});
    }
    await deps.kv.delete(key);
    return c.body(null, 204);
  });

  app.post("/:id/sync", validate("param", idParam), async (c) => {
    const found = await findConnection(deps.kv, c.req.valid("param").id);
    if (!found) throw new NotFoundError("No such connection");
    if (!found.c.enabled) throw new BadRequestError("Invalid request: the connection is disabled");
    try {
      const reply = await deps.nc.request(
        deps.names.syncSubject(found.c.connector),
        encoder.encode(JSON.stringify({ connectionId: found.c.id })),
        { timeout: 2_000 },
      );
      return c.json({ accepted: true, ...JSON.parse(decoder.decode(reply.data)) }, 202);
    } catch (err) {
      throw new UnavailableError("No running replica holds this connection right now", { cause: err });
    }
  });

  return app;
}
