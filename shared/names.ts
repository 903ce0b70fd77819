/**
 * Every NATS stream, bucket and subject name in one place. A prefix lets tests run side by side
 * on one NATS server without seeing each other's data.
 */
export interface Names {
  prefix: string;
  /** JetStream stream holding every ChangeEvent. */
  eventsStream: string;
  /** Subject filter of the events stream. */
  eventsSubjects: string;
  /** Dead-letter stream: invalid messages with the reason. */
  deadLetterStream: string;
  deadLetterSubjects: string;
  /** Stream of connector status reports (heartbeats and poll outcomes), kept as history. */
  statusStream: string;
  statusSubjects: string;
  /** Core NATS subject on which the store announces stored changes. */
  storedSubject: string;
  /** KV buckets. */
  connectionsBucket: string;
  registryBucket: string;
  cursorsBucket: string;
  leasesBucket: string;
  teamsBucket: string;
  /** API keys (hashed) and UI sessions (hashed ids, with a TTL). */
  apiKeysBucket: string;
  /** Per-connection state a connector keeps between polls (e.g. the last seen version of watched objects). */
  stateBucket: string;
  sessionsBucket: string;
  /** Stream of verified raw webhook deliveries, handed from the gateway to the connectors. */
  webhooksStream: string;
  webhooksSubjects: string;
  /** Logos registered by connectors (the gateway serves them even while a connector is down). */
  logosBucket: string;
  /** Shared counters of the gateways: rate limits and failed credentials. */
  limitsBucket: string;
  /** The service catalog's rules. */
  catalogBucket: string;
  /** Stream of audit records written by the gateway (who tested a connection, created or revoked a key). */
  auditStream: string;
  auditSubjects: string;
  auditSubject(action: string): string;
  /** Durable consumer name of the store. */
  storeConsumer: string;
  eventSubject(connector: string, eventType: string): string;
  deadLetterSubject(reason: string): string;
  statusSubject(connector: string, connectionId: string): string;
  /** Core NATS request subject that asks a connector to poll a connection now. */
  syncSubject(connector: string): string;
  /** Core NATS request subject (queue group) that asks a connector to test a connection's settings. */
  testSubject(connector: string): string;
  /** Core NATS request subject (queue group) that asks a connector to check settings without any request. */
  validateSubject(connector: string): string;
  /** Subject of a verified webhook delivery for one connection. */
  webhookSubject(connector: string, connectionId: string): string;
  /** Filter matching every webhook delivery of one connector. */
  webhookFilter(connector: string): string;
  /** Durable consumer name through which a connector's replicas share webhook deliveries. */
  webhookConsumer(connector: string): string;
}

const PREFIX = /^[a-z][a-z0-9_]{0,30}$/;
const TOKEN = /[^A-Za-z0-9_-]/g;

/** Makes a subject token safe: NATS tokens may not hold dots, spaces or wildcards. */
export function subjectToken(value: string): string {
  const token = value.replace(TOKEN, "_");
  return token.length > 0 ? token : "_";
}

export function names(prefix = "painchain"): Names {
  if (!PREFIX.test(prefix)) {
    throw new Error(`Invalid prefix "${prefix}": use lowercase letters, digits and underscores`);
  }
  const upper = prefix.toUpperCase();
  return {
    prefix,
    eventsStream: `${upper}_EVENTS`,
    eventsSubjects: `${prefix}.events.>`,
    deadLetterStream: `${upper}_DEAD_LETTER`,
    deadLetterSubjects: `${prefix}.deadletter.>`,
    statusStream: `${upper}_STATUS`,
    statusSubjects: `${prefix}.status.>`,
    storedSubject: `${prefix}.stored`,
    connectionsBucket: `${prefix}_connections`,
    registryBucket: `${prefix}_registry`,
    cursorsBucket: `${prefix}_cursors`,
    leasesBucket: `${prefix}_leases`,
    teamsBucket: `${prefix}_teams`,
    apiKeysBucket: `${prefix}_apikeys`,
    stateBucket: `${prefix}_state`,
    sessionsBucket: `${prefix}_sessions`,
    webhooksStream: `${upper}_WEBHOOKS`,
    webhooksSubjects: `${prefix}.webhooks.>`,
    logosBucket: `${prefix}_logos`,
    limitsBucket: `${prefix}_limits`,
    catalogBucket: `${prefix}_catalog`,
    auditStream: `${upper}_AUDIT`,
    auditSubjects: `${prefix}.audit.>`,
    auditSubject: (action) => `${prefix}.audit.${subjectToken(action)}`,
    storeConsumer: "store",
    eventSubject: (connector, eventType) =>
      `${prefix}.events.${subjectToken(connector)}.${subjectToken(eventType)}`,
    deadLetterSubject: (reason) => `${prefix}.deadletter.${subjectToken(reason)}`,
    statusSubject: (connector, connectionId) =>
      `${prefix}.status.${subjectToken(connector)}.${subjectToken(connectionId)}`,
    syncSubject: (connector) => `${prefix}.control.${subjectToken(connector)}.sync`,
    testSubject: (connector) => `${prefix}.control.${subjectToken(connector)}.test`,
    validateSubject: (connector) => `${prefix}.control.${subjectToken(connector)}.validate`,
    webhookSubject: (connector, connectionId) =>
      `${prefix}.webhooks.${subjectToken(connector)}.${subjectToken(connectionId)}`,
    webhookFilter: (connector) => `${prefix}.webhooks.${subjectToken(connector)}.*`,
    webhookConsumer: (connector) => `webhooks_${subjectToken(connector)}`,
  };
}
