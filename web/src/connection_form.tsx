/** A connection's form, generated from the connector's configSchema; secrets are write-only. */
import { useState } from "preact/hooks";
import { api, type ConfigField, type Connection, type ConnectorMeta } from "./api.ts";
import { useAction } from "./create_form.tsx";
import { loadConnections } from "./state.ts";
import { PageForm } from "./page_form.tsx";

function FieldInput(
  { f, value, onInput, isSet }: {
    f: ConfigField;
    value: unknown;
    onInput: (v: unknown) => void;
    isSet: boolean;
  },
) {
  const id = `f-${f.key}`;
  const helpId = f.help ? `${id}-help` : undefined;
  const help = f.help && <small id={helpId}>{f.help}</small>;
  if (f.type === "boolean") {
    // The box sits beside its label, the help under both.
    return (
      <div class="field field-check">
        <label class="check" for={id}>
          <input
            id={id}
            name={f.key}
            type="checkbox"
            aria-describedby={helpId}
            checked={Boolean(value)}
            onChange={(e) => onInput(e.currentTarget.checked)}
          />
          {f.label}
        </label>
        {help}
      </div>
    );
  }
  const common = {
    id,
    name: f.key,
    "aria-describedby": helpId,
    placeholder: f.secret && isSet ? "•••••• set — type to replace" : f.placeholder,
  };
  let input;
  if (f.type === "select") {
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
      {help}
    </div>
  );
}

/** The config to send: secrets left empty are kept as they are, numbers are numbers. */
function configBody(schema: ConfigField[], config: Record<string, unknown>) {
  const cfg: Record<string, unknown> = {};
  for (const f of schema) {
    const v = config[f.key];
    if (f.secret && (v === "" || v === undefined)) continue;
    if (!f.secret && v === "" && !f.required) continue;
    cfg[f.key] = f.type === "number" && v !== "" ? Number(v) : v;
  }
  return cfg;
}

export function ConnectionForm(
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
  const [testResult, setTestResult] = useState<{ ok: boolean; message: string } | null>(null);
  const save = useAction();
  const test = async () => {
    setTestResult(null);
    try {
      setTestResult(
        await api.testConnection({
          connector: meta.id,
          ...(existing ? { id: existing.id } : {}),
          config: configBody(meta.configSchema, config),
        }),
      );
    } catch (err) {
      setTestResult({ ok: false, message: (err as Error).message });
    }
  };
  const title = existing ? `Edit ${existing.name}` : `New ${meta.displayName} connection`;
  return (
    <PageForm
      class="conn-form"
      aria-label={title}
      onSubmit={async () => {
        const body = {
          name,
          tags,
          pollInterval: Number(poll),
          config: configBody(meta.configSchema, config),
        };
        const ok = await save.run(async () => {
          if (existing) await api.updateConnection(existing.id, body);
          else await api.createConnection({ ...body, connector: meta.id });
          await loadConnections();
        });
        if (ok) onDone();
      }}
    >
      <h4>{title}</h4>
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
          aria-describedby="f-tags-help"
          placeholder="prod, team-payments"
          onInput={(e) => setTags(e.currentTarget.value)}
        />
        <small id="f-tags-help">
          Comma-separated; added to every change of this connection, for the tag and team filters. A change's
          environment is its own (a deploy to staging says staging whatever these tags say).
        </small>
      </div>
      {save.error && <div class="error" role="alert">{save.error}</div>}
      {testResult && (
        <div class={testResult.ok ? "ok-note" : "error"} role="status">
          {testResult.ok ? "Connection works: " : "Connection failed: "}
          {testResult.message}
        </div>
      )}
      <div class="actions">
        <button type="submit" class="primary" disabled={save.busy}>
          {existing ? "Save" : "Create connection"}
        </button>
        <button type="button" onClick={test}>Test connection</button>
        <button type="button" onClick={onDone}>Cancel</button>
      </div>
    </PageForm>
  );
}
