/** Reads a Kubernetes connection's config: how to reach the cluster, which namespaces and kinds, what to ignore. */
import { configLines, type Connection } from "@painchain/shared";
import { KINDS } from "./resources.ts";

export interface KubeSettings {
  auth: "incluster" | "kubeconfig" | "token";
  kubeconfig: string | null;
  context: string | null;
  server: string | null;
  token: string | null;
  caData: string | null;
  /** Set on every event (and as the tag cluster:<name>). */
  cluster: string;
  /** Empty: every namespace, with one cluster-wide watch per kind. */
  namespaces: string[];
  kinds: Set<string>;
  ignoreFields: string[];
  hpaReplicaChanges: boolean;
}

export class KubeSettingsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "KubeSettingsError";
  }
}

const NAMESPACE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export function settingsOf(c: Connection): KubeSettings {
  const cfg = c.config as Record<string, unknown>;
  const str = (
    k: string,
  ) => (typeof cfg[k] === "string" && (cfg[k] as string).trim() ? (cfg[k] as string).trim() : null);
  const auth = (str("auth") ?? "incluster") as KubeSettings["auth"];
  const namespaces = [...new Set(configLines(cfg.namespaces))];
  for (const ns of namespaces) {
    if (!NAMESPACE.test(ns) || ns.length > 63) throw new KubeSettingsError(`"${ns}" is not a namespace name`);
  }
  const s: KubeSettings = {
    auth,
    kubeconfig: c.secrets.kubeconfig || null,
    context: str("context"),
    server: str("server"),
    token: c.secrets.token || null,
    caData: str("caData"),
    cluster: str("clusterName") ?? str("context") ?? "default",
    namespaces,
    kinds: new Set(KINDS.map((k) => k.key).filter((k) => cfg[k] !== false)),
    ignoreFields: configLines(cfg.ignoreFields),
    hpaReplicaChanges: cfg.hpaReplicaChanges === true,
  };
  if (auth === "kubeconfig" && !s.kubeconfig) {
    throw new KubeSettingsError("Paste a kubeconfig (or file:/path)");
  }
  if (auth === "token" && (!s.server || !s.token)) {
    throw new KubeSettingsError("Give the API server URL and a token");
  }
  return s;
}
