/** Environment of a connector service, parsed once at start. */
import { z } from "zod";

export const connectorEnvSchema = z.object({
  NATS_URL: z.string().default("nats://127.0.0.1:4222"),
  /** NATS credentials: a token, or a user and password (set them: NATS access is admin access). */
  NATS_TOKEN: z.string().optional(),
  NATS_USER: z.string().optional(),
  NATS_PASSWORD: z.string().optional(),
  PAINCHAIN_PREFIX: z.string().default("painchain"),
  LOG_LEVEL: z.enum(["debug", "info", "warn", "error"]).default("info"),
  CONNECTOR_PORT: z.coerce.number().int().min(0).max(65535).default(0),
  CONNECTOR_HOST: z.string().default("0.0.0.0"),
  /** How the gateway reaches this replica; defaults to http://<hostname>:<port>. */
  CONNECTOR_ADVERTISE_URL: z.string().url().optional(),
  /** Connections as code: a YAML or JSON file with a list of connections. */
  PAINCHAIN_CONNECTIONS_FILE: z.string().optional(),
  INSTANCE_ID: z.string().optional(),
  /** Opens connection secrets sealed by the gateway (the same key). */
  PAINCHAIN_SECRET_KEY: z.string().optional(),
  /** The only folder `file:` secret references may read from. */
  PAINCHAIN_SECRETS_DIR: z.string().default("/run/secrets"),
  /** Hosts, *.domains, IPs and CIDRs upstream requests may reach beyond the public internet. */
  PAINCHAIN_UPSTREAM_ALLOW: z.string().default(""),
  /** A replica is presumed dead after three missed heartbeats; keep 3 x HEARTBEAT_MS <= LEASE_TTL_MS. */
  HEARTBEAT_MS: z.coerce.number().int().min(100).default(5_000),
  LEASE_TTL_MS: z.coerce.number().int().min(300).default(15_000),
  /** Replicas of every stream and bucket PainChain creates (3 on a JetStream cluster). */
  PAINCHAIN_STREAM_REPLICAS: z.coerce.number().int().min(1).max(5).default(1),
});
export type ConnectorEnv = z.output<typeof connectorEnvSchema>;

/**
 * Reads exactly the variables a schema names, one by one: a service runs with `--allow-env=<those names>`, and
 * reading the whole environment would need more.
 */
export function readEnv(
  schema: z.ZodObject,
  get: (name: string) => string | undefined = Deno.env.get,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of Object.keys(schema.shape)) {
    let v: string | undefined;
    try {
      v = get(name);
    } catch {
      v = undefined; // not granted to this service
    }
    if (v !== undefined) out[name] = v;
  }
  return out;
}

export function parseEnv<T extends z.ZodType>(schema: T, env: Record<string, string>): z.output<T> {
  const r = schema.safeParse(env);
  if (!r.success) {
    const msg = r.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
    throw new Error(`Invalid configuration: ${msg}`);
  }
  return r.data;
}
