import type { StoredEvent } from "@painchain/shared";
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

async function call<T>(path: string, init?: RequestInit): Promise<T> {
  const res = await fetch(path, {
    ...init,
    headers: init?.body ? { "content-type": "application/json" } : undefined,
  });
  if (res.status === 204) return undefined as T;
  const body = await res.json().catch(() => ({}));
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
  event: (id: string) => call<ChangeEvent>(`/api/events/${encodeURIComponent(id)}`),
};
