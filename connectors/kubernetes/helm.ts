/**
 * Helm 3 keeps each release revision in a Secret `sh.helm.release.v1.<name>.v<revision>` (type
 * helm.sh/release.v1): data.release is base64 (Kubernetes) of base64 (Helm) of gzipped JSON. Only the chart's
 * name and versions and the release info are read; values and manifests (which may hold secrets) are dropped.
 */
import { gunzipSync } from "node:zlib";

export const HELM_SECRET_TYPE = "helm.sh/release.v1";

export interface HelmRelease {
  release: string;
  namespace: string;
  revision: number;
  status: string;
  chart: string;
  chartVersion: string;
  appVersion: string | null;
  description: string;
  firstDeployed: string | null;
  lastDeployed: string | null;
}

/** The parts of Helm's release record read here (it holds values and manifests too, never read). */
interface HelmRecord {
  name?: unknown;
  namespace?: unknown;
  version?: unknown;
  info?: { status?: unknown; description?: unknown; first_deployed?: string; last_deployed?: string };
  chart?: { metadata?: { name?: unknown; version?: unknown; appVersion?: unknown } };
}

const b64 = (s: string) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));

export function decodeHelmRelease(secret: { type?: string; data?: Record<string, string> }): HelmRelease {
  const raw = secret.data?.release;
  if (secret.type !== HELM_SECRET_TYPE || !raw) throw new Error("Not a Helm release secret");
  let bytes: Uint8Array = b64(new TextDecoder().decode(b64(raw)));
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) bytes = gunzipSync(bytes);
  const r = JSON.parse(new TextDecoder().decode(bytes)) as HelmRecord;
  const meta = r.chart?.metadata ?? {};
  return {
    release: String(r.name),
    namespace: String(r.namespace ?? ""),
    revision: Number(r.version),
    status: String(r.info?.status ?? "unknown"),
    chart: String(meta.name ?? "unknown"),
    chartVersion: String(meta.version ?? ""),
    appVersion: meta.appVersion ? String(meta.appVersion) : null,
    description: String(r.info?.description ?? ""),
    firstDeployed: r.info?.first_deployed ?? null,
    lastDeployed: r.info?.last_deployed ?? null,
  };
}

/** Encodes a release the way Helm stores it (used by tests and the fake cluster). */
export function encodeHelmRelease(
  release: Record<string, unknown>,
  gzip: (b: Uint8Array) => Uint8Array,
): string {
  const helm = btoa(String.fromCharCode(...gzip(new TextEncoder().encode(JSON.stringify(release)))));
  return btoa(helm);
}
