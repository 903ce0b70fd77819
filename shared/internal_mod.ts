/**
 * @painchain/shared/internal — what the services (store, gateway, runtime) and tests share beyond the connector
 * author's surface: the event contract, NATS names, streams and buckets, registry, leases, publisher, secrets.
 */
export * from "./mod.ts";
export * from "./names.ts";
export * from "./wire.ts";
export * from "./event.ts";
export * from "./metadata.ts";
export * from "./connection.ts";
export * from "./log.ts";
export * from "./nats.ts";
export * from "./registry.ts";
export * from "./stored.ts";
export * from "./secrets.ts";
export * from "./secret_refs.ts";
export * from "./db.ts";
export * from "./dead_letter.ts";
export * from "./audit.ts";
export * from "./catalog.ts";
export * from "./moment.ts";
export * from "./upstream/errors.ts";
export * from "./upstream/egress.ts";
export * from "./metadata_file.ts";
export { loadConnectionsFile, startConnector } from "./runtime/runtime.ts";
export type { RunningConnector, RuntimeDeps } from "./runtime/types.ts";
export * from "./runtime/lease.ts";
export * from "./runtime/publisher.ts";
export * from "./runtime/config.ts";
export * from "./runtime/webhooks.ts";
export * from "./runtime/state_store.ts";
export * from "./runtime/cursors.ts";
