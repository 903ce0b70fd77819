/** Settings › API keys, for scripts and read-only viewers: the admin creates and revokes them; shown once. */
import { useEffect, useState } from "preact/hooks";
import { api, type ApiKey } from "./api.ts";
import { Check, CreateForm, InlineField, MadeList, useAction } from "./create_form.tsx";
import { relative } from "./format.ts";

const SCOPES = ["read", "write", "ingest"] as const;

export function ApiKeys() {
  const [keys, setKeys] = useState<ApiKey[] | null>(null);
  const [name, setName] = useState("");
  const [scopes, setScopes] = useState<string[]>(["ingest"]);
  const [created, setCreated] = useState<ApiKey | null>(null);
  const listing = useAction();
  const load = () => listing.run(async () => setKeys(await api.keys()));
  useEffect(() => void load(), []);
  return (
    <section class="panel keys" aria-labelledby="keys-title">
      <h2 id="keys-title">API keys</h2>
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
      <MadeList
        items={keys ?? []}
        row={(k) => (
          <>
            <strong>{k.name}</strong> <code class="muted">{k.id}</code>
            {k.scopes.map((x) => <span class="tag" key={x}>{x}</span>)}
            <span class="muted small">created {relative(k.createdAt)} by {k.createdBy}</span>
          </>
        )}
        removeText="Revoke"
        removeLabel={(k) => `Revoke key ${k.name}`}
        onRemove={(k) => {
          if (!confirm(`Revoke ${k.name}? Scripts using it stop working.`)) return;
          void listing.run(() => api.revokeKey(k.id)).then(load);
        }}
        error={listing.error}
      />
      <CreateForm
        label="New API key"
        submit="Create key"
        disabled={scopes.length === 0}
        onCreate={async () => {
          setCreated(await api.createKey({ name, scopes }));
          setName("");
          await load();
        }}
      >
        <InlineField
          label="Name"
          name="key-name"
          value={name}
          placeholder="deploy pipeline"
          onInput={setName}
        />
        <fieldset class="scopes">
          <legend>Scopes</legend>
          {SCOPES.map((sc) => (
            <Check
              key={sc}
              label={sc}
              name={`scope-${sc}`}
              checked={scopes.includes(sc)}
              onChange={(on) => setScopes(on ? [...scopes, sc] : scopes.filter((x) => x !== sc))}
            />
          ))}
        </fieldset>
      </CreateForm>
    </section>
  );
}
