/**
 * @painchain/shared — the connector author's surface: define a connector (metadata, poll, test, webhook), map
 * upstream JSON to changes, keep incremental cursors and rate budgets, and serve it. Everything a service needs
 * beyond that (the event contract, NATS names and buckets, registry, leases, publisher, secrets) is in
 * `@painchain/shared/internal`.
 */
export type {
  BaseContext,
  ConnectorDefinition,
  PollContext,
  PollOutcome,
  Provenance,
  RateLimitInfo,
  RunContext,
  TestContext,
} from "./runtime/types.ts";
export type { MappedChange } from "./event.ts";
export type { Connection } from "./connection.ts";
export type { Logger } from "./log.ts";
export {
  type ConfigField,
  type ConnectorMetadata,
  type ConnectorMetadataInput,
  connectorMetadataSchema,
  type EventTypeMeta,
} from "./metadata.ts";
export { checkMetadata, loadMetadataFile, MetadataFileError } from "./metadata_file.ts";
export { serveConnector } from "./runtime/serve.ts";
export { advance, isNew, type Watermark, watermark } from "./runtime/watermark.ts";
export { type BudgetInfo, RateBudget } from "./runtime/rate_budget.ts";
export { configLines, parseTargetLine, type TargetLine, TargetLineError } from "./runtime/targets.ts";
export { backoff, jitter, sleep } from "./runtime/timing.ts";
export { memoryStateStore, type StateStore } from "./runtime/state_store.ts";
export type { WebhookDelivery } from "./runtime/webhooks.ts";
export { describeError } from "./runtime/errors.ts";
export { canonicalJson } from "./event.ts";
export { classifyNetworkError, statusText, UpstreamError, upstreamErrorText } from "./upstream/errors.ts";
export { MAX_BODY_BYTES, type StreamingInit } from "./upstream/egress.ts";
