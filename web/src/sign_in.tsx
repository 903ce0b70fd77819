/** Sign-in with the admin token or an API key; the gateway answers with an HttpOnly session cookie. */
import { useState } from "preact/hooks";
import { api } from "./api.ts";
import { session } from "./state.ts";

export function SignIn({ onCancel }: { onCancel?: () => void }) {
  const [token, setToken] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  return (
    <main class="sign-in">
      <form
        class="sign-in-card"
        onSubmit={async (e) => {
          e.preventDefault();
          setBusy(true);
          setError(null);
          try {
            await api.signIn(token.trim());
            // Start over with the session cookie in place: every panel loads as the signed-in caller.
            location.reload();
          } catch (err) {
            setError((err as Error).message);
            setBusy(false);
          }
        }}
      >
        <h2>Sign in to PainChain</h2>
        <p class="muted">
          Use the admin token (<code>PAINCHAIN_ADMIN_TOKEN</code>) or an API key with the read scope. The
          token is sent once; the browser keeps only a session cookie that scripts cannot read.
        </p>
        <label class="field">
          <span>Token or API key</span>
          <input
            name="token"
            type="password"
            autocomplete="current-password"
            required
            autofocus
            value={token}
            onInput={(e) => setToken(e.currentTarget.value)}
          />
        </label>
        {error && <div class="error" role="alert">{error}</div>}
        <div class="actions">
          <button type="submit" class="primary" disabled={busy || !token.trim()}>
            {busy ? "Signing in…" : "Sign in"}
          </button>
          {onCancel && <button type="button" onClick={onCancel}>Cancel</button>}
        </div>
      </form>
    </main>
  );
}

/** Who is signed in, and the way out (or in, when reads are public). */
export function SessionBadge({ onSignIn }: { onSignIn: () => void }) {
  const s = session.value;
  if (!s) return null;
  if (!s.principal) {
    // Without public reads the sign-in is already the whole page.
    return s.publicRead ? <button type="button" onClick={onSignIn}>Sign in</button> : null;
  }
  return (
    <span class="session">
      <span class="muted small" title={`scopes: ${s.principal.scopes.join(", ")}`}>
        {s.principal.kind === "admin" ? "admin" : s.principal.name}
      </span>{" "}
      <button
        type="button"
        onClick={async () => {
          await api.signOut().catch(() => {});
          location.reload();
        }}
      >
        Sign out
      </button>
    </span>
  );
}
