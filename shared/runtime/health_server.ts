/** A replica's small HTTP server: its logo, /healthz and its metadata. */
import type { ConnectorMetadata } from "../metadata.ts";

export const LOGO_CONTENT_TYPES: Record<string, string> = {
  png: "image/png",
  svg: "image/svg+xml",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
};

export interface Logo {
  type: string;
  body: Uint8Array<ArrayBuffer>;
}

/** Reads a connector's logo file; its type comes from the extension. */
export async function readLogo(file: URL): Promise<Logo> {
  const ext = file.pathname.split(".").pop()!.toLowerCase();
  return { type: LOGO_CONTENT_TYPES[ext] ?? "application/octet-stream", body: await Deno.readFile(file) };
}

export interface HealthServer {
  /** How others reach this replica. */
  url: string;
  port: number;
  finished: Promise<void>;
}

export function startHealthServer(o: {
  metadata: ConnectorMetadata;
  logo: Logo;
  instanceId: string;
  healthy(): boolean;
  port: number;
  hostname: string;
  advertiseUrl?: string;
  signal: AbortSignal;
}): HealthServer {
  const server = Deno.serve(
    { port: o.port, hostname: o.hostname, signal: o.signal, onListen: () => {} },
    (req) => {
      const path = new URL(req.url).pathname;
      if (path === "/logo") {
        return new Response(o.logo.body, {
          headers: { "content-type": o.logo.type, "cache-control": "max-age=300" },
        });
      }
      if (path === "/healthz") {
        const ok = o.healthy();
        return Response.json({ ok, connector: o.metadata.id, instanceId: o.instanceId }, {
          status: ok ? 200 : 503,
        });
      }
      if (path === "/metadata") return Response.json(o.metadata);
      return new Response("Not found", { status: 404 });
    },
  );
  const port = server.addr.port;
  const host = o.hostname;
  const url = o.advertiseUrl ??
    `http://${host === "0.0.0.0" || host === "::" ? Deno.hostname() : host}:${port}`;
  return { url, port, finished: server.finished };
}
