/**
 * Opening a connection secret: a sealed value is decrypted; a reference (config as code) is resolved under rules
 * that keep it away from PainChain's own secrets:
 * - `env:NAME` reads only variables named `CONNECTION_SECRET_*` (never PAINCHAIN_ADMIN_TOKEN, the secret key or
 *   DATABASE_URL, which the process may hold);
 * - `file:/path` reads only regular files inside the secrets folder (default /run/secrets), after symlinks are
 *   followed, and at most 64 KiB.
 * Every error names the reference and the rule, never a value.
 */
import { isAbsolute, normalize, relative, sep } from "node:path";
import { isEncrypted, isReference, unsealSecret } from "./secrets.ts";

export const SECRET_ENV_PREFIX = "CONNECTION_SECRET_";
export const DEFAULT_SECRETS_DIR = "/run/secrets";
/** The most a secret (decrypted, from a variable or from a file) may hold. */
export const SECRET_MAX_BYTES = 64 * 1024;

const ENV_NAME = /^CONNECTION_SECRET_[A-Z0-9_]{1,100}$/;

export class SecretRefError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SecretRefError";
  }
}

export type EnvLookup = Record<string, string> | ((name: string) => string | undefined);

export interface RefRules {
  secretsDir?: string;
}

/** Why a reference breaks the rules (before anything is read), or null when it may be resolved. */
export function checkReference(value: string, rules: RefRules = {}): string | null {
  if (value.startsWith("env:")) {
    const name = value.slice(4);
    return ENV_NAME.test(name)
      ? null
      : `env: references may only name variables that start with ${SECRET_ENV_PREFIX} (e.g. env:${SECRET_ENV_PREFIX}GITHUB_TOKEN)`;
  }
  if (value.startsWith("file:")) {
    const dir = normalize(rules.secretsDir ?? DEFAULT_SECRETS_DIR);
    const path = value.slice(5);
    if (!isAbsolute(path)) return `file: references must be absolute paths inside ${dir}`;
    const rel = relative(dir, normalize(path));
    if (!rel || rel.startsWith("..") || isAbsolute(rel)) return `file: references must point into ${dir}`;
    return null;
  }
  return null;
}

/** Reads at most `max` bytes of a regular file inside `dir` (symlinks resolved first). */
async function readBounded(path: string, dir: string, max: number): Promise<string> {
  let real: string;
  let realDir: string;
  try {
    [real, realDir] = await Promise.all([Deno.realPath(path), Deno.realPath(dir)]);
  } catch (err) {
    throw new SecretRefError(`file:${path} cannot be read (${(err as Error).name})`);
  }
  const rel = relative(realDir, real);
  if (!rel || rel.startsWith("..") || isAbsolute(rel) || rel.split(sep).includes("..")) {
    throw new SecretRefError(`file:${path} leads outside ${dir}`);
  }
  const info = await Deno.stat(real);
  if (!info.isFile) throw new SecretRefError(`file:${path} is not a regular file`);
  if (info.size > max) throw new SecretRefError(`file:${path} is larger than ${max / 1024} KiB`);
  const f = await Deno.open(real, { read: true });
  try {
    const buf = new Uint8Array(max + 1);
    let n = 0;
    while (n < buf.length) {
      const got = await f.read(buf.subarray(n));
      if (got === null) break;
      n += got;
    }
    if (n > max) throw new SecretRefError(`file:${path} is larger than ${max / 1024} KiB`);
    return new TextDecoder().decode(buf.subarray(0, n)).trim();
  } finally {
    f.close();
  }
}

export interface SecretOpenerOptions extends RefRules {
  key: CryptoKey | null;
  env: EnvLookup;
  maxBytes?: number;
}

/** The plain value of one stored secret; `binding` is what a sealed (v2) value must have been sealed for. */
export async function resolveSecret(
  value: string,
  o: SecretOpenerOptions,
  binding?: string,
): Promise<string> {
  const max = o.maxBytes ?? SECRET_MAX_BYTES;
  let out: string;
  if (isEncrypted(value)) out = await unsealSecret(o.key, value, binding);
  else if (isReference(value)) {
    const why = checkReference(value, o);
    if (why) throw new SecretRefError(why);
    if (value.startsWith("env:")) {
      const name = value.slice(4);
      let v: string | undefined;
      try {
        v = typeof o.env === "function" ? o.env(name) : o.env[name];
      } catch {
        v = undefined;
      }
      if (v === undefined) throw new SecretRefError(`env:${name} is not set for this service`);
      out = v;
    } else {
      out = await readBounded(value.slice(5), normalize(o.secretsDir ?? DEFAULT_SECRETS_DIR), max);
    }
  } else out = value;
  if (new TextEncoder().encode(out).length > max) {
    throw new SecretRefError(`A secret is larger than ${max / 1024} KiB`);
  }
  return out;
}

/** Opens every secret of a connection; `bindingOf` gives each field's binding (see secretBinding). */
export function createSecretOpener(o: SecretOpenerOptions) {
  return async (
    secrets: Record<string, string>,
    bindingOf?: (field: string) => string,
  ): Promise<Record<string, string>> => {
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(secrets)) out[k] = await resolveSecret(v, o, bindingOf?.(k));
    return out;
  };
}
