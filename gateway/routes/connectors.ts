/**
 * GET /api/connectors/metadata and GET /api/connectors/:id/logo, as the seed's connector guide has them: both
 * answer without credentials. Anyone gets the catalog (the seed's fields plus the connection form and detail
 * panels); a `read` caller also gets live status, replicas and their connections. Logos come from the logos
 * bucket, where each connector registers its own at start, so they are served while a connector is down; each is
 * checked (type, magic bytes, size) before it is served, with a content ETag.
 */
import { createHash } from "node:crypto";
import { Hono } from "hono";
import { secureHeaders } from "hono/secure-headers";
import type { KV } from "nats";
import { z } from "zod";
import {
  connectorIdSchema,
  type ConnectorMetadata,
  getLogo,
  LOGO_MAX_BYTES,
  LOGO_TYPES,
  publicCatalogEntry,
  type RegisteredConnector,
} from "@painchain/shared/internal";
import { allows, type Principal } from "../auth.ts";
import { BadGatewayError, NotFoundError, UnavailableError } from "../errors.ts";
import type { RegistryCache } from "../registry_cache.ts";
import { validate } from "../validation.ts";

type Env = { Variables: { principal: Principal | null } };

/** A connector served by the gateway itself (the change API's): always up, logo in memory. */
export interface BuiltinConnector {
  metadata: ConnectorMetadata;
  logo: { type: string; body: Uint8Array };
}

interface ServedLogo {
  revision: number;
  type: string;
  body: Uint8Array;
  etag: string;
}

/** Checks the bytes really are the declared image type. */
export function looksLike(type: string, b: Uint8Array): boolean {
  if (type === "image/png") return b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47;
  if (type === "image/jpeg") return b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff;
  const head = new TextDecoder().decode(b.subarray(0, 1024)).trimStart().toLowerCase();
  return (head.startsWith("<svg") || head.startsWith("<?xml")) && head.includes("<svg");
}

function checkedLogo(revision: number, type: string, body: Uint8Array): ServedLogo {
  if (!(LOGO_TYPES as readonly string[]).includes(type)) {
    throw new BadGatewayError(`Logo has an unsupported type "${type}"`);
  }
  if (body.length > LOGO_MAX_BYTES) throw new BadGatewayError("Logo is too large");
  if (!looksLike(type, body)) throw new BadGatewayError(`Logo is not a valid ${type}`);
  const etag = `"${createHash("sha256").update(body).digest("hex").slice(0, 24)}"`;
  return { revision, type, body, etag };
}

/** Secure headers of a logo: an image (svg included) is never a document, so no scripts, sandboxed. */
export const logoSecureHeaders = secureHeaders({
  contentSecurityPolicy: { defaultSrc: ["'none'"], styleSrc: ["'unsafe-inline'"], sandbox: [] },
  crossOriginResourcePolicy: "same-origin",
});
export const LOGO_PATH = /^\/api\/connectors\/[^/]+\/logo$/;

export function connectorsRoutes(
  deps: { registry: RegistryCache; logos: KV; builtins?: BuiltinConnector[]; publicRead?: boolean },
) {
  const app = new Hono<Env>();
  const served = new Map<string, ServedLogo>();
  const builtins = new Map((deps.builtins ?? []).map((b) => [b.metadata.id, b]));
  for (const b of builtins.values()) served.set(b.metadata.id, checkedLogo(0, b.logo.type, b.logo.body));

  const all = async (): Promise<(RegisteredConnector & { builtIn: boolean })[]> =>
    [
      ...(await deps.registry.list()).filter((r) => !builtins.has(r.metadata.id)).map((r) => ({
        ...r,
        builtIn: false,
      })),
      ...[...builtins.values()].map((b) => ({
        metadata: b.metadata,
        status: "up" as const,
        lastHeartbeatAt: null,
        instances: [],
        builtIn: true,
      })),
    ].sort((a, b) => a.metadata.id.localeCompare(b.metadata.id));

  app.get("/metadata", async (c) => {
    const p = c.get("principal");
    const full = (p && allows(p, "read")) || deps.publicRead;
    const list = await all();
    if (!full) {
      return c.json(
        list.map((r) => ({
          ...publicCatalogEntry(r.metadata),
          logoUrl: `/api/connectors/${r.metadata.id}/logo`,
        })),
      );
    }
    return c.json(list.map((r) => ({
      ...r.metadata,
      logoUrl: `/api/connectors/${r.metadata.id}/logo`,
      status: r.status,
      builtIn: r.builtIn,
      lastHeartbeatAt: r.lastHeartbeatAt,
      instances: r.instances.map((i) => ({
        instanceId: i.instanceId,
        startedAt: i.startedAt,
        heartbeatAt: i.heartbeatAt,
        connections: Object.values(i.connections),
      })),
    })));
  });

  app.get("/:id/logo", validate("param", z.object({ id: connectorIdSchema })), async (c) => {
    const { id } = c.req.valid("param");
    let logo = served.get(id);
    if (!builtins.has(id)) {
      if (!(await deps.registry.get(id))) throw new NotFoundError(`No connector "${id}" is registered`);
      let stored;
      try {
        stored = await getLogo(deps.logos, id);
      } catch (err) {
        if (!logo) throw new UnavailableError("Logos cannot be read right now", { cause: err });
      }
      if (stored && stored.revision !== logo?.revision) {
        logo = checkedLogo(stored.revision, stored.type, stored.body);
        served.set(id, logo);
      }
      if (!logo) throw new NotFoundError(`Connector "${id}" has not registered a logo`);
    }
    const l = logo!;
    c.header("etag", l.etag);
    c.header("cache-control", "public, max-age=300");
    c.header("x-content-type-options", "nosniff");
    c.header("content-type", l.type);
    if (c.req.header("if-none-match") === l.etag) return c.body(null, 304);
    return c.body(l.body as Uint8Array<ArrayBuffer>);
  });

  return app;
}
