/**
 * POST /api/webhooks/github/:connectionId and /api/webhooks/gitlab/:connectionId. The gateway only checks the
 * delivery (GitHub: X-Hub-Signature-256 over the raw body; GitLab: X-Gitlab-Token) and hands the raw body to the
 * connector through JetStream, with the delivery id as Nats-Msg-Id so a redelivery is dropped. The connector maps
 * it with the same code as its poll.
 */
import { Hono } from "hono";
import type { JetStreamClient, KV } from "nats";
import { headers as natsHeaders } from "nats";
import { z } from "zod";
import { verify } from "@octokit/webhooks-methods";
import { CONNECTION_ID, type Names, openSecret } from "@painchain/shared";
import { safeEqual, sha256 } from "../auth.ts";
import { findConnection } from "../connections_store.ts";
import { AuthError } from "../auth.ts";
import { BadRequestError, NotFoundError, UnavailableError } from "../errors.ts";
import { validate } from "../validation.ts";

/** Secret field of a connection that holds the webhook secret (GitHub) or token (GitLab). */
export const WEBHOOK_SECRET_FIELD = "webhookSecret";

/** Header names on the JetStream message, read by the connector runtime. */
export const DELIVERY_HEADER = "Painchain-Delivery";
export const EVENT_HEADER = "Painchain-Event";

const params = z.object({ connectionId: z.string().regex(CONNECTION_ID, "Invalid connection id") });

export function webhooksRoutes(
  deps: {
    js: JetStreamClient;
    kv: KV;
    names: Names;
    secretKey: CryptoKey | null;
    env: Record<string, string>;
  },
) {
  const app = new Hono();

  const secretOf = async (connector: string, connectionId: string): Promise<string> => {
    const found = await findConnection(deps.kv, connectionId);
    if (!found || found.c.connector !== connector) {
      throw new NotFoundError(`No ${connector} connection "${connectionId}"`);
    }
    const sealed = found.c.secrets[WEBHOOK_SECRET_FIELD];
    if (!sealed) throw new NotFoundError(`Connection "${connectionId}" has no webhook secret set`);
    return await openSecret(deps.secretKey, sealed, deps.env);
  };

  const handOver = async (
    connector: string,
    connectionId: string,
    event: string,
    delivery: string,
    body: string,
  ) => {
    const h = natsHeaders();
    h.set(EVENT_HEADER, event);
    h.set(DELIVERY_HEADER, delivery);
    try {
      const ack = await deps.js.publish(deps.names.webhookSubject(connector, connectionId), body, {
        msgID: `${connector}:${connectionId}:${delivery}`,
        headers: h,
        timeout: 10_000,
      });
      return ack.duplicate;
    } catch (err) {
      throw new UnavailableError("Could not hand the delivery to NATS; the sender will retry", {
        cause: err,
      });
    }
  };

  app.post("/github/:connectionId", validate("param", params), async (c) => {
    const { connectionId } = c.req.valid("param");
    const body = await c.req.text();
    const signature = c.req.header("x-hub-signature-256");
    if (!signature) throw new AuthError("X-Hub-Signature-256 is missing");
    const secret = await secretOf("github", connectionId);
    if (!body || !(await verify(secret, body, signature).catch(() => false))) {
      throw new AuthError("X-Hub-Signature-256 does not match the body");
    }
    const event = c.req.header("x-github-event") ?? "";
    const delivery = c.req.header("x-github-delivery") ?? "";
    if (!/^[a-z_]{1,64}$/.test(event)) throw new BadRequestError("X-GitHub-Event is missing or invalid");
    if (!/^[\w-]{1,100}$/.test(delivery)) {
      throw new BadRequestError("X-GitHub-Delivery is missing or invalid");
    }
    if (event === "ping") return c.json({ ok: true, pong: true });
    const duplicate = await handOver("github", connectionId, event, delivery, body);
    return c.json({ accepted: true, duplicate, delivery }, duplicate ? 200 : 202);
  });

  app.post("/gitlab/:connectionId", validate("param", params), async (c) => {
    const { connectionId } = c.req.valid("param");
    const token = c.req.header("x-gitlab-token");
    if (!token) throw new AuthError("X-Gitlab-Token is missing");
    const secret = await secretOf("gitlab", connectionId);
    if (!safeEqual(token, secret)) throw new AuthError("X-Gitlab-Token does not match");
    const body = await c.req.text();
    const event = c.req.header("x-gitlab-event") ?? "";
    if (!/^[A-Za-z ]{1,64}$/.test(event)) throw new BadRequestError("X-Gitlab-Event is missing or invalid");
    // GitLab 15.x+ sends a UUID per delivery (kept on retries as Idempotency-Key); older ones send neither.
    const given = c.req.header("idempotency-key") ?? c.req.header("x-gitlab-event-uuid") ?? "";
    const delivery = /^[\w-]{1,100}$/.test(given) ? given : sha256(body).slice(0, 40);
    const duplicate = await handOver("gitlab", connectionId, event, delivery, body);
    return c.json({ accepted: true, duplicate, delivery }, duplicate ? 200 : 202);
  });

  return app;
}
