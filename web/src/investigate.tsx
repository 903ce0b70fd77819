/**
 * Incident mode: "what changed before it broke?". A pasted time (read back as understood) or a click on the chart,
 * an optional service and environment, and the answer: the most likely change first, with every reason and its
 * weight, the other suspects as a compact ranked list, the changes after the moment apart (they did not cause
 * it), and every stretch PainChain was not watching. All of it lives in the URL, so the link reproduces the view.
 */
import { answer, incident, incidentTimeline, setIncident } from "./investigation.ts";
import { chainMarks, coverage, coverageKnown, timeline } from "./state.ts";
import { Chart, type ChartMark } from "./timeline_chart.tsx";
import { IncidentForm } from "./investigate_form.tsx";

function IncidentChart() {
  const a = answer.value;
  const tl = incidentTimeline.value;
  const i = incident.value;
  const pick = (t: number) => {
    const minute = Math.round(t / 60_000) * 60_000;
    setIncident({ at: new Date(minute).toISOString() });
  };
  if (a && tl) {
    const lead = a.changes[0];
    const marks: ChartMark[] = [
      ...(lead
        ? [{
          t: Date.parse(lead.event.time),
          id: lead.event.id,
          label: `Most likely: ${lead.event.title}`,
          kind: "lead" as const,
        }]
        : []),
      ...chainMarks.value,
    ];
    return (
      <Chart
        tl={tl}
        gaps={a.gaps}
        gapsKnown
        legendFilters={false}
        moment={Date.parse(a.at)}
        marks={marks}
        onPick={pick}
        idle={a.gaps.length
          ? "Hatched: PainChain was not watching (no data there, not no changes) · click to move the moment"
          : "Click the chart to move the moment"}
      />
    );
  }
  const base = timeline.value;
  if (!base) return <div class="chart chart-empty" aria-busy="true">Loading timeline…</div>;
  return (
    <Chart
      tl={base}
      gaps={coverage.value}
      gapsKnown={coverageKnown.value}
      legendFilters={false}
      moment={i.at ? Date.parse(i.at) : null}
      onPick={pick}
      idle="Click the chart where the trouble started"
    />
  );
}

/** The question and the chart; the answer goes beside the detail panel (main.tsx). */
export function Investigate() {
  return (
    <>
      <IncidentForm />
      <IncidentChart />
    </>
  );
}
