/** Settings: connectors with live status and their connections, teams, and (for the admin) API keys. */
import { useState } from "preact/hooks";
import type { ConnectorMeta } from "./api.ts";
import { ApiKeys } from "./api_keys.tsx";
import { Catalog } from "./catalog.tsx";
import { Logo } from "./card.tsx";
import { ConnectionForm } from "./connection_form.tsx";
import { ConnectionRow, FileConnections } from "./connections.tsx";
import { connectorSummary } from "./settings_status.ts";
import {
  connections,
  isAdmin,
  loadConnections,
  loadMetadata,
  loadTeams,
  metadata,
  navigate,
  type View,
  view,
} from "./state.ts";
import { Teams } from "./teams.tsx";
import { toneClass } from "./tone.ts";

function ConnectorSection({ m }: { m: ConnectorMeta }) {
  const [adding, setAdding] = useState(false);
  const mine = connections.value.filter((c) => c.connector === m.id);
  const summary = connectorSummary(m);
  const titleId = `connector-${m.id}`;
  return (
    <section class={`connector source-color ${m.id}`} aria-labelledby={titleId}>
      <header>
        <Logo connector={m.id} size={32} />
        <div>
          <h3 id={titleId}>
            {m.displayName}{" "}
            <span class={`pill ${toneClass(summary.pill.ok ? "ok" : "bad")}`} title={summary.pill.title}>
              {summary.pill.text}
            </span>
          </h3>
          <p class="muted">{m.description}</p>
          <p class="muted small connector-status">{summary.line}</p>
        </div>
        {!m.internal && (
          <button
            type="button"
            class="primary"
            aria-expanded={adding}
            onClick={() => setAdding(true)}
          >
            Add connection
          </button>
        )}
      </header>
      {adding && <ConnectionForm meta={m} onDone={() => setAdding(false)} />}
      {!m.internal && <FileConnections meta={m} known={new Set(mine.map((c) => c.id))} />}
      {!m.internal && (
        mine.length
          ? <ul class="conns">{mine.map((c) => <ConnectionRow key={c.id} c={c} meta={m} />)}</ul>
          : <p class="muted">No connections made here yet.</p>
      )}
    </section>
  );
}

/** The Settings screens. */
function SettingsNav() {
  const link = (to: View, href: string, text: string) => (
    <a
      href={href}
      aria-current={view.value === to ? "page" : undefined}
      onClick={(e) => {
        e.preventDefault();
        navigate(to);
      }}
    >
      {text}
    </a>
  );
  return (
    <nav class="subnav" aria-label="Settings">
      {link("settings", "/settings", "Connectors, teams and keys")}
      {link("catalog", "/settings/catalog", "Service catalog")}
    </nav>
  );
}

export function Settings() {
  return (
    <main class="settings">
      <h1>Settings</h1>
      <SettingsNav />
      {view.value === "catalog" ? <Catalog /> : <Connectors />}
    </main>
  );
}

function Connectors() {
  return (
    <>
      <section aria-labelledby="connectors-title">
        <div class="settings-head">
          <h2 id="connectors-title">Connectors</h2>
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
          <p class="muted">
            No connector has registered yet. Start one (see the README) and it appears here.
          </p>
        )}
        {metadata.value.map((m) => <ConnectorSection key={m.id} m={m} />)}
      </section>
      <Teams />
      {isAdmin.value && <ApiKeys />}
    </>
  );
}
