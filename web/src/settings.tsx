/** Settings: connectors with live status, and connections with forms generated from each configSchema. */
import { useEffect, useState } from "preact/hooks";
import { api, type ApiKey, type ConfigField, type Connection, type ConnectorMeta } from "./api.ts";
import { relative } from "./format.ts";
import { Logo } from "./event_list.tsx";
import { connections, isAdmin, loadConnections, loadMetadata, loadTeams, metadata, teams } from "./state.ts";

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
  const [testResult, setTestResult] = useState<{ ok: boolean; message: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const configBody = () => {
    const cfg: Record<string, unknown> = {};
    for (const f of meta.configSchema) {
      const v = config[f.key];
      if (f.secret && (v === "" || v === undefined)) continue;
      if (!f.secret && v === "" && !f.required) continue;
      cfg[f.key] = f.type === "number" && v !== "" ? Number(v) : v;
    }
    return cfg;
  };
  const test = async () => {
    setTestResult(null);
    try {
      setTestResult(
        await api.testConnection({
          connector: meta.id,
          ...(existing ? { id: existing.id } : {}),
          config: configBody(),
        }),
      );
    } catch (err) {
      setTestResult({ ok: false, message: (err as Error).message });
    }
  };
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    const cfg = configBody();
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
      {testResult && (
        <div class={testResult.ok ? "ok-note" : "error"} role="status">
          {testResult.ok ? "Connection works: " : "Connection failed: "}
          {testResult.message}
        </div>
      )}
      <div class="actions">
        <button type="submit" class="primary" disabled={busy}>
          {existing ? "Save" : "Create connection"}
        </button>
        <button type="button" onClick={test}>Test connection</button>
        <button type="button" onClick={onDone}>Cancel</button>
      </div>
    </form>
  );
}

function ConnectionRow({ c, meta }: { c: Connection; meta: ConnectorMeta }) {
  const [editing, setEditing] = useState(false);
  const [note, setNote] = useState<string | null>(null);
  const holder = meta.instances.find((i) =>
    i.connections.some((s) => s.connectionId === c.id && s.state !== "standby")
  );
  const status = holder?.connections.find((s) => s.connectionId === c.id);
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
      <dl class="conn-status">
        <dt>State</dt>
        <dd>
          {status
            ? `${status.state}${holder ? ` on ${holder.instanceId}` : ""}`
            : c.enabled
            ? "waiting for a replica"
            : "disabled"}
        </dd>
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
        {(c.connector === "github" || c.connector === "gitlab") && (
          <>
            <dt>Webhook</dt>
            <dd>
              {c.secrets.webhookSecret
                ? <code class="small">{`${location.origin}/api/webhooks/${c.connector}/${c.id}`}</code>
                : "set a webhook secret to receive pushes"}
            </dd>
          </>
        )}
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
function FileConnections({ meta, known }: { meta: ConnectorMeta; known: Set<string> }) {
  const seen = new Map<
    string,
    { instance: string; status: ConnectorMeta["instances"][number]["connections"][number] }
  >();
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
            <strong>{id}</strong> <span class="pill ok">from config file</span>
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

function Teams() {
  const [name, setName] = useState("");
  const [tags, setTags] = useState("");
  const [error, setError] = useState<string | null>(null);
  return (
    <section class="connector teams" style={{ borderLeftColor: "#888" }}>
      <h3>Teams</h3>
      <p class="muted">
        A team is a name for a set of tags; the timeline's team filter shows changes carrying any of them.
      </p>
      <ul class="conns">
        {teams.value.map((t) => (
          <li class="conn" key={t.id}>
            <strong>{t.name}</strong> {t.tags.map((x) => <span class="tag" key={x}>{x}</span>)}{" "}
            <button
              type="button"
              class="danger"
              onClick={async () => {
                await api.deleteTeam(t.id);
                await loadTeams();
              }}
            >
              Delete
            </button>
          </li>
        ))}
      </ul>
      <form
        class="team-form"
        onSubmit={async (e) => {
          e.preventDefault();
          setError(null);
          try {
            await api.createTeam({ name, tags });
            setName("");
            setTags("");
            await loadTeams();
          } catch (err) {
            setError((err as Error).message);
          }
        }}
      >
        <label>
          Name{" "}
          <input name="team-name" required value={name} onInput={(e) => setName(e.currentTarget.value)} />
        </label>
        <label>
          Tags{" "}
          <input
            name="team-tags"
            required
            value={tags}
            placeholder="team-payments, payments-prod"
            onInput={(e) => setTags(e.currentTarget.value)}
          />
        </label>
        <button type="submit">Add team</button>
        {error && <span class="error-text" role="alert">{error}</span>}
      </form>
    </section>
  );
}

/** API keys for scripts and read-only viewers: the admin creates and revokes them; a key is shown once. */
function ApiKeys() {
  const [keys, setKeys] = useState<ApiKey[] | null>(null);
  const [name, setName] = useState("");
  const [scopes, setScopes] = useState<string[]>(["ingest"]);
  const [created, setCreated] = useState<ApiKey | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = () => api.keys().then(setKeys).catch((err) => setError((err as Error).message));
  useEffect(() => void load(), []);
  return (
    <section class="connector keys" style={{ borderLeftColor: "#888" }}>
      <h3>API keys</h3>
      <p class="muted">
        Scopes: <strong>read</strong> (timeline and settings), <strong>write</strong>{" "}
        (connections, teams; includes read), <strong>ingest</strong>{" "}
        (POST /api/changes only, for deploy scripts). Keys are stored hashed.
      </p>
      {created && (
        <div class="key-once" role="status">
          Key <strong>{created.name}</strong> created. Copy it now; it is not shown again:
          <code class="secret-once">{created.key}</code>
        </div>
      )}
      <ul class="conns">
        {(keys ?? []).map((k) => (
          <li class="conn" key={k.id}>
            <strong>{k.name}</strong> <code class="muted">{k.id}</code>{" "}
            {k.scopes.map((x) => <span class="tag" key={x}>{x}</span>)}{" "}
            <span class="muted small">created {relative(k.createdAt)} by {k.createdBy}</span>{" "}
            <button
              type="button"
              class="danger"
              onClick={async () => {
                if (!confirm(`Revoke ${k.name}? Scripts using it stop working.`)) return;
                await api.revokeKey(k.id).catch((err) => setError((err as Error).message));
                await load();
              }}
            >
              Revoke
            </button>
          </li>
        ))}
      </ul>
      <form
        class="team-form"
        onSubmit={async (e) => {
          e.preventDefault();
          setError(null);
          try {
            setCreated(await api.createKey({ name, scopes }));
            setName("");
            await load();
          } catch (err) {
            setError((err as Error).message);
          }
        }}
      >
        <label>
          Name{" "}
          <input
            name="key-name"
            required
            value={name}
            placeholder="deploy pipeline"
            onInput={(e) => setName(e.currentTarget.value)}
          />
        </label>
        {["read", "write", "ingest"].map((sc) => (
          <label key={sc}>
            <input
              type="checkbox"
              name={`scope-${sc}`}
              checked={scopes.includes(sc)}
              onChange={(e) =>
                setScopes(e.currentTarget.checked ? [...scopes, sc] : scopes.filter((x) => x !== sc))}
            />{" "}
            {sc}
          </label>
        ))}
        <button type="submit" disabled={scopes.length === 0}>Create key</button>
        {error && <span class="error-text" role="alert">{error}</span>}
      </form>
    </section>
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
            void loadTeams();
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
                  {m.instances.length} {m.instances.length === 1 ? "replica" : "replicas"}
                  {m.instances.length > 0 ? ` (${m.instances.map((i) => i.instanceId).join(", ")})` : ""}{" "}
                  · last heartbeat {m.lastHeartbeatAt ? relative(m.lastHeartbeatAt) : "never"}
                </p>
              </div>
              {!m.internal && (
                <button type="button" class="primary" onClick={() => setAdding(m.id)}>Add connection</button>
              )}
            </header>
            {adding === m.id && <ConnectionForm meta={m} onDone={() => setAdding(null)} />}
            {!m.internal && <FileConnections meta={m} known={new Set(mine.map((c) => c.id))} />}
            {!m.internal && (
              mine.length
                ? <ul class="conns">{mine.map((c) => <ConnectionRow key={c.id} c={c} meta={m} />)}</ul>
                : <p class="muted">No connections made here yet.</p>
            )}
          </section>
        );
      })}
      <Teams />
      {isAdmin.value && <ApiKeys />}
    </main>
  );
}
