export * from "./app.ts";
export * from "./hub.ts";
export * from "./registry_cache.ts";
export * from "./events_query.ts";
export * from "./auth.ts";
export { clientAddress, rateLimiter } from "./rate_limit.ts";
export * from "./limits.ts";
