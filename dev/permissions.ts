/**
 * The Deno permissions each service runs with, in one place: `deno task start` uses them, and a test checks that
 * compose.yaml and the Dockerfile grant exactly the same. Each service may read only its own variables (the names
 * in its config schema), its app folder and the secrets folder; the store and the gateway reach only NATS and
 * Postgres (and the gateway listens on its port). Connectors reach upstreams, which only their egress policy
 * limits (hosts a `write` key may choose cannot be listed in advance).
 */
import { connectorEnvSchema } from "../shared/runtime/config.ts";
import { gatewayEnvSchema } from "../gateway/config.ts";
import { storeEnvSchema } from "../store/config.ts";

export type Service = "store" | "gateway" | "connector";

export interface Places {
  /** The app folder (the repository, or /app in the image). */
  app: string;
  secretsDir: string;
  /** host:port of every NATS server. */
  nats: string[];
  /** host:port of Postgres (and its read replica, if any). */
  postgres: string[];
  /** host:port the gateway listens on. */
  listen: string;
  /** Configuration as code (connections file, service catalog): files or a folder the store and connectors read. */
  config: string[];
}

/** What a connector needs beyond the rest, by connector id. */
export const CONNECTOR_EXTRAS: Record<string, { env?: string[]; read?: string[] }> = {
  // In-cluster auth: the API server's address and the pod's service account.
  kubernetes: {
    env: ["KUBERNETES_SERVICE_HOST", "KUBERNETES_SERVICE_PORT"],
    read: ["/var/run/secrets/kubernetes.io/serviceaccount"],
  },
};

const names = (schema: { shape: Record<string, unknown> }) => Object.keys(schema.shape);

/** The `deno run` permission flags of a service. */
export function permissionFlags(service: Service, at: Places, connector?: string): string[] {
  const net = (hosts: string[]) => `--allow-net=${[...new Set(hosts)].join(",")}`;
  const env = (list: string[]) => `--allow-env=${[...new Set(list)].join(",")}`;
  const read = (list: string[]) => `--allow-read=${[...new Set(list)].join(",")}`;
  switch (service) {
    case "store":
      // PG*: postgres.js reads the standard libpq variables; LOG_TOKENS, LOG_STREAM: the yaml parser's switches.
      return [
        net([...at.nats, ...at.postgres]),
        env([...names(storeEnvSchema), "PG*", "LOG_TOKENS", "LOG_STREAM"]),
        read([at.app, ...at.config]),
      ];
    case "gateway":
      return [
        net([...at.nats, ...at.postgres, at.listen]),
        env([...names(gatewayEnvSchema), "PG*", "CONNECTION_SECRET_*"]),
        read([at.app, at.secretsDir]),
      ];
    case "connector": {
      const extra = CONNECTOR_EXTRAS[connector ?? ""] ?? {};
      return [
        "--allow-net",
        // LOG_TOKENS, LOG_STREAM: the yaml parser's debug switches, read when a connections file is parsed.
        env([
          ...names(connectorEnvSchema),
          "CONNECTION_SECRET_*",
          "LOG_TOKENS",
          "LOG_STREAM",
          ...(extra.env ?? []),
        ]),
        read([at.app, at.secretsDir, ...at.config, ...(extra.read ?? [])]),
        // hostname: the replica's name; networkInterfaces: this machine's addresses, which the egress policy refuses.
        "--allow-sys=hostname,networkInterfaces",
      ];
    }
  }
}

/** host:port of each server in a URL list (`nats://a:4222,nats://b:4222`, `postgres://u@h:5432/db`). */
export function hostsOf(urls: string | undefined, defaultPort: number): string[] {
  if (!urls) return [];
  return urls.split(",").map((u) => u.trim()).filter(Boolean).map((u) => {
    const url = new URL(u.includes("://") ? u : `nats://${u}`);
    return `${url.hostname}:${url.port || defaultPort}`;
  });
}

/** Where things are inside the compose network and the image. */
export const COMPOSE_PLACES: Places = {
  app: "/app",
  secretsDir: "/run/secrets",
  nats: ["nats:4222"],
  postgres: ["postgres:5432"],
  listen: "0.0.0.0:8000",
  config: ["/etc/painchain"],
};

/** The same places under compose.cluster.yaml: three NATS nodes. */
export const COMPOSE_CLUSTER_PLACES: Places = {
  ...COMPOSE_PLACES,
  nats: ["nats:4222", "nats2:4222", "nats3:4222"],
};

/**
 * V8 flags of the services that churn through many short-lived objects: a small young generation keeps their
 * resident memory low (the store's batches; the Kubernetes connector's watch streams) at a little CPU.
 */
export function v8Flags(service: Service, connector?: string): string[] {
  return service === "store" || connector === "kubernetes" ? ["--v8-flags=--max-semi-space-size=4"] : [];
}
