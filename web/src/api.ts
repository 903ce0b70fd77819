import type { StoredEvent } from "@painchain/shared/internal";
/** Calls to the gateway's API. */
export interface ConfigField {
  key: string;
  label: string;
  type: "text" | "password" | "url" | "number" | "boolean" | "select" | "textarea" | "list";
  placeholder?: string;
  required: boolean;
  default?: string | number | boolean | string[];
  help?: string;
  secret: boolean;
  options?: { value: string; label: string }[];
}

export interface DetailField {
  key: string;
  label: string;
  format: string;
  visible: boolean;
}

export interface EventTypeMeta {
  displayName: string;
  sections: { title: string; fields: DetailField[] }[];
}

export interface ConnectionStatus {
  connectionId: string;
  state: string;
  lastPollAt: string | null;
  lastSuccessAt: string | null;
  lastError: string | null;
  eventsPublished: number;
  rateLimit: { remaining: number; limit?: number; resetAt?: string } | null;
}

export interface ConnectorMeta {
  id: string;
  displayName: string;
  color: string;
  logo: string;
  logoUrl: string;
  description: string;
  internal: boolean;
  defaultPollInterval: number;
  minPollInterval: number;
  configSchema: ConfigField[];
  eventTypes: Record<string, EventTypeMeta>;
  status: "up" | "down";
  lastHeartbeatAt: string | null;
  instances: {
    instanceId: string;
    startedAt: string;
    heartbeatAt: string;
    connections: ConnectionStatus[];
  }[];
}

/** The shape the API and the live stream send; defined once in shared/. */
export type ChangeEvent = StoredEvent;

export interface Connection {
  id: string;
  connector: string;
  name: string;
  enabled: boolean;
  pollInterval: number;
  tags: string[];
  config: Record<string, unknown>;
  secrets: Record<string, "set">;
  createdAt: string;
  updatedAt: string;
}

export interface Timeline {
  from: string;
  to: string;
  binSeconds: number;
  total: number;
  totals: Record<string, number>;
  bins: { start: string; counts: Record<string, number> }[];
}

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

export interface ApiKey {
  id: string;
  name: string;
  scopes: string[];
  createdAt: string;
  createdBy: string;
  /** Only in the answer to a create. */
  key?: string;
}

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
};
