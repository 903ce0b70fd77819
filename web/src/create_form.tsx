/**
 * The one pattern Settings uses to make things (teams, API keys, connections): a form whose submit runs an API
 * call, shows "busy" while it runs and the server's message when it is refused.
 */
import type { ComponentChildren } from "preact";
import { useState } from "preact/hooks";
import { PageForm } from "./page_form.tsx";

/** Runs an action with busy and error state; resolves true when it succeeded. */
export function useAction() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const run = async (fn: () => Promise<unknown>): Promise<boolean> => {
    setBusy(true);
    setError(null);
    try {
      await fn();
      return true;
    } catch (err) {
      setError((err as Error).message);
      return false;
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, run, setError };
}

/** An inline create form: labelled fields, a submit button, and the refusal beside it. */
export function CreateForm(
  { label, submit, onCreate, disabled = false, children }: {
    label: string;
    submit: string;
    onCreate: () => Promise<unknown>;
    disabled?: boolean;
    children: ComponentChildren;
  },
) {
  const { busy, error, run } = useAction();
  return (
    <PageForm class="create-form" aria-label={label} onSubmit={() => run(onCreate)}>
      {children}
      <button type="submit" disabled={busy || disabled}>{submit}</button>
      {error && <span class="error-text" role="alert">{error}</span>}
    </PageForm>
  );
}

/** What Settings made (teams, API keys), one row each: its facts and a button that removes it; a refusal below. */
export function MadeList<T extends { id: string; name: string }>(
  { items, row, removeText, removeLabel, onRemove, error }: {
    items: T[];
    row: (item: T) => ComponentChildren;
    removeText: string;
    removeLabel: (item: T) => string;
    onRemove: (item: T) => void;
    error: string | null;
  },
) {
  return (
    <>
      <ul class="conns">
        {items.map((it) => (
          <li class="conn row" key={it.id}>
            {row(it)}
            <button type="button" class="danger" aria-label={removeLabel(it)} onClick={() => onRemove(it)}>
              {removeText}
            </button>
          </li>
        ))}
      </ul>
      {error && <p class="error-text" role="alert">{error}</p>}
    </>
  );
}

/** A labelled text input of a create form. */
export function InlineField(
  { label, name, value, onInput, placeholder, required = true }: {
    label: string;
    name: string;
    value: string;
    onInput: (v: string) => void;
    placeholder?: string;
    required?: boolean;
  },
) {
  return (
    <label class="inline-field">
      <span>{label}</span>
      <input
        name={name}
        required={required}
        value={value}
        placeholder={placeholder}
        onInput={(e) => onInput(e.currentTarget.value)}
      />
    </label>
  );
}

/** A checkbox with its label beside it. */
export function Check(
  { label, name, checked, onChange }: {
    label: string;
    name?: string;
    checked: boolean;
    onChange: (v: boolean) => void;
  },
) {
  return (
    <label class="check">
      <input
        type="checkbox"
        name={name}
        checked={checked}
        onChange={(e) => onChange(e.currentTarget.checked)}
      />
      {label}
    </label>
  );
}
