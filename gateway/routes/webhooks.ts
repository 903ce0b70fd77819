/**
 * POST /api/webhooks/:connector/:connectionId — one route for every connector that declares a `webhook` block in
 * its metadata (how deliveries are signed, which headers name the event and the delivery, which secret field to
 * check against). The gateway only checks the delivery and hands the raw body to the connector through JetStream,
 * with the delivery id as Nats-Msg-Id so a redelivery is dropped; the connector maps it with its poll's code.
 *
 * An unknown connector or connection, a connection without a webhook secret and a bad signature all get the same
 * answer, so the route tells a stranger nothing about which connections exist.
 */
import { createHmac } from "node:crypto";
import { Hono } from "hono";
import type { JetStreamClient, KV } from "nats";
import { headers as natsHeaders } from "nats";
import { z } from "zod";
import { verify } from "@octokit/webhooks-methods";
import {
  bindingsOf,
  type ConfigField,
  CONNECTION_ID,
  connectionKey,
  connectionSchema,
  connectorIdSchema,
  decoder,
  type EnvLookup,
  HEADERS,
  type Names,
  resolveSecret,
  SECRET_ENV_PREFIX,
  type WebhookSpec,
} from "@painchain/shared/internal";
import { AuthError, safeEqual, sha256 } from "../auth.ts";
import { BadRequestError, UnavailableError } from "../errors.ts";
import type { RegistryCache } from "../registry_cache.ts";
import { validate } from "../validation.ts";

const params = z.object({ connector: connectorIdSchema, connectionId: z.string().regex(CONNECTION_ID) });
const REFUSED = "The delivery's signature or token does not match";

export function webhooksRoutes(
  deps: {
    js: JetStreamClient;
    kv: KV;
    names: Names;
    registry: RegistryCache;
    secretKey: CryptoKey | null;
    env: EnvLookup;
    secretsDir?: string;
  },
) {
  const app = new Hono();
  // The opened secret of each connection, read once per revision of its KV entry.
  const secrets = new Map<string, { revision: number; secret: string | null }>();
  const decoy = crypto.randomUUID();

  const secretOf = async (
    connector: string,
    connectionId: string,
    spec: WebhookSpec,
    fields: ConfigField[],
  ): Promise<string | null> => {
    const key = connectionKey(connector, connectionId);
    const e = await deps.kv.get(key);
    if (!e || e.operation !== "PUT") {
      secrets.delete(key);
      return null;
    }
    const cached = secrets.get(key);
    if (cached && cached.revision === e.revision) return cached.secret;
    let secret: string | null = null;
    try {
      const c = connectionSchema.parse(JSON.parse(decoder.decode(e.value)));
      const stored = c.enabled ? c.secrets[spec.secretField] : undefined;
      if (stored) {
        secret = await resolveSecret(stored, {
          key: deps.secretKey,
          env: (name) => {
            if (!name.startsWith(SECRET_ENV_PREFIX)) return undefined;
            return typeof deps.env === "function" ? deps.env(name) : deps.env[name];
          },
          ...(deps.secretsDir ? { secretsDir: deps.secretsDir } : {}),
        }, bindingsOf(fields, c)(spec.secretField));
      }
    } catch {
      secret = null;
    }
    if (secrets.size > 10_000) secrets.clear();
    secrets.set(key, { revision: e.revision, secret });
    return secret;
  };

  const matches = async (spec: WebhookSpec, secret: string, signature: string, body: string) => {
    if (spec.verify === "token") return safeEqual(signature, secret);
    return body.length > 0 && await verify(secret, body, signature).catch(() => false);
  };

  app.post("/:connector/:connectionId", validate("param", params), async (c) => {
    const { connector, connectionId } = c.req.valid("param");
    const meta = (await deps.registry.get(connector))?.metadata;
    const spec = meta?.webhook;
    const body = await c.req.text();
    const signature = spec ? c.req.header(spec.signatureHeader) ?? "" : "";
    const secret = spec ? await secretOf(connector, connectionId, spec, meta.configSchema) : null;
    if (!spec || !secret || !signature || !(await matches(spec, secret, signature, body))) {
      // The same work and the same answer whatever was missing.
      if (!secret) createHmac("sha256", decoy).update(body).digest();
      throw new AuthError(REFUSED);
    }
    const event = c.req.header(spec.eventHeader) ?? "";
    if (!/^[A-Za-z_ ]{1,64}$/.test(event)) {
      throw new BadRequestError(`${spec.eventHeader} is missing or invalid`);
    }
    if (spec.pingEvents.includes(event)) return c.json({ ok: true, pong: true });
    const given = spec.deliveryHeaders.map((h) => c.req.header(h)).find((v) => v !== undefined) ?? "";
    const delivery = /^[\w-]{1,100}$/.test(given) ? given : sha256(body).slice(0, 40);
    const h = natsHeaders();
    h.set(HEADERS.event, event);
    h.set(HEADERS.delivery, delivery);
    let duplicate: boolean;
    try {
      const ack = await deps.js.publish(deps.names.webhookSubject(connector, connectionId), body, {
        msgID: `${connector}:${connectionId}:${delivery}`,
        headers: h,
        timeout: 10_000,
      });
      duplicate = ack.duplicate;
    } catch (err) {
      throw new UnavailableError("Could not hand the delivery to NATS; the sender will retry", {
        cause: err,
      });
    }
    return c.json({ accepted: true, duplicate, delivery }, duplicate ? 200 : 202);
  });

  return app;
}
