/** Connections CRUD (validated against the connector's configSchema; secrets write-only) and "sync now". */
import { Hono } from "hono";
import type { KV, NatsConnection } from "nats";
import { z } from "zod";
import {
  CONNECTION_ID,
  connectionBodySchema,
  connectionKey,
  connectionPatchSchema,
  type ConnectorMetadata,
  decoder,
  encoder,
  type Names,
  publicConnection,
  sealSecrets,
} from "@painchain/shared";
import { BadRequestError, NotFoundError, UnavailableError } from "../errors.ts";
import type { RegistryCache } from "../registry_cache.ts";
import { validate } from "../validation.ts";
import {
  createConnection,
  findConnection,
  listConnections,
  splitConfig,
  updateConnection,
} from "../connections_store.ts";

const connectionTestSchema = z.object({
  connector: z.string().regex(/^[a-z][a-z0-9_]{0,31}$/),
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
  },
) {
  const app = new Hono();

  const metadataOf = async (connector: string): Promise<ConnectorMetadata> => {
    const reg = await deps.registry.get(connector);
    if (!reg) throw new BadRequestError(`Invalid request: no connector "${connector}" is registered`);
    if (reg.metadata.internal) {
      throw new BadRequestError(`Invalid request: connector "${connector}" takes no connections`);
    }
    return reg.metadata;
  };

  app.get(
    "/",
    validate(
      "query",
      z.object({ connector: z.string().regex(/^[a-z][a-z0-9_]{0,31}$/).optional() }).strict(),
    ),
    async (c) => {
      const list = await listConnections(deps.kv, c.req.valid("query").connector);
      return c.json(list.map(publicConnection));
    },
  );

  app.post("/", validate("json", connectionBodySchema), async (c) => {
    const body = c.req.valid("json");
    const meta = await metadataOf(body.connector);
    const created = await createConnection(deps.kv, meta, body, deps.now(), deps.secretKey);
    return c.json(publicConnection(created), 201);
  });

  // Test settings before (or after) saving: one connector replica tries them against the upstream.
  app.post("/test", validate("json", connectionTestSchema), async (c) => {
    const body = c.req.valid("json");
    const meta = await metadataOf(body.connector);
    const existing = body.id ? await findConnection(deps.kv, body.id) : null;
    if (body.id && (!existing || existing.c.connector !== meta.id)) {
      throw new NotFoundError("No such connection");
    }
    const { config, secrets } = splitConfig(meta.configSchema, body.config, existing?.c ?? null);
    const stamp = deps.now().toISOString();
    const candidate = {
      id: body.id ?? "connection-test",
      connector: meta.id,
      name: body.name ?? "Connection test",
      enabled: true,
      pollInterval: meta.defaultPollInterval,
      tags: [],
      config,
      // Sealed before it crosses NATS; the connector opens it.
      secrets: await sealSecrets(deps.secretKey, secrets),
      createdAt: stamp,
      updatedAt: stamp,
    };
    try {
      const reply = await deps.nc.request(
        deps.names.testSubject(meta.id),
        encoder.encode(JSON.stringify(candidate)),
        { timeout: 20_000 },
      );
      return c.json(JSON.parse(decoder.decode(reply.data)));
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
    );
    return c.json(publicConnection(updated));
  });

  app.delete("/:id", validate("param", idParam), async (c) => {
    const found = await findConnection(deps.kv, c.req.valid("param").id);
    if (!found) throw new NotFoundError("No such connection");
    await deps.kv.delete(connectionKey(found.c.connector, found.c.id));
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
