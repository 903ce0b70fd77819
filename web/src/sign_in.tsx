/** Sign-in with the admin token or an API key; the gateway answers with an HttpOnly session cookie. */
import { useEffect, useState } from "preact/hooks";
import { api, type PublicConnector } from "./api.ts";
import { Logo } from "./card.tsx";
import { session } from "./state.ts";
import { PageForm } from "./page_form.tsx";

/** The connectors this PainChain collects from, from the public catalog (no sign-in needed). */
function Sources() {
  const [catalog, setCatalog] = useState<PublicConnector[]>([]);
  useEffect(() => {
    api.catalog().then(setCatalog).catch(() => {});
  }, []);
  if (catalog.length === 0) return null;
  return (
    <div class="sources">
      <p class="muted small" id="sources-title">Collecting changes from</p>
      <ul class="source-logos" aria-labelledby="sources-title">
        {catalog.map((c) => (
          <li key={c.id} title={c.description}>
            <Logo connector={c.id} size={22} />
            <span>{c.displayName}</span>
          </li>
        ))}
      </ul>
    </div>
  );
}

export function SignIn({ onCancel }: { onCancel?: () => void }) {
  const [token, setToken] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  return (
    <main class="sign-in">
      <PageForm
        class="sign-in-card"
        aria-labelledby="sign-in-title"
        onSubmit={async () => {
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
        <h1 id="sign-in-title">Sign in to PainChain</h1>
        <p class="muted">
          Use the admin token or an API key with the read scope. The token is sent once; the browser keeps
          only a session cookie that scripts cannot read.
        </p>
        <p class="small where-token">
          <strong>Where is the admin token?</strong> <code>deno task start</code>{" "}
          generates one on its first start and keeps it in <code>.data/admin.token</code>{" "}
          (it prints where); when <code>PAINCHAIN_ADMIN_TOKEN</code>{" "}
          is set, that is the token. The demo keeps its own in <code>.data/demo/admin.token</code>.
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
        <Sources />
      </PageForm>
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
