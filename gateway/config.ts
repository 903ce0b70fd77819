/** Environment of the gateway. */
import { z } from "zod";

export const gatewayEnvSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8000),
  HOST: z.string().default("0.0.0.0"),
  NATS_URL: z.string().default("nats://127.0.0.1:4222"),
  DATABASE_URL: z.string({ error: "DATABASE_URL is required" }).min(1, "DATABASE_URL is required"),
  PAINCHAIN_PREFIX: z.string().default("painchain"),
  LOG_LEVEL: z.enum(["debug", "info", "warn", "error"]).default("info"),
  WEB_DIR: z.string().optional(),
  /** base64 of 32 random bytes (openssl rand -base64 32): seals connection secrets in KV. */
  PAINCHAIN_SECRET_KEY: z.string().optional(),
});
