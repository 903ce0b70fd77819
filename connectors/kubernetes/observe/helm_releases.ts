/**
 * Helm releases, from their release Secrets (helm.ts decodes them): one event per revision, updated in place as
 * its status moves on (deployed → superseded …). Values and manifests are never read out.
 */
import type { MappedChange } from "@painchain/shared";
import { decodeHelmRelease, type HelmRelease } from "../helm.ts";
import type { Secret } from "../model.ts";
import type { KindDef } from "../resources.ts";
import { type Cx, iso, type Mode, objectKey, type Observation, type Snapshot } from "./common.ts";

export interface HelmSnapshot extends Snapshot<HelmRelease> {
  /** The event of this revision. */
  change?: MappedChange;
}

export function observeHelmRelease(
  cx: Cx,
  k: KindDef,
  o: Secret,
  prev: HelmSnapshot | undefined,
  mode: Mode,
): Observation {
  const { s } = cx;
  const key = objectKey(k, o.metadata?.namespace, o.metadata?.name);
  let r: HelmRelease;
  try {
    r = decodeHelmRelease(o);
  } catch {
    return { changes: [], writes: [] };
  }
  const snap: HelmSnapshot = { uid: o.metadata?.uid, rv: o.metadata?.resourceVersion, view: { ...r } };
  if (mode === "baseline" && !prev) return { changes: [], writes: [[key, snap]] };
  if (prev && prev.view.status === r.status) return { changes: [], writes: [[key, snap]] };
  const ns = o.metadata?.namespace ?? r.namespace;
  const change: MappedChange = {
    upstreamId: cx.idOf(ns, "helm", r.release, r.revision),
    eventType: "helm",
    time: iso(r.lastDeployed) ?? iso(o.metadata?.creationTimestamp) ?? cx.now().toISOString(),
    subject: `${ns}/helm/${r.release}`,
    title: `Helm ${r.release} revision ${r.revision}: ${r.chart} ${r.chartVersion} ${r.status}`.slice(0, 500),
    description: r.description.slice(0, 4000),
    author: "helm",
    status: r.status,
    tags: cx.tagsFor(ns),
    // Helm labels its release Secrets owner/name/status/version only: unlabelled, the service is the release.
    ...cx.placeOf(o, "Secret", r.release),
    refs: [`helm:${s.cluster}/${ns}/${r.release}`],
    metadata: {
      cluster: s.cluster,
      namespace: ns,
      kind: "HelmRelease",
      name: r.release,
      uid: o.metadata?.uid ?? null,
      resourceVersion: o.metadata?.resourceVersion ?? null,
      manager: "helm",
      release: r.release,
      chart: r.chart,
      chartVersion: r.chartVersion,
      appVersion: r.appVersion,
      revision: r.revision,
      helmStatus: r.status,
    },
  };
  return { changes: [change], writes: [[key, { ...snap, change }]] };
}
