/** The Kubernetes connector: metadata, logo, the watch-based poll and a connection test. */
import type { ConnectorDefinition, TestContext } from "@painchain/shared";
import { accessOf, kubeApi } from "./client.ts";
import metadata from "./metadata.json" with { type: "json" };
import { type KubePollOptions, pollKubernetes } from "./poll.ts";
import { collectionPath, KINDS } from "./resources.ts";
import { operatorWrote, settingsOf } from "./settings.ts";

/** Reaches the API server and lists one kind in each namespace it will watch (RBAC is checked, not assumed). */
export async function testKubernetes(ctx: TestContext, opts: KubePollOptions = {}): Promise<string> {
  const s = settingsOf(ctx.connection, ctx.provenance);
  const api = opts.api?.(s) ?? kubeApi(accessOf(s, operatorWrote(ctx.provenance)), ctx.fetch);
  const version = await api.version();
  const kind = KINDS.find((k) => s.kinds.has(k.key)) ?? KINDS[0]!;
  const scopes = s.namespaces.length ? s.namespaces : [null];
  for (const ns of scopes) await api.list(collectionPath(kind, ns), { signal: ctx.signal });
  const where = s.namespaces.length ? `namespaces ${s.namespaces.join(", ")}` : "all namespaces";
  // The version is echoed only when it looks like one (the answer may come from any host a `write` key chose).
  const v = /^v\d+\.\d+\.\d+[\w.+-]{0,40}$/.test(version) ? ` (Kubernetes ${version})` : "";
  return `Reached ${s.cluster}${v}; can list ${kind.plural} in ${where}`;
}

export function kubernetesConnector(opts: KubePollOptions = {}): ConnectorDefinition {
  return {
    metadata,
    folder: new URL(".", import.meta.url),
    poll: (ctx) => pollKubernetes(ctx, opts),
    test: (ctx) => testKubernetes(ctx, opts),
    validate: (c, provenance) => void settingsOf(c, provenance),
  };
}
