/** Connections in NATS KV, with secrets split out of the config by the connector's configSchema. */
import type { KV } from "nats";
import {
  bindingsOf,
  checkReference,
  type ConfigField,
  configValidator,
  type Connection,
  connectionKey,
  connectionSchema,
  type ConnectorMetadata,
  decoder,
  describeError,
  encoder,
  isEncrypted,
  isReference,
  kvKeys,
  sealSecrets,
} from "@painchain/shared/internal";
import { BadRequestError, ConflictError, NotFoundError } from "./errors.ts";

export async function findConnection(
  kv: KV,
  id: string,
): Promise<{ c: Connection; revision: number } | null> {
  for (const key of await kvKeys(kv, `*.${id}`)) {
    const e = await kv.get(key);
    if (e && e.operation === "PUT") {
      return { c: connectionSchema.parse(JSON.parse(decoder.decode(e.value))), revision: e.revision };
    }
  }
  return null;
}

export async function listConnections(kv: KV, connector?: string): Promise<Connection[]> {
  const keys: string[] = [];
  keys.push(...await kvKeys(kv, connector ? `${connector}.*` : ">"));
  const entries = await Promise.all(keys.map((k) => kv.get(k)));
  const out: Connection[] = [];
  for (const e of entries) {
    if (!e || e.operation !== "PUT") continue;
    const p = connectionSchema.safeParse(JSON.parse(decoder.decode(e.value)));
    if (p.success) out.push(p.data);
  }
  return out.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
}

export interface SplitOptions {
  /** Whether the caller may give secret references (env:, file:): the admin only. */
  mayReference: boolean;
  /** The folder file: references must point into. */
  secretsDir?: string;
}

const sameSetting = (a: unknown, b: unknown) => {
  const norm = (
    v: unknown,
  ) => (typeof v === "string" ? v.trim().replace(/\/+$/, "") : JSON.stringify(v ?? null));
  return norm(a) === norm(b);
};

/**
 * Validates `config` against the connector's fields. Secret fields go to `secrets`: a non-empty value sets it,
 * null clears it, and an absent one keeps the current value. Stored secrets are bound to the origin they were
 * entered for: changing an origin setting (an API URL, a cluster) without entering them again is refused.
 */
export function splitConfig(
  fields: ConfigField[],
  input: Record<string, unknown>,
  current: { config: Record<string, unknown>; secrets: Record<string, string> } | null,
  opts: SplitOptions = { mayReference: false },
) {
  const secretKeys = new Set(fields.filter((f) => f.secret).map((f) => f.key));
  const labelOf = (k: string) => fields.find((f) => f.key === k)?.label ?? k;
  const secrets: Record<string, string> = { ...(current?.secrets ?? {}) };
  const plain: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(input)) {
    if (secretKeys.has(k)) {
      if (v === null) delete secrets[k];
      else if (typeof v === "string" && v !== "") {
        if (isEncrypted(v)) {
          throw new BadRequestError(
            `Invalid config: ${labelOf(k)}: give the secret itself; PainChain seals it`,
          );
        }
        if (isReference(v)) {
          if (!opts.mayReference) {
            throw new BadRequestError(
              `Invalid config: ${
                labelOf(k)
              }: secret references (env:, file:) are configuration as code; put them in ` +
                "PAINCHAIN_CONNECTIONS_FILE, or ask the admin",
            );
          }
          const why = checkReference(v, opts.secretsDir ? { secretsDir: opts.secretsDir } : {});
          if (why) throw new BadRequestError(`Invalid config: ${labelOf(k)}: ${why}`);
        }
        secrets[k] = v;
      } else if (v !== "" && v !== undefined) throw new BadRequestError(`Invalid config: ${k}: must be text`);
    } else if (v !== null) plain[k] = v;
  }
  const merged = { ...(current?.config ?? {}), ...plain };
  for (const [k, v] of Object.entries(input)) if (v === null && !secretKeys.has(k)) delete merged[k];
  for (const f of fields) {
    if (!f.secret && merged[f.key] === undefined && f.default !== undefined) merged[f.key] = f.default;
  }
  const check = configValidator(fields.filter((f) => !f.secret)).safeParse(merged);
  if (!check.success) throw new BadRequestError(`Invalid config: ${describeError(check.error)}`);
  const config = check.data as Record<string, unknown>;
  if (current) {
    const moved = fields.filter((f) =>
      f.origin && !f.secret && !sameSetting(current.config[f.key], config[f.key])
    );
    const kept = fields.filter((f) =>
      f.secret && !f.local && current.secrets[f.key] && secrets[f.key] === current.secrets[f.key]
    );
    if (moved.length && kept.length) {
      throw new BadRequestError(
        `Invalid config: changing ${moved.map((f) => f.label).join(", ")} would send the stored ` +
          `${kept.map((f) => f.label).join(", ")} somewhere new; enter ${
            kept.length > 1 ? "them" : "it"
          } again ` +
          "(or clear with null)",
      );
    }
  }
  const missing = fields.filter((f) => f.secret && f.required && !secrets[f.key]).map((f) => f.label);
  if (missing.length) throw new BadRequestError(`Invalid config: ${missing.join(", ")} is required`);
  return { config, secrets };
}

export function slug(name: string): string {
  const s = name.toLowerCase().normalize("NFKD").replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(
    0,
    40,
  );
  return s || "connection";
}

/** Who writes, under which rules, and the connector's own check of the result (before anything is stored). */
export interface WriteOptions {
  actor: string;
  split: SplitOptions;
  check?: (c: Connection) => Promise<void>;
}

export async function createConnection(
  kv: KV,
  meta: ConnectorMetadata,
  body: {
    id?: string | undefined;
    name: string;
    enabled: boolean;
    pollInterval?: number | undefined;
    tags: string[];
    config: Record<string, unknown>;
  },
  now: Date,
  secretKey: CryptoKey | null = null,
  opts: WriteOptions = { actor: "admin", split: { mayReference: true } },
): Promise<Connection> {
  const { config, secrets: plain } = splitConfig(meta.configSchema, body.config, null, opts.split);
  const id = body.id ?? `${slug(body.name)}-${crypto.randomUUID().slice(0, 6)}`;
  const secrets = await sealSecrets(
    secretKey,
    plain,
    bindingsOf(meta.configSchema, { connector: meta.id, id, config }),
  );
  if (await findConnection(kv, id)) throw new ConflictError(`A connection with id "${id}" exists`);
  const pollInterval = body.pollInterval ?? meta.defaultPollInterval;
  if (pollInterval < meta.minPollInterval) {
    throw new BadRequestError(
      `Invalid request: pollInterval must be at least ${meta.minPollInterval} seconds`,
    );
  }
  const c: Connection = {
    id,
    connector: meta.id,
    name: body.name,
    enabled: body.enabled,
    pollInterval,
    tags: body.tags,
    config,
    secrets,
    createdAt: now.toISOString(),
    updatedAt: now.toISOString(),
    updatedBy: opts.actor,
  };
  await opts.check?.(c);
  try {
    await kv.create(connectionKey(meta.id, id), encoder.encode(JSON.stringify(c)));
  } catch (err) {
    throw new ConflictError(`A connection with id "${id}" exists`, { cause: err });
  }
  return c;
}

export async function updateConnection(
  kv: KV,
  meta: ConnectorMetadata,
  id: string,
  patch: {
    name?: string | undefined;
    enabled?: boolean | undefined;
    pollInterval?: number | undefined;
    tags?: string[] | undefined;
    config?: Record<string, unknown> | undefined;
  },
  now: Date,
  secretKey: CryptoKey | null = null,
  opts: WriteOptions = { actor: "admin", split: { mayReference: true } },
): Promise<Connection> {
  const found = await findConnection(kv, id);
  if (!found || found.c.connector !== meta.id) throw new NotFoundError("No such connection");
  const { config, secrets: merged } = splitConfig(meta.configSchema, patch.config ?? {}, found.c, opts.split);
  // Values already sealed are kept as they are; new ones are sealed, bound to this connection and origin.
  const secrets = await sealSecrets(
    secretKey,
    merged,
    bindingsOf(meta.configSchema, { connector: meta.id, id, config }),
  );
  const pollInterval = patch.pollInterval ?? found.c.pollInterval;
  if (pollInterval < meta.minPollInterval) {
    throw new BadRequestError(
      `Invalid request: pollInterval must be at least ${meta.minPollInterval} seconds`,
    );
  }
  const c: Connection = {
    ...found.c,
    ...(patch.name !== undefined ? { name: patch.name } : {}),
    ...(patch.enabled !== undefined ? { enabled: patch.enabled } : {}),
    ...(patch.tags !== undefined ? { tags: patch.tags } : {}),
    pollInterval,
    config,
    secrets,
    updatedAt: now.toISOString(),
    updatedBy: opts.actor,
  };
  await opts.check?.(c);
  try {
    await kv.update(connectionKey(meta.id, id), encoder.encode(JSON.stringify(c)), found.revision);
  } catch (err) {
    throw new ConflictError("The connection changed meanwhile; try again", { cause: err });
  }
  return c;
}
