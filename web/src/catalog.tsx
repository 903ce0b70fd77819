/**
 * Settings › Service catalog: the rules that name the service, environment and team of changes that do not say so
 * themselves. The catalog file's rules are shown read-only; the rules set here are edited as a draft (add, edit,
 * remove, move up or down: the first matching rule that sets a value wins) and saved with PUT /api/catalog. Stores
 * then re-derive existing changes in the background; the screen counts down what is left.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import { api, type CatalogRule, type CatalogState } from "./api.ts";
import {
  draftOf,
  emptyDraft,
  MATCH_FIELDS,
  moved,
  type RuleDraft,
  ruleOf,
  sameRules,
  SET_FIELDS,
} from "./catalog_rules.ts";
import { useAction } from "./create_form.tsx";
import { relative } from "./format.ts";
import { canWrite, facets, loadFacets, metadata } from "./state.ts";
import { PageForm } from "./page_form.tsx";

/** How the rule says what it matches and what it sets, as two runs of small chips. */
function RuleText({ r }: { r: CatalogRule }) {
  return (
    <span class="rule-text">
      <span class="rule-match">
        {MATCH_FIELDS.filter((f) => r.match[f.key]).map((f) => (
          <span class="rule-chip" key={f.key}>
            <span class="k">{f.label.toLowerCase()}</span> <code>{r.match[f.key]}</code>
          </span>
        ))}
      </span>
      <span class="rule-arrow">
        <span aria-hidden="true">→</span>
        <span class="sr-only">sets</span>
      </span>
      <span class="rule-sets">
        {SET_FIELDS.filter((f) => r[f.key]).map((f) => (
          <span class="rule-chip set" key={f.key}>
            <span class="k">{f.label.toLowerCase()}</span> <strong>{r[f.key]}</strong>
          </span>
        ))}
      </span>
    </span>
  );
}

function RuleForm(
  { initial, title, onDone, onCancel }: {
    initial: RuleDraft;
    title: string;
    onDone: (r: CatalogRule) => void;
    onCancel: () => void;
  },
) {
  const [d, setD] = useState(initial);
  const [error, setError] = useState<string | null>(null);
  const first = useRef<HTMLInputElement>(null);
  useEffect(() => first.current?.focus(), []);
  const suggestions: Record<string, string[]> = {
    connector: metadata.value.map((m) => m.id),
    service: facets.value.services,
    environment: facets.value.environments,
    team: facets.value.teams,
  };
  const field = (
    key: string,
    label: string,
    example: string,
    value: string,
    set: (v: string) => void,
    i: number,
  ) => (
    <label class="inline-field" key={key}>
      <span>{label}</span>
      <input
        ref={i === 0 ? first : undefined}
        name={`rule-${key}`}
        value={value}
        placeholder={`e.g. ${example}`}
        list={suggestions[key]?.length ? `rule-known-${key}` : undefined}
        autocomplete="off"
        onInput={(e) => set(e.currentTarget.value)}
      />
      {suggestions[key]?.length
        ? (
          <datalist id={`rule-known-${key}`}>
            {suggestions[key]!.map((s) => <option key={s} value={s} />)}
          </datalist>
        )
        : null}
    </label>
  );
  return (
    <PageForm
      class="rule-form"
      aria-label={title}
      onSubmit={() => {
        const made = ruleOf(d);
        if ("error" in made) setError(made.error);
        else onDone(made.rule);
      }}
      onKeyDown={(e: KeyboardEvent) => e.key === "Escape" && onCancel()}
    >
      <fieldset>
        <legend>When a change matches every field given (* is a wildcard)</legend>
        <div class="rule-grid">
          {MATCH_FIELDS.map((f, i) =>
            field(f.key, f.label, f.example, d.match[f.key], (v) =>
              setD({ ...d, match: { ...d.match, [f.key]: v } }), i)
          )}
        </div>
      </fieldset>
      <fieldset>
        <legend>it belongs to (unless it says so itself)</legend>
        <div class="rule-grid">
          {SET_FIELDS.map((f) =>
            field(f.key, f.label, f.example, d[f.key], (v) =>
              setD({ ...d, [f.key]: v }), -1)
          )}
        </div>
      </fieldset>
      {error && <p class="error-text" role="alert">{error}</p>}
      <div class="actions">
        <button type="submit" class="primary">Keep this rule</button>
        <button type="button" onClick={onCancel}>Cancel</button>
        <span class="muted small">Then save the rules, below.</span>
      </div>
    </PageForm>
  );
}

export function Catalog() {
  const [state, setState] = useState<CatalogState | null>(null);
  const [loadErr, setLoadErr] = useState<string | null>(null);
  const [rules, setRules] = useState<CatalogRule[]>([]);
  const [editing, setEditing] = useState<number | "new" | null>(null);
  const [saved, setSaved] = useState(false);
  const [focusAfter, setFocusAfter] = useState<string | null>(null);
  const save = useAction();
  const writable = canWrite.value;

  const refresh = async (takeRules: boolean) => {
    try {
      const s = await api.getCatalog();
      setState(s);
      setLoadErr(null);
      if (takeRules) setRules(s.api?.rules ?? []);
    } catch (err) {
      setLoadErr((err as Error).message);
    }
  };
  useEffect(() => {
    void refresh(true);
    void loadFacets();
  }, []);
  // While stores re-derive existing changes, count down what is left.
  const pending = state?.pending ?? 0;
  useEffect(() => {
    if (!pending) return;
    const t = setInterval(() => void refresh(false), 2_000);
    return () => clearInterval(t);
  }, [pending > 0]);
  useEffect(() => {
    if (!focusAfter) return;
    requestAnimationFrame(() =>
      document.querySelector<HTMLElement>(`[data-rule-focus="${focusAfter}"]`)?.focus()
    );
    setFocusAfter(null);
  }, [focusAfter]);

  if (!state) {
    return (
      <section class="panel catalog" aria-labelledby="catalog-title" aria-busy={!loadErr}>
        <h2 id="catalog-title">Service catalog</h2>
        {loadErr
          ? <p class="error" role="alert">Could not read the catalog: {loadErr}</p>
          : <p class="muted">Loading…</p>}
      </section>
    );
  }
  const fileRules = state.file?.rules ?? [];
  const dirty = !sameRules(rules, state.api?.rules ?? []);
  const offset = fileRules.length;
  const move = (i: number, delta: number) => {
    const next = moved(rules, i, delta);
    if (next === rules) return;
    setRules(next);
    setSaved(false);
    const j = i + delta;
    setFocusAfter(`${j}-${delta < 0 && j > 0 ? "up" : delta > 0 && j < rules.length - 1 ? "down" : "edit"}`);
  };
  return (
    <section class="panel catalog" aria-labelledby="catalog-title">
      <h2 id="catalog-title">Service catalog</h2>
      <p class="muted">
        Rules name the service, environment and team of changes that do not say so themselves. For each of the
        three, the first matching rule that sets it wins — the catalog file's rules first — and what a change
        declares itself always wins. Incident mode ranks a service's changes first: a change without a service
        ranks by time alone.
      </p>
      <p class={`derive ${pending ? "busy" : state.version ? "" : "none"}`} role="status">
        {pending
          ? `Re-deriving existing changes with these rules: ${pending.toLocaleString()}${
            pending >= 100000 ? "+" : ""
          } left…`
          : state.version
          ? "Every stored change is derived with the saved rules."
          : "No rules yet: changes have only the service and environment they declare."}
      </p>
      {fileRules.length > 0 && (
        <>
          <h3>From the catalog file (read-only)</h3>
          <p class="muted small">
            Set by <code>PAINCHAIN_CATALOG_FILE</code>
            {state.file?.updatedAt ? `, read ${relative(state.file.updatedAt)}` : ""}; change the file to
            change them.
          </p>
          <ol class="rules file-rules">
            {fileRules.map((r, i) => (
              <li key={i} class="rule">
                <span class="rule-n">{i + 1}</span>
                <RuleText r={r} />
              </li>
            ))}
          </ol>
        </>
      )}
      <h3>{fileRules.length ? "Rules set here (after the file's)" : "Rules"}</h3>
      {state.api?.updatedAt && (
        <p class="muted small">
          Last saved {relative(state.api.updatedAt)} by {state.api.updatedBy}.
        </p>
      )}
      {!writable && <p class="muted small">Changing rules needs a key with the write scope.</p>}
      {rules.length === 0 && editing !== "new" && (
        <p class="muted">
          No rules set here yet. A rule such as “repository <code>acme/checkout</code> → service{" "}
          <code>checkout</code>” names the service of every change from that repository, old ones included.
        </p>
      )}
      {rules.length > 0 && (
        <ol class="rules">
          {rules.map((r, i) => (
            <li key={i} class="rule">
              {editing === i
                ? (
                  <RuleForm
                    initial={draftOf(r)}
                    title={`Edit rule ${offset + i + 1}`}
                    onCancel={() => {
                      setEditing(null);
                      setFocusAfter(`${i}-edit`);
                    }}
                    onDone={(next) => {
                      setRules(rules.map((x, j) => (j === i ? next : x)));
                      setEditing(null);
                      setSaved(false);
                      setFocusAfter(`${i}-edit`);
                    }}
                  />
                )
                : (
                  <>
                    <span class="rule-n">{offset + i + 1}</span>
                    <RuleText r={r} />
                    {writable && (
                      <span class="rule-actions">
                        <button
                          type="button"
                          data-rule-focus={`${i}-edit`}
                          aria-label={`Edit rule ${offset + i + 1}`}
                          onClick={() => setEditing(i)}
                        >
                          Edit
                        </button>
                        <button
                          type="button"
                          data-rule-focus={`${i}-up`}
                          aria-label={`Move rule ${offset + i + 1} up`}
                          disabled={i === 0}
                          onClick={() => move(i, -1)}
                        >
                          ↑
                        </button>
                        <button
                          type="button"
                          data-rule-focus={`${i}-down`}
                          aria-label={`Move rule ${offset + i + 1} down`}
                          disabled={i === rules.length - 1}
                          onClick={() => move(i, 1)}
                        >
                          ↓
                        </button>
                        <button
                          type="button"
                          class="danger"
                          aria-label={`Remove rule ${offset + i + 1}`}
                          onClick={() => {
                            setRules(rules.filter((_, j) => j !== i));
                            setSaved(false);
                            setFocusAfter(rules.length > 1 ? `${Math.min(i, rules.length - 2)}-edit` : "add");
                          }}
                        >
                          Remove
                        </button>
                      </span>
                    )}
                  </>
                )}
            </li>
          ))}
        </ol>
      )}
      {editing === "new" && (
        <RuleForm
          initial={emptyDraft()}
          title="New rule"
          onCancel={() => {
            setEditing(null);
            setFocusAfter("add");
          }}
          onDone={(r) => {
            setRules([...rules, r]);
            setEditing(null);
            setSaved(false);
            setFocusAfter(`${rules.length}-edit`);
          }}
        />
      )}
      {writable && (
        <div class="catalog-bar">
          {editing !== "new" && (
            <button type="button" data-rule-focus="add" onClick={() => setEditing("new")}>Add a rule</button>
          )}
          <span class="spacer" />
          <span class="muted small" role="status">
            {dirty ? "Unsaved changes" : saved ? "Saved" : ""}
          </span>
          <button
            type="button"
            disabled={!dirty || save.busy}
            onClick={() => {
              setRules(state.api?.rules ?? []);
              setEditing(null);
            }}
          >
            Discard
          </button>
          <button
            type="button"
            class="primary"
            disabled={!dirty || save.busy || editing !== null}
            onClick={() =>
              void save.run(async () => {
                await api.putCatalog(rules);
                setSaved(true);
                await refresh(true);
                void loadFacets();
              })}
          >
            {save.busy ? "Saving…" : "Save rules"}
          </button>
        </div>
      )}
      {save.error && <p class="error-text" role="alert">Not saved: {save.error}</p>}
    </section>
  );
}
