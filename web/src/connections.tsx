/** A connector's connections in Settings: their state, last poll and error, webhook, and actions. */
import { useState } from "preact/hooks";
import { api, type Connection, type ConnectionStatus, type ConnectorMeta } from "./api.ts";
import { ConnectionForm } from "./connection_form.tsx";
import { relative } from "./format.ts";
import { connectionState, holderOf, webhookInfo } from "./settings_status.ts";
import { loadConnections } from "./state.ts";
import { toneClass } from "./tone.ts";

function StatusFacts({ status }: { status: ConnectionStatus | undefined }) {
  return (
    <>
      <dt>Last poll</dt>
      <dd>{status?.lastPollAt ? relative(status.lastPollAt) : "never"}</dd>
      <dt>Last success</dt>
      <dd>{status?.lastSuccessAt ? relative(status.lastSuccessAt) : "never"}</dd>
      <dt>Events</dt>
      <dd>{status?.eventsPublished ?? 0} published by this replica</dd>
      {status?.rateLimit && (
        <>
          <dt>Rate limit</dt>
          <dd>
            {status.rateLimit.remaining}
            {status.rateLimit.limit ? ` of ${status.rateLimit.limit}` : ""} left
            {status.rateLimit.resetAt ? `, resets ${relative(status.rateLimit.resetAt)}` : ""}
          </dd>
        </>
      )}
      {status?.lastError && (
        <>
          <dt>Last error</dt>
          <dd class="error-text">{status.lastError}</dd>
        </>
      )}
    </>
  );
}

function Webhook({ meta, c }: { meta: ConnectorMeta; c: Connection }) {
  const hook = webhookInfo(meta, c, location.origin);
  if (!hook) return null;
  return (
    <>
      <dt>Webhook</dt>
      <dd>
        {hook.ready
          ? (
            <>
              <code class="small webhook-url">{hook.url}</code>
              <small class="muted block">{hook.expects}</small>
            </>
          )
          : `Set “${hook.secretLabel}” (Edit) to receive webhook deliveries instead of waiting for the next poll.`}
      </dd>
    </>
  );
}

export function ConnectionRow({ c, meta }: { c: Connection; meta: ConnectorMeta }) {
  const [editing, setEditing] = useState(false);
  const [note, setNote] = useState<string | null>(null);
  const status = holderOf(meta, c.id)?.status;
  if (editing) {
    return (
      <li class="conn">
        <ConnectionForm meta={meta} existing={c} onDone={() => setEditing(false)} />
      </li>
    );
  }
  const act = async (fn: () => Promise<unknown>, ok: string) => {
    try {
      await fn();
      setNote(ok);
      await loadConnections();
    } catch (err) {
      setNote((err as Error).message);
    }
  };
  return (
    <li class="conn">
      <div class="conn-head">
        <strong>{c.name}</strong> <code class="muted">{c.id}</code>
        <span class={`pill ${toneClass(c.enabled ? "ok" : "bad")}`}>
          {c.enabled ? "enabled" : "disabled"}
        </span>
        {c.tags.map((t) => <span class="tag" key={t}>{t}</span>)}
      </div>
      <dl class="conn-status">
        <dt>State</dt>
        <dd>{connectionState(c, meta)}</dd>
        <StatusFacts status={status} />
        <Webhook meta={meta} c={c} />
        <dt>Secrets</dt>
        <dd>
          {Object.keys(c.secrets).length ? Object.keys(c.secrets).map((k) => `${k}: set`).join(", ") : "none"}
        </dd>
      </dl>
      <div class="actions">
        <button type="button" onClick={() => setEditing(true)}>Edit</button>
        <button
          type="button"
          onClick={() =>
            act(
              () => api.updateConnection(c.id, { enabled: !c.enabled }),
              c.enabled ? "Disabled" : "Enabled",
            )}
        >
          {c.enabled ? "Disable" : "Enable"}
        </button>
        <button
          type="button"
          disabled={!c.enabled}
          onClick={() => act(() => api.sync(c.id), "Sync requested")}
        >
          Sync now
        </button>
        <button
          type="button"
          class="danger"
          onClick={() => confirm(`Delete ${c.name}?`) && act(() => api.deleteConnection(c.id), "Deleted")}
        >
          Delete
        </button>
        {note && <span class="muted" role="status">{note}</span>}
      </div>
    </li>
  );
}

/** Connections given as code (a config file): not editable here, but their status is shown. */
export function FileConnections({ meta, known }: { meta: ConnectorMeta; known: Set<string> }) {
  const seen = new Map<string, { instance: string; status: ConnectionStatus }>();
  for (const i of meta.instances) {
    for (const s of i.connections) {
      if (!known.has(s.connectionId) && s.state !== "standby") {
        seen.set(s.connectionId, { instance: i.instanceId, status: s });
      }
    }
  }
  if (seen.size === 0) return null;
  return (
    <ul class="conns">
      {[...seen].map(([id, { instance, status }]) => (
        <li class="conn" key={id}>
          <div class="conn-head">
            <strong>{id}</strong> <span class="pill tone-ok">from config file</span>
          </div>
          <dl class="conn-status">
            <dt>State</dt>
            <dd>{status.state} on {instance}</dd>
            <dt>Last poll</dt>
            <dd>{status.lastPollAt ? relative(status.lastPollAt) : "never"}</dd>
            <dt>Events</dt>
            <dd>{status.eventsPublished} published</dd>
            {status.lastError && (
              <>
                <dt>Last error</dt>
                <dd class="error-text">{status.lastError}</dd>
              </>
            )}
          </dl>
        </li>
      ))}
    </ul>
  );
}
