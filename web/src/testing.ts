/** Fixtures for the unit tests beside the code (not part of the bundle). */
import type { ChangeEvent } from "./api.ts";

export function change(over: Partial<ChangeEvent> = {}): ChangeEvent {
  return {
    id: "forge-pull_request-1",
    connector: "forge",
    eventType: "pull_request",
    connectionId: "c1",
    subject: "acme/checkout#12",
    title: "Retry on 503",
    description: "",
    author: "alice",
    url: "",
    status: "merged",
    tags: ["prod"],
    refs: ["main"],
    service: "checkout",
    environment: "staging",
    team: "",
    metadata: {},
    time: "2026-11-30T10:00:00.000Z",
    recordedAt: "2026-11-30T10:00:00.000Z",
    storedAt: "2026-11-30T10:00:00.000Z",
    updatedAt: "2026-11-30T10:00:00.000Z",
    version: 1,
    ...over,
  };
}
