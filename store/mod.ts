export * from "./consumer.ts";
export * from "./db.ts";
export * from "./migrate.ts";
export * from "./upsert.ts";
export * from "./validate.ts";
export * from "./catalog.ts";
export * from "./poll_log.ts";
export * from "./service.ts";
