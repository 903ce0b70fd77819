/**
 * Connection secrets at rest: AES-GCM (WebCrypto) with a 256-bit key from PAINCHAIN_SECRET_KEY (base64). A secret
 * may also be a reference, `env:NAME` or `file:/path` (config as code), resolved under the rules of secret_refs.ts.
 */
/** v1: sealed alone; v2: sealed with its binding (connection, field and origin) as additional data. */
const PREFIX = "enc:v1:";
const PREFIX_V2 = "enc:v2:";

function b64url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes)).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}
function fromB64(s: string): Uint8Array<ArrayBuffer> {
  const bin = atob(s.replaceAll("-", "+").replaceAll("_", "/"));
  const out = new Uint8Array(new ArrayBuffer(bin.length));
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

export class SecretKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SecretKeyError";
  }
}

/** The key from its base64 form (32 bytes), or null when none is configured. */
export async function importSecretKey(base64: string | undefined): Promise<CryptoKey | null> {
  if (!base64) return null;
  let raw: Uint8Array<ArrayBuffer>;
  try {
    raw = fromB64(base64.trim());
  } catch {
    throw new SecretKeyError("PAINCHAIN_SECRET_KEY must be base64 (try: openssl rand -base64 32)");
  }
  if (raw.length !== 32) throw new SecretKeyError("PAINCHAIN_SECRET_KEY must be 32 bytes, base64-encoded");
  return await crypto.subtle.importKey("raw", raw, "AES-GCM", false, ["encrypt", "decrypt"]);
}

export function isReference(value: string): boolean {
  return value.startsWith("env:") || value.startsWith("file:");
}

export function isEncrypted(value: string): boolean {
  return value.startsWith(PREFIX) || value.startsWith(PREFIX_V2);
}

/**
 * What a sealed secret is bound to: its connection and field, and for a secret sent upstream, the settings that
 * say where (its origin). Moved to another connection, field or origin, it no longer opens.
 */
export function secretBinding(
  c: { connector: string; id: string; config: Record<string, unknown> },
  field: { key: string; local?: boolean },
  originKeys: string[],
): string {
  const origin = field.local
    ? ""
    : originKeys.map((k) => `${k}=${JSON.stringify(normalizeOrigin(c.config[k]))}`).join("&");
  return `painchain-secret:${c.connector}/${c.id}/${field.key}${origin ? `|${origin}` : ""}`;
}

const normalizeOrigin = (v: unknown) => (typeof v === "string" ? v.trim().replace(/\/+$/, "") : v ?? null);

/** Encrypts a secret value, bound to `binding`; references and already encrypted values are kept as they are. */
export async function sealSecret(key: CryptoKey | null, value: string, binding?: string): Promise<string> {
  if (!key || isReference(value) || isEncrypted(value)) return value;
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const params = binding === undefined
    ? { name: "AES-GCM", iv }
    : { name: "AES-GCM", iv, additionalData: new TextEncoder().encode(binding) };
  const ct = new Uint8Array(await crypto.subtle.encrypt(params, key, new TextEncoder().encode(value)));
  return `${binding === undefined ? PREFIX : PREFIX_V2}${b64url(iv)}:${b64url(ct)}`;
}

/**
 * The plain value of a sealed secret (a plain value is returned as it is; references are not resolved here). A v2
 * value opens only with the binding it was sealed with.
 */
export async function unsealSecret(key: CryptoKey | null, value: string, binding?: string): Promise<string> {
  if (!isEncrypted(value)) return value;
  if (!key) throw new SecretKeyError("A secret is encrypted but PAINCHAIN_SECRET_KEY is not set");
  const v2 = value.startsWith(PREFIX_V2);
  const [iv = "", ct = ""] = value.slice(v2 ? PREFIX_V2.length : PREFIX.length).split(":");
  if (v2 && binding === undefined) throw new SecretKeyError("A bound secret was opened without its binding");
  try {
    const params = v2
      ? { name: "AES-GCM", iv: fromB64(iv), additionalData: new TextEncoder().encode(binding!) }
      : { name: "AES-GCM", iv: fromB64(iv) };
    const plain = await crypto.subtle.decrypt(params, key, fromB64(ct));
    return new TextDecoder().decode(plain);
  } catch {
    throw new SecretKeyError(
      v2
        ? "A secret cannot be opened here: it was sealed for another connection, field or origin (or another PAINCHAIN_SECRET_KEY)"
        : "A secret cannot be decrypted: PAINCHAIN_SECRET_KEY differs from the one that sealed it",
    );
  }
}

export async function sealSecrets(
  key: CryptoKey | null,
  secrets: Record<string, string>,
  bindingOf?: (field: string) => string,
): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(secrets)) out[k] = await sealSecret(key, v, bindingOf?.(k));
  return out;
}

/** The binding of each secret field of a connection, from its connector's form (origin and local fields). */
export function bindingsOf(
  fields: { key: string; origin?: boolean; local?: boolean }[],
  c: { connector: string; id: string; config: Record<string, unknown> },
): (field: string) => string {
  const originKeys = fields.filter((f) => f.origin).map((f) => f.key).sort();
  return (key) =>
    secretBinding(c, { key, local: fields.find((f) => f.key === key)?.local ?? false }, originKeys);
}
