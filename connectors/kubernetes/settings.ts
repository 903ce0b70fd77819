/** Reads a Kubernetes connection's config: how to reach the cluster, which namespaces and kinds, what to ignore. */
import { configLines, type Connection, type Provenance } from "@painchain/shared";
import { checkInlineKubeconfig } from "./kubeconfig.ts";
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

/**
 * Reads and checks the settings. `provenance` says who wrote them: a kubeconfig pasted through the API may hold
 * inline data only (kubeconfig.ts); in-cluster auth needs the pod's service account.
 */
export function settingsOf(
  c: Connection,
  provenance: Provenance = { fromFile: false, references: [] },
): KubeSettings {
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
  if (!["incluster", "kubeconfig", "token"].includes(auth)) {
    throw new KubeSettingsError(`Unknown auth "${auth}"`);
  }
  if (auth === "kubeconfig" && !s.kubeconfig) {
    throw new KubeSettingsError(
      "Paste a kubeconfig (the admin may also reference a file: file:/run/secrets/…)",
    );
  }
  if (auth === "kubeconfig" && !operatorWrote(provenance)) {
    checkInlineKubeconfig(s.kubeconfig!);
  }
  if (auth === "incluster" && !inCluster()) {
    throw new KubeSettingsError(
      "In-cluster auth works only when PainChain runs inside the cluster (no service account is mounted here); " +
        "paste a kubeconfig, or give the API server URL and a token",
    );
  }
  if (auth === "token" && (!s.server || !s.token)) {
    throw new KubeSettingsError("Give the API server URL and a token");
  }
  return s;
}

export const SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";

/** True inside a pod: the API server's address in the environment and a service account token mounted. */
export function inCluster(): boolean {
  try {
    return !!Deno.env.get("KUBERNETES_SERVICE_HOST") && Deno.statSync(`${SERVICE_ACCOUNT_DIR}/token`).isFile;
  } catch {
    return false;
  }
}

/** A kubeconfig the operator placed (the connections file, or a file: reference) may name local files. */
export function operatorWrote(p: Provenance): boolean {
  return p.fromFile || p.references.includes("kubeconfig");
}
