export * from "./connector.ts";
export * from "./map.ts";
export * from "./metadata.ts";
export * from "./poll.ts";
export * from "./targets.ts";
