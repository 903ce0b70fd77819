/**
 * What a kubeconfig may hold depends on who wrote it. One pasted through the API (any `write` key) may carry only
 * inline credentials and certificates (`token`, `*-data`): a file path would make the connector read a local file
 * and send it to the kubeconfig's server, and an exec plugin or auth provider would run or reach whatever it
 * names. A kubeconfig from the connections file, or read through a `file:` reference, was placed by the operator
 * and may use them. Parse errors never quote the file: its lines are secrets.
 */
import { parse } from "yaml";

export class KubeconfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "KubeconfigError";
  }
}

const USER_REFUSED: Record<string, string> = {
  "token-file": "token-file (a local file)",
  tokenFile: "tokenFile (a local file)",
  "client-certificate": "client-certificate (a local file; use client-certificate-data)",
  "client-key": "client-key (a local file; use client-key-data)",
  exec: "exec (runs a program)",
  "auth-provider": "auth-provider",
};
const CLUSTER_REFUSED: Record<string, string> = {
  "certificate-authority": "certificate-authority (a local file; use certificate-authority-data)",
  "proxy-url": "proxy-url",
};

type Node = Record<string, unknown>;
const isNode = (v: unknown): v is Node => !!v && typeof v === "object" && !Array.isArray(v);

/** Parses a kubeconfig; errors name the line at most, never its content. */
export function parseKubeconfig(text: string): Node {
  let doc: unknown;
  try {
    doc = parse(text, { prettyErrors: false });
  } catch (err) {
    const line = (err as { linePos?: { line: number }[] }).linePos?.[0]?.line;
    throw new KubeconfigError(`The kubeconfig is not valid YAML${line ? ` (line ${line})` : ""}`);
  }
  if (!isNode(doc)) throw new KubeconfigError("The kubeconfig is not a YAML mapping");
  return doc;
}

/** Refuses what a kubeconfig from the API may not hold; returns the parsed document. */
export function checkInlineKubeconfig(text: string): Node {
  const doc = parseKubeconfig(text);
  const refused: string[] = [];
  for (const u of Array.isArray(doc.users) ? doc.users : []) {
    const user = isNode(u) && isNode(u.user) ? u.user : {};
    for (const [k, why] of Object.entries(USER_REFUSED)) {
      if (user[k] !== undefined) refused.push(`user "${String(isNode(u) ? u.name : "?")}": ${why}`);
    }
  }
  for (const c of Array.isArray(doc.clusters) ? doc.clusters : []) {
    const cluster = isNode(c) && isNode(c.cluster) ? c.cluster : {};
    for (const [k, why] of Object.entries(CLUSTER_REFUSED)) {
      if (cluster[k] !== undefined) refused.push(`cluster "${String(isNode(c) ? c.name : "?")}": ${why}`);
    }
  }
  if (refused.length) {
    throw new KubeconfigError(
      `A kubeconfig entered through the API may carry only inline data (token, *-data); it names ${
        refused.join("; ")
      }. ` +
        "Inline them, or have the admin reference the file (file:/run/secrets/…) or list the connection in " +
        "PAINCHAIN_CONNECTIONS_FILE",
    );
  }
  return doc;
}

/** How to reach one cluster: its server, the CA to trust, and the credentials to present. */
export interface ClusterAccess {
  server: string;
  caPem: string | null;
  certPem: string | null;
  keyPem: string | null;
  /** A bearer token, or where to read one (re-read, as service-account tokens rotate). */
  token: string | null;
  tokenFile: string | null;
  basic: { username: string; password: string } | null;
}

const fromB64 = (s: string) =>
  new TextDecoder().decode(Uint8Array.from(atob(s.replace(/\s+/g, "")), (c) => c.charCodeAt(0)));

const named = (list: unknown, name: string, what: string): Node => {
  const found = (Array.isArray(list) ? list : []).find((x) => isNode(x) && x.name === name);
  if (!isNode(found)) throw new KubeconfigError(`The kubeconfig has no ${what} "${name}"`);
  return found;
};

/**
 * The access of a kubeconfig's current (or given) context. File paths are read only when `mayReadFiles` (the
 * kubeconfig came from the operator); exec plugins and auth providers need to run programs, which connectors
 * may not do.
 */
export function accessFromKubeconfig(
  doc: Node,
  context: string | null,
  mayReadFiles: boolean,
): ClusterAccess {
  const ctxName = context ?? (typeof doc["current-context"] === "string" ? doc["current-context"] : "");
  if (!ctxName) throw new KubeconfigError("The kubeconfig names no current context");
  const ctx = named(doc.contexts, ctxName, "context");
  const c = isNode(ctx.context) ? ctx.context : {};
  const cluster = named(doc.clusters, String(c.cluster ?? ""), "cluster");
  const cl = isNode(cluster.cluster) ? cluster.cluster : {};
  const user = c.user ? named(doc.users, String(c.user), "user") : { user: {} };
  const u = isNode(user.user) ? user.user : {};
  const file = (path: unknown, what: string): string => {
    if (!mayReadFiles) throw new KubeconfigError(`${what}: a file path is not allowed here`);
    return Deno.readTextFileSync(String(path));
  };
  if (cl["insecure-skip-tls-verify"] === true) {
    throw new KubeconfigError("insecure-skip-tls-verify is not supported: give the cluster's CA certificate");
  }
  if (u.exec !== undefined || u["auth-provider"] !== undefined) {
    throw new KubeconfigError(
      "exec plugins and auth providers are not supported (connectors may not run programs): use a token or a client certificate",
    );
  }
  if (typeof cl.server !== "string" || !cl.server) {
    throw new KubeconfigError("The kubeconfig's cluster has no server");
  }
  return {
    server: cl.server,
    caPem: typeof cl["certificate-authority-data"] === "string"
      ? fromB64(cl["certificate-authority-data"])
      : cl["certificate-authority"]
      ? file(cl["certificate-authority"], "certificate-authority")
      : null,
    certPem: typeof u["client-certificate-data"] === "string"
      ? fromB64(u["client-certificate-data"])
      : u["client-certificate"]
      ? file(u["client-certificate"], "client-certificate")
      : null,
    keyPem: typeof u["client-key-data"] === "string"
      ? fromB64(u["client-key-data"])
      : u["client-key"]
      ? file(u["client-key"], "client-key")
      : null,
    token: typeof u.token === "string" ? u.token : null,
    tokenFile: u["token-file"] || u.tokenFile
      ? (mayReadFiles ? String(u["token-file"] ?? u.tokenFile) : (() => {
        throw new KubeconfigError("token-file: a file path is not allowed here");
      })())
      : null,
    basic: typeof u.username === "string" && typeof u.password === "string"
      ? { username: u.username, password: u.password }
      : null,
  };
}

/** The access of the pod PainChain runs in: the API server from the environment, the mounted service account. */
export function accessInCluster(dir: string): ClusterAccess {
  const host = Deno.env.get("KUBERNETES_SERVICE_HOST");
  const port = Deno.env.get("KUBERNETES_SERVICE_PORT") ?? "443";
  if (!host) throw new KubeconfigError("KUBERNETES_SERVICE_HOST is not set: not running in a cluster");
  return {
    server: `https://${host.includes(":") ? `[${host}]` : host}:${port}`,
    caPem: Deno.readTextFileSync(`${dir}/ca.crt`),
    certPem: null,
    keyPem: null,
    token: null,
    tokenFile: `${dir}/token`,
    basic: null,
  };
}
