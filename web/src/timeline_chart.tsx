/**
 * Counts per connector in server-side bins, in connector colours. Drag to select a range (zooms), click a bin to
 * zoom into it, a legend with counts that toggles connectors, a hover line kept in sync with the list, and a
 * density view (one heat strip per connector) for when changes pile up.
 *
 * Over the bars, in HTML (so lines and hatching keep their shape whatever the chart's width): coverage gaps,
 * hatched, each a focusable band that says when PainChain was not watching which connection — so an empty stretch
 * never looks like a stretch with no changes; the incident's moment; and the members of the open change's chain.
 * In incident mode a click picks the moment instead of zooming.
 */
import { useRef, useState } from "preact/hooks";
import type { Gap, Timeline } from "./api.ts";
import { gapBox, scaleOf } from "./chart_scale.ts";
import { absolute, clock, plural } from "./format.ts";
import { gapsAt, gapText } from "./incident.ts";
import {
  anyConnection,
  chainMarks,
  coverage,
  coverageKnown,
  density,
  filters,
  hoverRange,
  hoverTime,
  loadError,
  metaById,
  setFilters,
  timeline,
} from "./state.ts";

const H = 120;

/** A change marked on the chart: a member of the open change's chain, or the lead suspect. */
export interface ChartMark {
  t: number;
  id: string;
  label: string;
  kind: "chain" | "lead";
}

export interface ChartProps {
  tl: Timeline;
  gaps: Gap[];
  /** Coverage was read for this range (so "every connection watched" can be said). */
  gapsKnown: boolean;
  /** The legend's connectors filter the view (the timeline) or only name the colours. */
  legendFilters: boolean;
  /** The incident's moment (ms). */
  moment?: number | null;
  marks?: ChartMark[];
  /** Drag or click zooms to a range. */
  onZoom?: (from: string, to: string) => void;
  /** A click picks a moment. */
  onPick?: (t: number) => void;
  /** What the line under the chart says while nothing is hovered. */
  idle: string;
}

export function Chart(
  { tl, gaps, gapsKnown, legendFilters, moment = null, marks = [], onZoom, onPick, idle }: ChartProps,
) {
  const plot = useRef<HTMLDivElement>(null);
  const [drag, setDrag] = useState<{ a: number; b: number } | null>(null);
  const [hover, setHover] = useState<{ i: number; t: number } | null>(null);
  const [gapTip, setGapTip] = useState<string | null>(null);
  const n = tl.bins.length;
  const scale = scaleOf(tl);
  const totals = tl.bins.map((b) => Object.values(b.counts).reduce((s, x) => s + x, 0));
  const max = Math.max(1, ...totals);
  const selectedConnectors = filters.value.connector;
  const ids = Object.keys(tl.totals).sort();
  const binMs = scale.binMs;
  const pointer = (clientX: number) => {
    const r = plot.current!.getBoundingClientRect();
    const f = (clientX - r.left) / r.width;
    return { i: Math.max(0, Math.min(n - 1, Math.floor(f * n))), t: scale.at(f) };
  };
  const zoom = (a: number, b: number) => {
    const lo = Math.min(a, b);
    const hi = Math.max(a, b);
    onZoom?.(tl.bins[lo]!.start, new Date(Date.parse(tl.bins[hi]!.start) + binMs).toISOString());
  };
  const hovered = hover !== null ? tl.bins[hover.i] : null;
  const line = hoverTime.value;
  const rowH = ids.length ? H / ids.length : H;
  // Density: log scale so a burst does not flatten everything else.
  const heat = (c: number, m: number) => (c === 0 ? 0 : 0.15 + 0.85 * Math.log1p(c) / Math.log1p(m));
  const inChart = (t: number) => t >= scale.start && t <= scale.end;
  const chain = marks.filter((m) => m.kind === "chain");

  let status = idle;
  if (gapTip) status = gapTip;
  else if (hovered && hover) {
    const s = Date.parse(hovered.start);
    const counts = Object.entries(hovered.counts).map(([k, v]) =>
      `${metaById.value.get(k)?.displayName ?? k} ${v}`
    )
      .join(", ");
    const blind = gapsAt(gaps, s, s + binMs);
    const watch = blind.length
      ? ` · not watching ${[...new Set(blind.map((g) => g.connectionName || g.connectionId))].join(", ")}`
      : "";
    status = onPick
      ? `${absolute(new Date(hover.t).toISOString())}: ${
        counts || "no changes"
      }${watch} — click to investigate this moment`
      : `${absolute(hovered.start)}: ${counts || "no changes"}${watch} — click to zoom`;
  }

  return (
    <div class={`chart ${onPick ? "picking" : ""}`}>
      <div class="legend" role="group" aria-label="Connectors">
        {ids.length === 0 && <span class="muted">No changes in this range</span>}
        {ids.map((id) => {
          const m = metaById.value.get(id);
          const on = !legendFilters || selectedConnectors.length === 0 || selectedConnectors.includes(id);
          if (!legendFilters) {
            return (
              <span key={id} class="legend-item static">
                <span class={`swatch source-color ${id}`} />
                {m?.displayName ?? id} <b>{tl.totals[id]}</b>
              </span>
            );
          }
          return (
            <button
              type="button"
              key={id}
              class={`legend-item ${on ? "" : "off"}`}
              aria-pressed={selectedConnectors.includes(id)}
              title={selectedConnectors.includes(id)
                ? `Stop filtering on ${m?.displayName ?? id}`
                : `Show ${m?.displayName ?? id}`}
              onClick={() => {
                const cur = selectedConnectors;
                setFilters({ connector: cur.includes(id) ? cur.filter((x) => x !== id) : [...cur, id] });
              }}
            >
              <span class={`swatch source-color ${id}`} />
              {m?.displayName ?? id} <b>{tl.totals[id]}</b>
            </button>
          );
        })}
        {gaps.length > 0 && (
          <span
            class="legend-key gaps-key"
            title="Hatched: PainChain was not watching a connection then. Its changes from that time are unknown, not absent."
          >
            <span class="swatch hatch" aria-hidden="true" />
            Not watching <b>{gaps.length}</b>
          </span>
        )}
        {gaps.length === 0 && gapsKnown && anyConnection.value && (
          <span class="legend-key muted" title="Every connection was polled on time throughout this range">
            <span class="swatch watched" aria-hidden="true" />
            Watched throughout
          </span>
        )}
        {chain.length > 0 && (
          <span class="legend-key" title="The changes linked to the open change (its chain)">
            <span class="swatch chain" aria-hidden="true" />
            Chain <b>{chain.length}</b>
          </span>
        )}
        {moment !== null && inChart(moment) && (
          <span class="legend-key">
            <span class="swatch moment" aria-hidden="true" />
            Incident
          </span>
        )}
        <span class="muted right small">
          {plural(tl.total, "change")} ·{" "}
          {tl.binSeconds >= 3600 ? `${tl.binSeconds / 3600} h` : `${tl.binSeconds / 60} min`} bins
        </span>
        <button
          type="button"
          class="small-toggle"
          aria-pressed={density.value}
          onClick={() => (density.value = !density.value)}
        >
          {density.value ? "Bars" : "Density"}
        </button>
      </div>
      <div
        ref={plot}
        class="plot"
        onMouseDown={(e) => {
          if (e.button !== 0) return;
          const p = pointer(e.clientX);
          if (onZoom) setDrag({ a: p.i, b: p.i });
        }}
        onMouseMove={(e) => {
          const p = pointer(e.clientX);
          setHover(p);
          const s = Date.parse(tl.bins[p.i]!.start);
          hoverRange.value = [s, s + binMs];
          if (drag) setDrag({ ...drag, b: p.i });
        }}
        onMouseLeave={() => {
          setHover(null);
          setDrag(null);
          hoverRange.value = null;
        }}
        onMouseUp={(e) => {
          if (onPick && e.button === 0) onPick(pointer(e.clientX).t);
          if (drag) zoom(drag.a, drag.b);
          setDrag(null);
        }}
      >
        <svg
          class="bars"
          viewBox={`0 0 ${n} ${H}`}
          preserveAspectRatio="none"
          role="img"
          aria-label={`Changes over time: ${tl.total} from ${absolute(tl.from)} to ${absolute(tl.to)}${
            gaps.length
              ? `; PainChain was not watching during ${plural(gaps.length, "stretch", "stretches")}`
              : ""
          }`}
        >
          {density.value
            ? ids.map((id, row) => {
              const color = metaById.value.get(id)?.color ?? "#888";
              const m = Math.max(1, ...tl.bins.map((b) => b.counts[id] ?? 0));
              return tl.bins.map((b, i) => {
                const c = b.counts[id] ?? 0;
                return c
                  ? (
                    <rect
                      key={`${id}-${i}`}
                      x={i}
                      y={row * rowH + 1}
                      width={1}
                      height={rowH - 2}
                      fill={color}
                      opacity={heat(c, m)}
                    />
                  )
                  : null;
              });
            })
            : tl.bins.map((b, i) => {
              let y = H;
              return ids.map((id) => {
                const count = b.counts[id] ?? 0;
                if (!count) return null;
                const h = Math.max(1.5, (count / max) * (H - 4));
                y -= h;
                return (
                  <rect
                    key={`${i}-${id}`}
                    x={i + 0.1}
                    y={y}
                    width={0.8}
                    height={h}
                    fill={metaById.value.get(id)?.color ?? "#888"}
                  />
                );
              });
            })}
          {drag && (
            <rect
              class="selection"
              x={Math.min(drag.a, drag.b)}
              y={0}
              width={Math.abs(drag.b - drag.a) + 1}
              height={H}
            />
          )}
          {hover !== null && !onPick && <rect class="hover-bin" x={hover.i} y={0} width={1} height={H} />}
        </svg>
        {moment !== null && inChart(moment) && (
          <>
            <div class="after-shade" style={{ left: `${scale.pct(moment)}%` }} aria-hidden="true" />
            <div class="moment-line" style={{ left: `${scale.pct(moment)}%` }} aria-hidden="true">
              <span class={`moment-label ${scale.pct(moment) > 70 ? "flip" : ""}`}>
                Incident {clock(moment)}
              </span>
            </div>
          </>
        )}
        {gaps.map((g, i) => {
          const box = gapBox(g, scale);
          if (!box) return null;
          const text = gapText(g);
          return (
            <button
              type="button"
              key={`${g.connector}.${g.connectionId}.${g.from}.${i}`}
              class={`gap-band gap-${g.reason}`}
              style={{ left: `${box.left}%`, width: `${box.width}%` }}
              aria-label={text}
              title={text}
              onFocus={() => setGapTip(text)}
              onBlur={() => setGapTip(null)}
              onMouseEnter={() => setGapTip(text)}
              onMouseLeave={() => setGapTip(null)}
            />
          );
        })}
        {marks.filter((m) => inChart(m.t)).map((m) => (
          <span
            key={`${m.kind}-${m.id}`}
            class={`mark mark-${m.kind}`}
            style={{ left: `${scale.pct(m.t)}%` }}
            title={m.label}
            aria-hidden="true"
          />
        ))}
        {line !== null && inChart(line) && (
          <div class="hover-line" style={{ left: `${scale.pct(line)}%` }} aria-hidden="true" />
        )}
        {onPick && hover && (
          <div class="pick-line" style={{ left: `${scale.pct(hover.t)}%` }} aria-hidden="true" />
        )}
      </div>
      <div class="axis">
        <span>{absolute(tl.from)}</span>
        <span class="axis-status">{status}</span>
        <span>{absolute(tl.to)}</span>
      </div>
    </div>
  );
}

/** The timeline's chart: the filters' range, coverage gaps of the connectors shown, and the open change's chain. */
export function TimelineChart() {
  const tl = timeline.value;
  if (!tl) {
    return loadError.value
      ? <div class="chart chart-empty">No timeline for this view.</div>
      : <div class="chart chart-empty" aria-busy="true">Loading timeline…</div>;
  }
  const only = filters.value.connector;
  const gaps = coverage.value.filter((g) => only.length === 0 || only.includes(g.connector));
  return (
    <Chart
      tl={tl}
      gaps={gaps}
      gapsKnown={coverageKnown.value}
      legendFilters
      marks={chainMarks.value}
      onZoom={(from, to) => setFilters({ range: "", from, to })}
      idle={gaps.length
        ? "Hatched: PainChain was not watching (no data there, not no changes) · drag to zoom"
        : "Drag to zoom · click a bar to open its bin"}
    />
  );
}
