/** The PainChain dashboard. */
import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import { api, whenUnauthorized } from "./api.ts";
import { DetailPanel } from "./detail.tsx";
import { EventList } from "./event_list.tsx";
import { FilterBar } from "./filters.tsx";
import { Investigate } from "./investigate.tsx";
import { Answer } from "./investigate_answer.tsx";
import { incidentFromLocation, runInvestigation } from "./investigation.ts";
import { writePref } from "./prefs.ts";
import { Settings } from "./settings.tsx";
import { SessionBadge, SignIn } from "./sign_in.tsx";
import {
  connectLive,
  filters,
  filtersFromUrl,
  loadConnections,
  loadFacets,
  loadMetadata,
  loadSession,
  loadTeams,
  metadataError,
  navigate,
  reload,
  selected,
  session,
  theme,
  useUtc,
  type View,
  view,
  viewOf,
} from "./state.ts";
import { TimelineChart } from "./timeline_chart.tsx";

function Header({ onSignIn, nav = true }: { onSignIn: () => void; nav?: boolean }) {
  const go = (to: View) => (e: Event) => {
    e.preventDefault();
    navigate(to);
  };
  const here = (...vs: View[]) => (vs.includes(view.value) ? "page" : undefined);
  return (
    <header class="top">
      <a class="brand" href="/" onClick={go("timeline")}>
        <svg class="brand-mark" viewBox="0 0 64 64" width="22" height="22" aria-hidden="true">
          <rect width="64" height="64" rx="14" fill="#9f7aea" />
          <g fill="none" stroke="#fff" stroke-width="6" stroke-linecap="round">
            <path d="M27 37l10-10" />
            <path d="M30 21l4-4a9 9 0 0 1 13 13l-4 4" />
            <path d="M34 43l-4 4a9 9 0 0 1-13-13l4-4" />
          </g>
        </svg>
        PainChain
      </a>
      {nav && (
        <nav aria-label="Main">
          <a href="/" aria-current={here("timeline")} onClick={go("timeline")}>
            Timeline
          </a>
          <a href="/investigate" aria-current={here("investigate")} onClick={go("investigate")}>
            Investigate
          </a>
          <a href="/settings" aria-current={here("settings", "catalog")} onClick={go("settings")}>
            Settings
          </a>
        </nav>
      )}
      <div class="top-right">
        <label class="utc">
          <input
            type="checkbox"
            checked={useUtc.value}
            onChange={(e) => {
              useUtc.value = e.currentTarget.checked;
              writePref("painchain.utc", useUtc.value ? "1" : "0");
            }}
          />{" "}
          UTC
        </label>
        <button
          type="button"
          class="theme"
          title={`Switch to the ${theme.value === "dark" ? "light" : "dark"} theme`}
          onClick={() => (theme.value = theme.value === "dark" ? "light" : "dark")}
        >
          {theme.value === "dark" ? "Light" : "Dark"}
          <span class="wide-only">&nbsp;theme</span>
        </button>
        <SessionBadge onSignIn={onSignIn} />
      </div>
    </header>
  );
}

function Dashboard() {
  useEffect(() => {
    void loadMetadata();
    void loadFacets();
    void loadTeams().then(() => view.value === "timeline" && filters.value.team ? reload() : undefined);
    void reload();
    if (view.value === "settings") void loadConnections();
    if (view.value === "investigate") void runInvestigation();
    const eventId = new URLSearchParams(location.search).get("event");
    if (eventId) void api.event(eventId).then((e) => (selected.value = e)).catch(() => {});
    const live = connectLive();
    const meta = setInterval(loadMetadata, 10_000);
    const onPop = () => {
      view.value = viewOf(location.pathname);
      const id = new URLSearchParams(location.search).get("event");
      if (selected.value && selected.value.id !== id) selected.value = null;
      if (view.value === "investigate") {
        incidentFromLocation();
        void runInvestigation();
      } else if (view.value === "timeline") {
        filters.value = filtersFromUrl(location.search);
        void reload();
      }
    };
    addEventListener("popstate", onPop);
    return () => {
      live.close();
      clearInterval(meta);
      removeEventListener("popstate", onPop);
    };
  }, []);
  return (
    <>
      {metadataError.value && (
        <div class="error banner" role="alert">Cannot reach the PainChain API: {metadataError.value}</div>
      )}
      {view.value === "settings" || view.value === "catalog"
        ? <Settings />
        : view.value === "investigate"
        ? (
          <main class="dashboard investigate">
            <h1 class="sr-only">Investigate: what changed?</h1>
            <Investigate />
            <div class={`split ${selected.value ? "with-detail" : ""}`}>
              <Answer />
              <DetailPanel />
            </div>
          </main>
        )
        : (
          <main class="dashboard">
            <h1 class="sr-only">Change timeline</h1>
            <FilterBar />
            <TimelineChart />
            <div class={`split ${selected.value ? "with-detail" : ""}`}>
              <EventList />
              <DetailPanel />
            </div>
          </main>
        )}
    </>
  );
}

function App() {
  const [signingIn, setSigningIn] = useState(false);
  useEffect(() => {
    whenUnauthorized(() => {
      if (session.value?.authenticated || !session.value?.publicRead) {
        session.value = {
          authenticated: false,
          principal: null,
          publicRead: session.value?.publicRead ?? false,
        };
      }
    });
    void loadSession();
  }, []);
  const s = session.value;
  if (!s) return <Header onSignIn={() => setSigningIn(true)} nav={false} />;
  const mustSignIn = !s.authenticated && !s.publicRead;
  return (
    <>
      <Header onSignIn={() => setSigningIn(true)} nav={!mustSignIn && !signingIn} />
      {mustSignIn || signingIn
        ? <SignIn {...(mustSignIn ? {} : { onCancel: () => setSigningIn(false) })} />
        : <Dashboard />}
    </>
  );
}

render(<App />, document.getElementById("app")!);
