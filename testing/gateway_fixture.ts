/** A gateway wired to an isolated database and NATS prefix, plus seeded events, for API tests. */
import {
  cloudEventSchema,
  type ConnectorMetadataInput,
  connectorMetadataSchema,
  putInstance,
  putLogo,
  putMetadata,
} from "@painchain/shared/internal";
import { upsertEvents } from "@painchain/store";
import { migratedEnv } from "./store_db.ts";
import { testGateway } from "./pipeline_harness.ts";
import type { RateLimit } from "@painchain/gateway";

export const CONNECTORS = ["github", "gitlab", "kubernetes", "painchain"] as const;
export const TAGS = ["prod", "preprod", "staging", "team-a", "team-b"];
export const AUTHORS = ["alice", "bob", "carol", "dave"];
export const STATUSES = ["open", "merged", "success", "failed"];
export const BASE_TIME = Date.UTC(2026, 10, 20);

/** Deterministic, varied events: i spreads over connectors, types, tags, authors and a week of time. */
export function seededEvent(i: number) {
  const connector = CONNECTORS[i % 4]!;
  const eventType = ["deploy", "pipeline", "release"][i % 3]!;
  const time = new Date(BASE_TIME + ((i * 7919) % (7 * 24 * 60)) * 60_000 + (i % 2) * 1000).toISOString();
  return cloudEventSchema.parse({
    specversion: "1.0",
    id: `${connector}-${eventType}-${i}`,
    source: `/painchain/connectors/${connector}/connections/c${i % 3}`,
    type: `dev.painchain.${connector}.${eventType}`,
    time,
    recordedtime: time,
    datacontenttype: "application/json",
    data: {
      title: `${["Rollout", "Hotfix", "Upgrade", "Rollback"][i % 4]} of service-${i % 11}`,
      description: i % 5 === 0 ? "payments database migration" : "routine change",
      author: AUTHORS[i % 4],
      url: "",
      status: STATUSES[(i >> 1) % 4],
      eventType,
      connector,
      connectionId: `c${i % 3}`,
      tags: [TAGS[i % 5]!, ...(i % 3 === 0 ? [TAGS[(i + 2) % 5]!] : [])],
      refs: [`sha:${(i * 2654435761 % 2 ** 32).toString(16)}`],
      metadata: { n: i },
    },
  });
}

/** A tiny PNG (signature plus a few bytes): what the fake connector registers as its logo. */
export const TEST_PNG = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3, 4]);

export const testConnectorMeta: ConnectorMetadataInput = {
  id: "fake",
  displayName: "Fake Source",
  color: "#ff00aa",
  logo: "logo.png",
  description: "Exists only in tests",
  minPollInterval: 10,
  defaultPollInterval: 60,
  configSchema: [
    { key: "token", label: "Token", type: "password", secret: true, required: true },
    { key: "baseUrl", label: "Base URL", type: "url" },
    { key: "repos", label: "Repositories", type: "list", required: true },
    { key: "depth", label: "Depth", type: "number", min: 1, max: 10, default: 3 },
  ],
  eventTypes: {
    deploy: {
      displayName: "Deploys",
      sections: [{ title: "Details", fields: [{ key: "metadata.n", label: "N" }] }],
    },
  },
};

export async function gatewayFixture(
  opts: { events?: number; publicRead?: boolean; intakeRateLimit?: RateLimit } = {},
) {
  const { db, tn, sql } = await migratedEnv(4);
  const events = Array.from({ length: opts.events ?? 0 }, (_, i) => seededEvent(i));
  for (let i = 0; i < events.length; i += 1000) await upsertEvents(sql, events.slice(i, i + 1000));
  const meta = connectorMetadataSchema.parse(testConnectorMeta);
  await putMetadata(tn.buckets.registry, meta);
  await putLogo(tn.buckets.logos, meta.id, { type: "image/png", body: TEST_PNG });
  await putInstance(tn.buckets.registry, {
    instanceId: "fake-1",
    connector: "fake",
    url: "http://fake-connector.invalid:1",
    startedAt: new Date().toISOString(),
    heartbeatAt: new Date().toISOString(),
    heartbeatIntervalMs: 3_600_000,
    connections: {},
  });
  const gw = testGateway(sql, tn, opts);
  return {
    ...gw,
    sql,
    tn,
    events,
    async close() {
      gw.hub.close();
      await sql.end();
      await tn.cleanup();
      await db.drop();
    },
  };
}
