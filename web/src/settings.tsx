/** Settings: connectors with live status, and connections with forms generated from each configSchema. */
import { useState } from "preact/hooks";
import { api, type ConfigField, type Connection, type ConnectorMeta } from "./api.ts";
import { relative } from "./format.ts";
import { Logo } from "./event_list.tsx";
import { connections, loadConnections, loadMetadata, metadata } from "./state.ts";

function FieldInput(
  { f, value, onInput, isSet }: {
    f: ConfigField;
    value: unknown;
    onInput: (v: unknown) => void;
    isSet: boolean;
  },
) {
  const id = `f-${f.key}`;
  const common = {
    id,
    name: f.key,
    placeholder: f.secret && isSet ? "•••••• set — type to replace" : f.placeholder,
  };
  let input;
  if (f.type === "boolean") {
    input = (
      <input
        {...common}
        type="checkbox"
        checked={Boolean(value)}
        onChange={(e) => onInput(e.currentTarget.checked)}
      />
    );
  } else if (f.type === "select") {
    input = (
      <select {...common} value={String(value ?? "")} onChange={(e) => onInput(e.currentTarget.value)}>
        {(f.options ?? []).map((o) => <option key={o.value} value={o.value}>{o.label}</option>)}
      </select>
    );
  } else if (f.type === "textarea" || f.type === "list") {
    input = (
      <textarea
        {...common}
        rows={f.type === "list" ? 3 : 6}
        value={Array.isArray(value) ? value.join("\n") : String(value ?? "")}
        onInput={(e) => onInput(e.currentTarget.value)}
      />
    );
  } else {
    const inputType = f.secret || f.type === "password"
      ? "password"
      : f.type === "number"
      ? "number"
      : f.type === "url"
      ? "url"
      : "text";
    input = (
      <input
        {...common}
        type={inputType as "text"}
        autocomplete="off"
        value={String(value ?? "")}
        required={f.required && !(f.secret && isSet)}
        onInput={(e) => onInput(e.currentTarget.value)}
      />
    );
  }
  return (
    <div class="field">
      <label for={id}>{f.label}{f.required ? " *" : ""}</label>
      {input}
      {f.help && <small>{f.help}</small>}
    </div>
  );
}

function ConnectionForm(
  { meta, existing, onDone }: { meta: ConnectorMeta; existing?: Connection; onDone: () => void },
) {
  const [name, setName] = useState(existing?.name ?? "");
  const [tags, setTags] = useState((existing?.tags ?? []).join(", "));
  const [poll, setPoll] = useState(String(existing?.pollInterval ?? meta.defaultPollInterval));
  const [config, setConfig] = useState<Record<string, unknown>>(() => {
    const c: Record<string, unknown> = {};
    for (const f of meta.configSchema) {
      if (!f.secret) c[f.key] = existing?.config[f.key] ?? f.default ?? (f.type === "boolean" ? false : "");
    }
    return c;
  });
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    const cfg: Record<string, unknown> = {};
    for (const f of meta.configSchema) {
      const v = config[f.key];
      if (f.secret && (v === "" || v === undefined)) continue;
      if (!f.secret && v === "" && !f.required) continue;
      cfg[f.key] = f.type === "number" && v !== "" ? Number(v) : v;
    }
    const body = { name, tags, pollInterval: Number(poll), config: cfg };
    try {
      if (existing) await api.updateConnection(existing.id, body);
      else await api.createConnection({ ...body, connector: meta.id });
      await loadConnections();
      onDone();
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="conn-form" onSubmit={submit}>
      <h3>{existing ? `Edit ${existing.name}` : `New ${meta.displayName} connection`}</h3>
      <div class="field">
        <label for="f-name">Connection name *</label>
        <input
          id="f-name"
          required
          value={name}
          placeholder={`e.g. Production ${meta.displayName}`}
          onInput={(e) => setName(e.currentTarget.value)}
        />
      </div>
      {meta.configSchema.map((f) => (
        <FieldInput
          key={f.key}
          f={f}
          value={config[f.key]}
          isSet={Boolean(existing?.secrets[f.key])}
          onInput={(v) => setConfig({ ...config, [f.key]: v })}
        />
      ))}
      <div class="field">
        <label for="f-poll">Poll interval (seconds)</label>
        <input
          id="f-poll"
          type="number"
          min={meta.minPollInterval}
          value={poll}
          onInput={(e) => setPoll(e.currentTarget.value)}
        />
      </div>
      <div class="field">
        <label for="f-tags">Tags</label>
        <input
          id="f-tags"
          value={tags}
          placeholder="prod, team-payments"
          onInput={(e) => setTags(e.currentTarget.value)}
        />
        <small>Comma-separated; used to filter changes by team or environment.</small>
      </div>
      {error && <div class="error" role="alert">{error}</div>}
      <div class="actions">
        <button type="submit" class="primary" disabled={busy}>
          {existing ? "Save" : "Create connection"}
        </button>
        <button type="button" onClick={onDone}>Cancel</button>
      </div>
    </form>
  );
}

function ConnectionRow({ c, meta }: { c: Connection; meta: ConnectorMeta }) {
  const [editing, setEditing] = useState(false);
  const [note, setNote] = useState<string | null>(null);
  const status = meta.instances.flatMap((i) => i.connections).find((s) =>
    s.connectionId === c.id && s.state !== "standby"
  );
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
        <span class={`pill ${c.enabled ? "ok" : "off"}`}>{c.enabled ? "enabled" : "disabled"}</span>
        {c.tags.map((t) => <span class="tag" key={t}>{t}</span>)}
      </div>
      <div class="conn-status muted">
        {status
          ? (
            <>
              state {status.state} · last poll {status.lastPollAt ? relative(status.lastPollAt) : "never"} ·
              {" "}
              {status.eventsPublished} events{status.rateLimit
                ? ` · rate limit ${status.rateLimit.remaining}${
                  status.rateLimit.limit ? `/${status.rateLimit.limit}` : ""
                }`
                : ""}
              {status.lastError ? <span class="error-text">· error: {status.lastError}</span> : null}
            </>
          )
          : "not polled yet"}
        {" · secrets: "}
        {Object.keys(c.secrets).length ? Object.keys(c.secrets).map((k) => `${k} set`).join(", ") : "none"}
      </div>
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

export function Settings() {
  const [adding, setAdding] = useState<string | null>(null);
  return (
    <main class="settings">
      <div class="settings-head">
        <h2>Connectors</h2>
        <button
          type="button"
          onClick={() => {
            void loadMetadata();
            void loadConnections();
          }}
        >
          Refresh
        </button>
      </div>
      {metadata.value.length === 0 && (
        <p class="muted">No connector has registered yet. Start one (see the README) and it appears here.</p>
      )}
      {metadata.value.map((m) => {
        const mine = connections.value.filter((c) => c.connector === m.id);
        return (
          <section class="connector" key={m.id} style={{ borderLeftColor: m.color }}>
            <header>
              <Logo connector={m.id} size={32} />
              <div>
                <h3>
                  {m.displayName} <span class={`pill ${m.status === "up" ? "ok" : "off"}`}>{m.status}</span>
                </h3>
                <p class="muted">{m.description}</p>
                <p class="muted small">
                  {m.instances.length} {m.instances.length === 1 ? "replica" : "replicas"} · last heartbeat
                  {" "}
                  {m.lastHeartbeatAt ? relative(m.lastHeartbeatAt) : "never"}
                </p>
              </div>
              {!m.internal && (
                <button type="button" class="primary" onClick={() => setAdding(m.id)}>Add connection</button>
              )}
            </header>
            {adding === m.id && <ConnectionForm meta={m} onDone={() => setAdding(null)} />}
            {!m.internal && (
              mine.length
                ? <ul class="conns">{mine.map((c) => <ConnectionRow key={c.id} c={c} meta={m} />)}</ul>
                : <p class="muted">No connections yet.</p>
            )}
          </section>
        );
      })}
    </main>
  );
}
