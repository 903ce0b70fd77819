/**
 * Config and networking objects: ConfigMaps (changed keys, by salted hash), Secrets (key names and one salted
 * hash of all values: no value is kept, not even per key), Services (type and ports) and Ingresses (hosts,
 * paths, backends, TLS hosts).
 */
import { hashOf } from "../diff.ts";
import type { ConfigMap, Ingress, Secret, Service } from "../model.ts";
import { type KeyedKind, specChanges, type SpecView } from "./common.ts";

export interface ConfigMapView extends Record<string, unknown> {
  /** Key → salted hash of its value. */
  keys: Record<string, string>;
}

export const configMaps: KeyedKind<ConfigMap, ConfigMapView> = {
  view(o) {
    const data: Record<string, string> = { ...(o.data ?? {}), ...(o.binaryData ?? {}) };
    return {
      keys: Object.fromEntries(
        Object.keys(data).sort().map((key) => [key, hashOf(data[key], o.metadata?.uid)]),
      ),
    };
  },
  changes(cx, k, o, { keys: before }, { keys: after }) {
    const added = Object.keys(after).filter((x) => !(x in before));
    const removed = Object.keys(before).filter((x) => !(x in after));
    const changed = Object.keys(after).filter((x) => x in before && before[x] !== after[x]);
    if (added.length + removed.length + changed.length === 0) return [];
    const b = cx.base(o, k.kind);
    const keys = [...added, ...changed, ...removed];
    return [
      cx.simpleChange(o, k.kind, "config", `ConfigMap ${b.ns}/${b.name} changed: ${keys.join(", ")}`, [], {
        addedKeys: added,
        removedKeys: removed,
        changedKeys: changed,
      }),
    ];
  },
};

export interface SecretView extends Record<string, unknown> {
  type: string;
  keyNames: string[];
  contentHash: string;
}

export const secrets: KeyedKind<Secret, SecretView> = {
  view: (o) => ({
    type: o.type ?? "Opaque",
    keyNames: Object.keys(o.data ?? {}).sort(),
    contentHash: hashOf(o.data ?? {}, String(o.metadata?.uid)),
  }),
  changes(cx, k, o, prev, view) {
    const added = view.keyNames.filter((x) => !prev.keyNames.includes(x));
    const removed = prev.keyNames.filter((x) => !view.keyNames.includes(x));
    const contentChanged = prev.contentHash !== view.contentHash;
    if (!added.length && !removed.length && !contentChanged) return [];
    const b = cx.base(o, k.kind);
    const parts = [
      ...(added.length ? [`keys added: ${added.join(", ")}`] : []),
      ...(removed.length ? [`keys removed: ${removed.join(", ")}`] : []),
      ...(contentChanged && !added.length && !removed.length ? ["content changed"] : []),
    ];
    return [
      cx.simpleChange(o, k.kind, "config", `Secret ${b.ns}/${b.name} changed: ${parts.join("; ")}`, [], {
        addedKeys: added,
        removedKeys: removed,
        changedKeys: [],
        contentHash: view.contentHash,
        previousContentHash: prev.contentHash,
      }),
    ];
  },
};

export const services: KeyedKind<Service, SpecView> = {
  view: (o) => ({
    spec: {
      type: o.spec?.type ?? "ClusterIP",
      ports: (o.spec?.ports ?? []).map((p) => ({
        name: p.name ?? `${p.port}`,
        port: p.port,
        targetPort: p.targetPort ?? p.port,
        protocol: p.protocol ?? "TCP",
        ...(p.nodePort ? { nodePort: p.nodePort } : {}),
      })),
    },
  }),
  changes: (cx, k, o, before, after) => specChanges(cx, k, o, before, after, "Service", "service"),
};

export const ingresses: KeyedKind<Ingress, SpecView> = {
  view: (o) => ({
    spec: {
      ingressClassName: o.spec?.ingressClassName ?? null,
      rules: (o.spec?.rules ?? []).map((r) => ({
        name: r.host ?? "*",
        paths: (r.http?.paths ?? []).map((p) => ({
          name: p.path ?? "/",
          backend: p.backend?.service
            ? `${p.backend.service.name}:${p.backend.service.port?.number ?? p.backend.service.port?.name}`
            : p.backend?.resource?.name ?? null,
        })),
      })),
      tls: (o.spec?.tls ?? []).flatMap((t) => t.hosts ?? []).sort(),
    },
  }),
  changes: (cx, k, o, before, after) => specChanges(cx, k, o, before, after, "Ingress", "ingress"),
};
