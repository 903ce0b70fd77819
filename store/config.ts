/** Environment of the store service. */
import { z } from "zod";

export const storeEnvSchema = z.object({
  NATS_URL: z.string().default("nats://127.0.0.1:4222"),
  /** NATS credentials: a token, or a user and password (set them: NATS access is admin access). */
  NATS_TOKEN: z.string().optional(),
  NATS_USER: z.string().optional(),
  NATS_PASSWORD: z.string().optional(),
  DATABASE_URL: z.string({ error: "DATABASE_URL is required" }).min(1, "DATABASE_URL is required"),
  PAINCHAIN_PREFIX: z.string().default("painchain"),
  LOG_LEVEL: z.enum(["debug", "info", "warn", "error"]).default("info"),
  STORE_BATCH_MAX: z.coerce.number().int().min(1).max(5000).default(1000),
  STORE_BATCH_WINDOW_MS: z.coerce.number().int().min(1).max(10_000).default(50),
  STORE_RETRY_DELAY_MS: z.coerce.number().int().min(10).default(2_000),
  /** How long a delivered, unacknowledged message waits before redelivery (e.g. after the store was killed). */
  STORE_ACK_WAIT_MS: z.coerce.number().int().min(1_000).default(60_000),
  STORE_CONCURRENCY: z.coerce.number().int().min(1).max(16).default(2),
  /** The service catalog as code: a YAML list of rules (see README, "Services and environments"). */
  PAINCHAIN_CATALOG_FILE: z.string().optional(),
  /** Days of changes kept (by occurred_at, dropped a whole month at a time); 0 keeps them forever. */
  PAINCHAIN_RETENTION_DAYS: z.coerce.number().int().min(0).default(0),
  /** Replicas of every stream and bucket PainChain creates (3 on a JetStream cluster). */
  PAINCHAIN_STREAM_REPLICAS: z.coerce.number().int().min(1).max(5).default(1),
});
