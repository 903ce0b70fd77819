/**
 * Connection secrets at rest: AES-GCM (WebCrypto) with a 256-bit key from PAINCHAIN_SECRET_KEY (base64). A secret
 * may also be a reference, `env:NAME` or `file:/path` (config as code), resolved under the rules of secret_refs.ts.
 */
const PREFIX = "enc:v1:";

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
  return value.startsWith(PREFIX);
}

/** Encrypts a secret value; references and already encrypted values are kept as they are. */
export async function sealSecret(key: CryptoKey | null, value: string): Promise<string> {
  if (!key || isReference(value) || isEncrypted(value)) return value;
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const ct = new Uint8Array(
    await crypto.subtle.encrypt({ name: "AES-GCM", iv }, key, new TextEncoder().encode(value)),
  );
  return `${PREFIX}${b64url(iv)}:${b64url(ct)}`;
}

/** The plain value of a sealed secret (a plain value is returned as it is; references are not resolved here). */
export async function unsealSecret(key: CryptoKey | null, value: string): Promise<string> {
  if (!isEncrypted(value)) return value;
  if (!key) throw new SecretKeyError("A secret is encrypted but PAINCHAIN_SECRET_KEY is not set");
  const [iv = "", ct = ""] = value.slice(PREFIX.length).split(":");
  try {
    const plain = await crypto.subtle.decrypt({ name: "AES-GCM", iv: fromB64(iv) }, key, fromB64(ct));
    return new TextDecoder().decode(plain);
  } catch {
    throw new SecretKeyError(
      "A secret cannot be decrypted: PAINCHAIN_SECRET_KEY differs from the one that sealed it",
    );
  }
}

export async function sealSecrets(
  key: CryptoKey | null,
  secrets: Record<string, string>,
): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(secrets)) out[k] = await sealSecret(key, v);
  return out;
}
