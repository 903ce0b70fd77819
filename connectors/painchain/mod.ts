export { painchainConnector } from "./connector.ts";
export * from "./audit.ts";
