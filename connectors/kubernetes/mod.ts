export * from "./connector.ts";
export * from "./client.ts";
export * from "./diff.ts";
export * from "./helm.ts";
export { default as metadata } from "./metadata.json" with { type: "json" };
export * from "./observe.ts";
export * from "./poll.ts";
export * from "./resources.ts";
export * from "./settings.ts";
