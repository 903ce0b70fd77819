export * from "./connector.ts";
export * from "./map.ts";
export { default as metadata } from "./metadata.json" with { type: "json" };
export * from "./poll.ts";
export * from "./targets.ts";
export * from "./client.ts";
export * from "./kinds.ts";
