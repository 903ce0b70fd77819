/** Environment of the gateway. */
import { z } from "zod";

export const gatewayEnvSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8000),
  HOST: z.string().default("0.0.0.0"),
  NATS_URL: z.string().default("nats://127.0.0.1:4222"),
  /** NATS credentials: a token, or a user and password (set them: NATS access is admin access). */
  NATS_TOKEN: z.string().optional(),
  NATS_USER: z.string().optional(),
  NATS_PASSWORD: z.string().optional(),
  DATABASE_URL: z.string({ error: "DATABASE_URL is required" }).min(1, "DATABASE_URL is required"),
  /**
   * A read replica for the gateway's queries (optional). The gateway only reads Postgres, so with it set every
   * query goes there; anything written would stay on DATABASE_URL. Empty means unset.
   */
  DATABASE_READ_URL: z.string().optional().transform((v) => v || undefined),
  PAINCHAIN_PREFIX: z.string().default("painchain"),
  LOG_LEVEL: z.enum(["debug", "info", "warn", "error"]).default("info"),
  WEB_DIR: z.string().optional(),
  /** base64 of 32 random bytes (openssl rand -base64 32): seals connection secrets in KV. */
  PAINCHAIN_SECRET_KEY: z.string().optional(),
  /** The admin's bearer token: required, at least 16 characters (openssl rand -hex 24). */
  PAINCHAIN_ADMIN_TOKEN: z.string({ error: "PAINCHAIN_ADMIN_TOKEN is required (try: openssl rand -hex 24)" })
    .min(16, "PAINCHAIN_ADMIN_TOKEN must be at least 16 characters (try: openssl rand -hex 24)"),
  /** Let anyone who reaches the gateway read the timeline without signing in. */
  PAINCHAIN_PUBLIC_READ: z.enum(["true", "false", "1", "0", ""]).default("false").transform((v) =>
    v === "true" || v === "1"
  ),
  /** Requests per minute (and burst) per caller on the change API and each webhook route. */
  PAINCHAIN_INTAKE_PER_MINUTE: z.coerce.number().int().min(1).default(600),
  PAINCHAIN_INTAKE_BURST: z.coerce.number().int().min(1).default(120),
  /** The only folder `file:` secret references (webhook secrets) may read from. */
  PAINCHAIN_SECRETS_DIR: z.string().default("/run/secrets"),
  /** Replicas of every stream and bucket PainChain creates (3 on a JetStream cluster). */
  PAINCHAIN_STREAM_REPLICAS: z.coerce.number().int().min(1).max(5).default(1),
  /** Default weights of the "what changed?" ranking, e.g. "service:8,time:2" (see README). */
  PAINCHAIN_INVESTIGATE_WEIGHTS: z.string().optional(),
  /** How many reverse proxies in front of the gateway append to X-Forwarded-For (0: trust none). */
  PAINCHAIN_TRUSTED_PROXIES: z.coerce.number().int().min(0).max(10).default(0),
});
