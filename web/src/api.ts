/** Calls to the gateway's API. Types come from the server packages (type-only: nothing of them is bundled). */
import type {
  CatalogRule,
  ConfigField,
  ConnectionStatus,
  ConnectorMetadata,
  publicCatalogEntry,
  PublicConnection,
  StoredCatalog,
  StoredEvent,
} from "@painchain/shared/internal";
import type {
  Chain,
  ChainLink,
  ChainMember,
  Gap,
  publicKey,
  Reason,
  Suspect,
  Timeline,
  WeightName,
  Weights,
} from "@painchain/gateway";

export type {
  CatalogRule,
  Chain,
  ChainLink,
  ChainMember,
  ConfigField,
  ConnectionStatus,
  Gap,
  Reason,
  StoredCatalog,
  Suspect,
  Timeline,
  WeightName,
  Weights,
};

export type EventTypeMeta = ConnectorMetadata["eventTypes"][string];
export type DetailField = EventTypeMeta["sections"][number]["fields"][number];
export type WebhookSpec = NonNullable<ConnectorMetadata["webhook"]>;

/** GET /api/connectors/metadata without credentials: the public catalog. */
export type PublicConnector = ReturnType<typeof publicCatalogEntry> & { logoUrl: string };

/** GET /api/connectors/metadata with a read credential: the full entry. */
export type ConnectorMeta = ConnectorMetadata & {
  logoUrl: string;
  status: "up" | "down";
  /** Hosted by the gateway itself (the change API's connector): no replicas, no heartbeat. */
  builtIn: boolean;
  lastHeartbeatAt: string | null;
  instances: {
    instanceId: string;
    startedAt: string;
    heartbeatAt: string;
    connections: ConnectionStatus[];
  }[];
};

/** The shape the API and the live stream send; defined once in shared/. */
export type ChangeEvent = StoredEvent;

export type Connection = PublicConnection;

export interface Team {
  id: string;
  name: string;
  tags: string[];
}

export class ApiError extends Error {
  constructor(message: string, readonly status: number) {
    super(message);
    this.name = "ApiError";
  }
}

export interface Session {
  authenticated: boolean;
  principal: { kind: "admin" | "key"; id: string; name: string; scopes: string[] } | null;
  publicRead: boolean;
}

/** GET /api/investigate: the changes before a moment, ranked with their reasons; those after it; coverage gaps. */
export interface Investigation {
  at: string;
  from: string;
  to: string;
  window: string;
  service: string | null;
  environment: string | null;
  /** The weights the ranking used: the server's defaults with the request's adjustments. */
  weights: Weights;
  considered: number;
  changes: Suspect[];
  after: ChangeEvent[];
  /** More came after the moment than are listed. */
  afterTruncated?: boolean;
  gaps: Gap[];
}

/** GET /api/catalog: the file's rules (read-only), the API's, the rules in effect and rows not yet re-derived. */
export interface CatalogState {
  version: number;
  file: StoredCatalog | null;
  api: StoredCatalog | null;
  rules: CatalogRule[];
  pending: number;
}

export interface Facets {
  services: string[];
  environments: string[];
  teams: string[];
}

/** A key as listed; `key` only in the answer to a create. */
export type ApiKey = ReturnType<typeof publicKey> & { key?: string };

/** Called when the API answers 401: the session is gone, show the sign-in. */
let onUnauthorized: () => void = () => {};
export function whenUnauthorized(fn: () => void) {
  onUnauthorized = fn;
}

async function call<T>(path: string, init?: RequestInit): Promise<T> {
  // The session cookie goes along by itself (same origin, HttpOnly): the page never holds a token.
  const res = await fetch(path, {
    ...init,
    headers: init?.body ? { "content-type": "application/json" } : undefined,
  });
  if (res.status === 204) return undefined as T;
  const body = await res.json().catch(() => ({}));
  if (res.status === 401 && path !== "/api/auth/session") onUnauthorized();
  if (!res.ok) throw new ApiError(body.detail ?? body.error ?? res.statusText, res.status);
  return body as T;
}

export const api = {
  metadata: () => call<ConnectorMeta[]>("/api/connectors/metadata"),
  catalog: () => call<PublicConnector[]>("/api/connectors/metadata"),
  events: (qs: string) => call<{ events: ChangeEvent[]; nextCursor: string | null }>(`/api/events?${qs}`),
  timeline: (qs: string) => call<Timeline>(`/api/timeline?${qs}`),
  connections: () => call<Connection[]>("/api/connections"),
  createConnection: (body: unknown) =>
    call<Connection>("/api/connections", { method: "POST", body: JSON.stringify(body) }),
  updateConnection: (id: string, body: unknown) =>
    call<Connection>(`/api/connections/${id}`, { method: "PUT", body: JSON.stringify(body) }),
  deleteConnection: (id: string) => call<void>(`/api/connections/${id}`, { method: "DELETE" }),
  sync: (id: string) => call<{ accepted: boolean }>(`/api/connections/${id}/sync`, { method: "POST" }),
  testConnection: (body: unknown) =>
    call<{ ok: boolean; message: string }>("/api/connections/test", {
      method: "POST",
      body: JSON.stringify(body),
    }),
  teams: () => call<Team[]>("/api/teams"),
  createTeam: (body: unknown) => call<Team>("/api/teams", { method: "POST", body: JSON.stringify(body) }),
  deleteTeam: (id: string) => call<void>(`/api/teams/${id}`, { method: "DELETE" }),
  me: () => call<Session>("/api/auth/me"),
  signIn: (token: string) =>
    call<Session>("/api/auth/session", { method: "POST", body: JSON.stringify({ token }) }),
  signOut: () => call<void>("/api/auth/session", { method: "DELETE" }),
  keys: () => call<ApiKey[]>("/api/keys"),
  createKey: (body: { name: string; scopes: string[] }) =>
    call<ApiKey>("/api/keys", { method: "POST", body: JSON.stringify(body) }),
  revokeKey: (id: string) => call<void>(`/api/keys/${id}`, { method: "DELETE" }),
  event: (id: string) => call<ChangeEvent>(`/api/events/${encodeURIComponent(id)}`),
  chain: (id: string) => call<Chain>(`/api/events/${encodeURIComponent(id)}/chain`),
  investigate: (qs: string) => call<Investigation>(`/api/investigate?${qs}`),
  coverage: (from: string, to: string) =>
    call<{ from: string; to: string; gaps: Gap[] }>(
      `/api/coverage?${new URLSearchParams({ from, to })}`,
    ),
  facets: () => call<Facets>("/api/facets"),
  getCatalog: () => call<CatalogState>("/api/catalog"),
  putCatalog: (rules: CatalogRule[]) =>
    call<{ version: number }>("/api/catalog", { method: "PUT", body: JSON.stringify({ rules }) }),
};
