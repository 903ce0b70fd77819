/** GET /api/connectors/metadata and GET /api/connectors/:id/logo (proxied from a registered replica). */
import { Hono } from "hono";
import { z } from "zod";
import { connectorIdSchema, type ConnectorMetadata } from "@painchain/shared";
import { BadGatewayError, CSP_OVERRIDE, NotFoundError, UnavailableError } from "../errors.ts";
import type { RegistryCache } from "../registry_cache.ts";
import { validate } from "../validation.ts";

const LOGO_MAX_BYTES = 512 * 1024;
const LOGO_TYPES = ["image/png", "image/svg+xml", "image/jpeg"] as const;
const LOGO_TTL_MS = 60_000;

interface CachedLogo {
  at: number;
  type: string;
  body: Uint8Array;
  etag: string;
}

/** Checks the bytes really are the declared image type. */
function looksLike(type: string, b: Uint8Array): boolean {
  if (type === "image/png") return b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47;
  if (type === "image/jpeg") return b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff;
  const head = new TextDecoder().decode(b.subarray(0, 1024)).trimStart().toLowerCase();
  return (head.startsWith("<svg") || head.startsWith("<?xml")) && head.includes("<svg");
}

async function readCapped(res: Response, max: number): Promise<Uint8Array> {
  const declared = Number(res.headers.get("content-length") ?? "0");
  if (declared > max) throw new BadGatewayError("Logo is too large");
  const reader = res.body!.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > max) {
      await reader.cancel();
      throw new BadGatewayError("Logo is too large");
    }
    chunks.push(value);
  }
  const out = new Uint8Array(new ArrayBuffer(size));
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}

/** A connector served by the gateway itself (the `custom` change API): always up, logo in memory. */
export interface BuiltinConnector {
  metadata: ConnectorMetadata;
  logo: { type: string; body: Uint8Array };
}

export function connectorsRoutes(
  deps: { registry: RegistryCache; fetch: typeof fetch; builtins?: BuiltinConnector[] },
) {
  const app = new Hono();
  const logos = new Map<string, CachedLogo>();
  const builtins = new Map((deps.builtins ?? []).map((b) => [b.metadata.id, b]));
  for (const b of builtins.values()) {
    logos.set(b.metadata.id, { at: Infinity, ...b.logo, etag: `"${b.metadata.id}-${b.logo.body.length}"` });
  }

  app.get("/metadata", async (c) => {
    const list = (await deps.registry.list()).filter((r) => !builtins.has(r.metadata.id));
    const all = [
      ...list,
      ...[...builtins.values()].map((b) => ({
        metadata: b.metadata,
        status: "up" as const,
        lastHeartbeatAt: null,
        instances: [],
      })),
    ].sort((a, b) => a.metadata.id.localeCompare(b.metadata.id));
    return c.json(all.map((r) => ({
      ...r.metadata,
      logoUrl: `/api/connectors/${r.metadata.id}/logo`,
      status: r.status,
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
    const reg = builtins.has(id) ? { instances: [] } : await deps.registry.get(id);
    if (!reg) throw new NotFoundError(`No connector "${id}" is registered`);
    let logo = logos.get(id);
    if (!logo || Date.now() - logo.at > LOGO_TTL_MS) {
      if (reg.instances.length === 0) {
        if (!logo) throw new UnavailableError(`Connector "${id}" has no running replica to serve its logo`);
      } else {
        logo = await fetchLogo(reg.instances[Math.floor(Math.random() * reg.instances.length)]!.url);
        logos.set(id, logo);
      }
    }
    const headers: Record<string, string> = {
      "content-type": logo.type,
      etag: logo.etag,
      "cache-control": "public, max-age=300",
      "x-content-type-options": "nosniff",
    };
    if (logo.type === "image/svg+xml") {
      headers[CSP_OVERRIDE] = "default-src 'none'; style-src 'unsafe-inline'; sandbox";
    }
    if (c.req.header("if-none-match") === logo.etag) return c.body(null, 304, headers);
    return c.body(logo.body as Uint8Array<ArrayBuffer>, 200, headers);
  });

  async function fetchLogo(base: string): Promise<CachedLogo> {
    let res: Response;
    try {
      res = await deps.fetch(new URL("/logo", base), {
        signal: AbortSignal.timeout(3_000),
        redirect: "error",
      });
    } catch (err) {
      throw new BadGatewayError("The connector did not serve its logo", { cause: err });
    }
    if (!res.ok) {
      await res.body?.cancel();
      throw new BadGatewayError(`The connector answered ${res.status} for its logo`);
    }
    const type = (res.headers.get("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
    if (!LOGO_TYPES.includes(type as never)) {
      await res.body?.cancel();
      throw new BadGatewayError(`Logo has an unsupported content type "${type}"`);
    }
    const body = await readCapped(res, LOGO_MAX_BYTES);
    if (!looksLike(type, body)) throw new BadGatewayError(`Logo is not a valid ${type}`);
    const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", body as Uint8Array<ArrayBuffer>));
    const etag = `"${Array.from(digest.subarray(0, 12), (b) => b.toString(16).padStart(2, "0")).join("")}"`;
    return { at: Date.now(), type, body, etag };
  }

  return app;
}
