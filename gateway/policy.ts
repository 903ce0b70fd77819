/** Which credential each API route needs: one table, so the auth matrix test can walk it. */
import type { Requirement } from "./auth.ts";

export type RouteRequirement = Requirement | "signature";

const SAFE = new Set(["GET", "HEAD", "OPTIONS"]);

/** The requirement of a request to `/api/...` (path without query). */
export function requirementOf(method: string, path: string): RouteRequirement {
  if (path === "/api/health") return "public";
  if (path === "/api/auth/session" || path === "/api/auth/me") return "public";
  // The seed's catalog and logos: anyone may read them (live status needs `read`; see routes/connectors.ts).
  if (
    SAFE.has(method) && (path === "/api/connectors/metadata" || /^\/api\/connectors\/[^/]+\/logo$/.test(path))
  ) {
    return "public";
  }
  if (path.startsWith("/api/webhooks/")) return "signature";
  if (path === "/api/changes" && method === "POST") return "ingest";
  if (path === "/api/keys" || path.startsWith("/api/keys/")) return "admin";
  return SAFE.has(method) ? "read" : "write";
}
