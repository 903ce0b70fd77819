/**
 * Who is calling: the admin token (from the environment), an API key with scopes (stored hashed in KV), or a UI
 * session (an HttpOnly cookie whose hash names a KV entry with a TTL). Every comparison is constant-time.
 */
import { createHash, pbkdf2Sync, timingSafeEqual } from "node:crypto";
import type { KV } from "nats";
import { z } from "zod";
import { decoder, encoder, kvKeys } from "@painchain/shared/internal";

export const SCOPES = ["read", "write", "ingest"] as const;
export type Scope = typeof SCOPES[number];
/** What a route needs: nobody (public), a scope, or the admin. */
export type Requirement = "public" | Scope | "admin";

export interface Principal {
  kind: "admin" | "key";
  /** "admin" or the key id. */
  id: string;
  name: string;
  scopes: Scope[];
  via: "bearer" | "session";
}

export const SESSION_COOKIE = "painchain_session";
const KEY_PREFIX = "pck_";
const KEY_ID = /^[a-z0-9]{12}$/;

export function sha256(value: string): string {
  return createHash("sha256").update(value).digest("hex");
}

/** Constant-time string equality (both sides hashed first, so lengths never leak either). */
export function safeEqual(a: string, b: string): boolean {
  const da = createHash("sha256").update(a).digest();
  const db = createHash("sha256").update(b).digest();
  return timingSafeEqual(da, db) && a.length === b.length;
}

function randomToken(bytes: number): string {
  const b = crypto.getRandomValues(new Uint8Array(bytes));
  return btoa(String.fromCharCode(...b)).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

function randomId(): string {
  const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
  return Array.from(crypto.getRandomValues(new Uint8Array(12)), (b) => alphabet[b % 36]).join("");
}

export const apiKeyRecordSchema = z.object({
  id: z.string(),
  name: z.string(),
  scopes: z.array(z.enum(SCOPES)),
  /** sha256 of the secret part; the key itself is shown once, at creation. */
  hash: z.string(),
  createdAt: z.string(),
  createdBy: z.string(),
});
export type ApiKeyRecord = z.output<typeof apiKeyRecordSchema>;

export const apiKeyBodySchema = z.object({
  name: z.string().trim().min(1, "Name is required").max(100),
  scopes: z.array(z.enum(SCOPES)).min(1, "Give at least one scope: read, write or ingest").max(3)
    .transform((s) => [...new Set(s)]),
}).strict();

/** A session names its principal and the credential it was made with (a hash): a new credential ends it. */
const sessionSchema = z.object({
  principal: z.string(),
  createdAt: z.string(),
  credential: z.string().optional(),
});

export interface Auth {
  /** The caller of a request, or null when it carries no credentials; throws AuthError on bad credentials. */
  authenticate(bearer: string | null, sessionCookie: string | null): Promise<Principal | null>;
  /** Checks a token or key for sign-in. */
  verifyToken(token: string): Promise<Principal | null>;
  createKey(
    body: z.output<typeof apiKeyBodySchema>,
    by: Principal,
  ): Promise<{ key: string; record: ApiKeyRecord }>;
  listKeys(): Promise<ApiKeyRecord[]>;
  getKey(id: string): Promise<ApiKeyRecord | null>;
  revokeKey(id: string): Promise<boolean>;
  createSession(p: Principal): Promise<string>;
  deleteSession(cookie: string): Promise<void>;
  publicRead: boolean;
}

export class AuthError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "AuthError";
  }
}

export class ForbiddenError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ForbiddenError";
  }
}

/** Does this caller meet the requirement? write implies read; the admin may do everything. */
export function allows(p: Principal, need: Requirement): boolean {
  if (need === "public" || p.kind === "admin") return true;
  if (need === "admin") return false;
  if (need === "read") return p.scopes.includes("read") || p.scopes.includes("write");
  return p.scopes.includes(need);
}

export function createAuth(
  deps: { adminToken: string; keys: KV; sessions: KV; publicRead?: boolean; now?: () => Date },
): Auth {
  if (deps.adminToken.length < 16) throw new Error("PAINCHAIN_ADMIN_TOKEN must be at least 16 characters");
  const now = deps.now ?? (() => new Date());
  const admin: Omit<Principal, "via"> = { kind: "admin", id: "admin", name: "admin", scopes: [...SCOPES] };
  // What sessions remember of the admin token: a slow hash (a copy of the sessions bucket must not make a short
  // token easy to recover offline).
  const adminCredential = pbkdf2Sync(deps.adminToken, "painchain-session-credential", 100_000, 32, "sha256")
    .toString("hex");

  const readKey = async (id: string): Promise<ApiKeyRecord | null> => {
    if (!KEY_ID.test(id)) return null;
    const e = await deps.keys.get(id);
    if (!e || e.operation !== "PUT") return null;
    const r = apiKeyRecordSchema.safeParse(JSON.parse(decoder.decode(e.value)));
    return r.success ? r.data : null;
  };

  const fromKey = (r: ApiKeyRecord): Omit<Principal, "via"> => ({
    kind: "key",
    id: r.id,
    name: r.name,
    scopes: r.scopes,
  });

  const verifyToken = async (token: string): Promise<Principal | null> => {
    if (token.length > 500) return null;
    if (safeEqual(token, deps.adminToken)) return { ...admin, via: "bearer" };
    if (!token.startsWith(KEY_PREFIX)) return null;
    const [id, secret] = [token.slice(4, 16), token.slice(17)];
    const record = await readKey(id);
    // Compare even when the key is unknown, so a miss takes as long as a wrong secret.
    const ok = safeEqual(sha256(secret), record?.hash ?? "0".repeat(64)) && token[16] === "_";
    return ok && record ? { ...fromKey(record), via: "bearer" } : null;
  };

  return {
    publicRead: deps.publicRead ?? false,
    verifyToken,
    async authenticate(bearer, cookie) {
      if (bearer !== null) {
        const p = await verifyToken(bearer);
        if (!p) throw new AuthError("The token or API key is not valid");
        return p;
      }
      if (cookie) {
        if (cookie.length > 200) throw new AuthError("The session has expired; sign in again");
        const e = await deps.sessions.get(sha256(cookie));
        if (!e || e.operation !== "PUT") throw new AuthError("The session has expired; sign in again");
        const s = sessionSchema.parse(JSON.parse(decoder.decode(e.value)));
        if (s.principal === "admin") {
          // Rotating PAINCHAIN_ADMIN_TOKEN ends the sessions made with the old one.
          if (!s.credential || !safeEqual(s.credential, adminCredential)) {
            throw new AuthError("The admin token changed since this session began; sign in again");
          }
          return { ...admin, via: "session" };
        }
        const record = await readKey(s.principal);
        // A revoked key ends its sessions too.
        if (!record || !s.credential || !safeEqual(s.credential, record.hash)) {
          throw new AuthError("The API key of this session was revoked; sign in again");
        }
        return { ...fromKey(record), via: "session" };
      }
      return null;
    },
    async createKey(body, by) {
      const id = randomId();
      const secret = randomToken(32);
      const record: ApiKeyRecord = {
        id,
        name: body.name,
        scopes: body.scopes,
        hash: sha256(secret),
        createdAt: now().toISOString(),
        createdBy: by.name,
      };
      await deps.keys.create(id, encoder.encode(JSON.stringify(record)));
      return { key: `${KEY_PREFIX}${id}_${secret}`, record };
    },
    async listKeys() {
      const out: ApiKeyRecord[] = [];
      for (const k of await kvKeys(deps.keys)) {
        const r = await readKey(k);
        if (r) out.push(r);
      }
      return out.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
    },
    getKey: readKey,
    async revokeKey(id) {
      if (!(await readKey(id))) return false;
      await deps.keys.purge(id);
      return true;
    },
    async createSession(p) {
      const cookie = randomToken(32);
      const credential = p.kind === "admin" ? adminCredential : (await readKey(p.id))?.hash;
      if (!credential) throw new AuthError("The API key was revoked");
      await deps.sessions.put(
        sha256(cookie),
        encoder.encode(
          JSON.stringify({
            principal: p.kind === "admin" ? "admin" : p.id,
            createdAt: now().toISOString(),
            credential,
          }),
        ),
      );
      return cookie;
    },
    async deleteSession(cookie) {
      await deps.sessions.purge(sha256(cookie)).catch(() => {});
    },
  };
}

/** Public view of a key record (never the hash). */
export function publicKey(r: ApiKeyRecord) {
  return { id: r.id, name: r.name, scopes: r.scopes, createdAt: r.createdAt, createdBy: r.createdBy };
}

/** How a principal is named in audit records: "admin", or the key's name and id. */
export function actorOf(p: Principal | null): string {
  if (!p) return "anonymous";
  return p.kind === "admin" ? "admin" : `key ${p.name} (${p.id})`;
}
