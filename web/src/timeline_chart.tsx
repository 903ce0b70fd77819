/**
 * Counts per connector in server-side bins, in connector colours. Drag to select a range (zooms), click a bin to
 * zoom into it, a legend with counts that toggles connectors, a hover line kept in sync with the list, and a
 * density view (one heat strip per connector) for when changes pile up.
 */
import { useRef, useState } from "preact/hooks";
import { absolute } from "./format.ts";
import {
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

export function TimelineChart() {
  const tl = timeline.value;
  const svg = useRef<SVGSVGElement>(null);
  const [drag, setDrag] = useState<{ a: number; b: number } | null>(null);
  const [hover, setHover] = useState<number | null>(null);
  if (!tl) {
    return loadError.value
      ? <div class="chart chart-empty">No timeline for this view.</div>
      : <div class="chart chart-empty" aria-busy="true">Loading timeline…</div>;
  }
  const n = tl.bins.length;
  const totals = tl.bins.map((b) => Object.values(b.counts).reduce((s, x) => s + x, 0));
  const max = Math.max(1, ...totals);
  const selectedConnectors = filters.value.connector;
  const ids = Object.keys(tl.totals).sort();
  const from = Date.parse(tl.from);
  const binMs = tl.binSeconds * 1000;
  const start = Math.floor(from / binMs) * binMs;
  const xOf = (t: number) => (t - start) / binMs;
  const indexAt = (clientX: number) => {
    const r = svg.current!.getBoundingClientRect();
    return Math.max(0, Math.min(n - 1, Math.floor(((clientX - r.left) / r.width) * n)));
  };
  const zoom = (a: number, b: number) => {
    const lo = Math.min(a, b);
    const hi = Math.max(a, b);
    setFilters({
      range: "",
      from: tl.bins[lo]!.start,
      to: new Date(Date.parse(tl.bins[hi]!.start) + binMs).toISOString(),
    });
  };
  const hovered = hover !== null ? tl.bins[hover] : null;
  const line = hoverTime.value !== null ? xOf(hoverTime.value) : null;
  const rowH = ids.length ? H / ids.length : H;
  // Density: log scale so a burst does not flatten everything else.
  const heat = (c: number, m: number) => (c === 0 ? 0 : 0.15 + 0.85 * Math.log1p(c) / Math.log1p(m));
  return (
    <div class="chart">
      <div class="legend" role="group" aria-label="Connectors">
        {ids.length === 0 && <span class="muted">No changes in this range</span>}
        {ids.map((id) => {
          const m = metaById.value.get(id);
          const on = selectedConnectors.length === 0 || selectedConnectors.includes(id);
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
        <span class="muted right small">
          {tl.total} {tl.total === 1 ? "change" : "changes"} ·{" "}
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
      <svg
        ref={svg}
        class="bars"
        viewBox={`0 0 ${n} ${H}`}
        preserveAspectRatio="none"
        role="img"
        aria-label={`Changes over time: ${tl.total} from ${absolute(tl.from)} to ${absolute(tl.to)}`}
        onMouseDown={(e) => {
          const i = indexAt(e.clientX);
          setDrag({ a: i, b: i });
        }}
        onMouseMove={(e) => {
          const i = indexAt(e.clientX);
          setHover(i);
          const s = Date.parse(tl.bins[i]!.start);
          hoverRange.value = [s, s + binMs];
          if (drag) setDrag({ ...drag, b: i });
        }}
        onMouseLeave={() => {
          setHover(null);
          hoverRange.value = null;
        }}
        onMouseUp={() => {
          if (drag) zoom(drag.a, drag.b);
          setDrag(null);
        }}
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
        {hover !== null && <rect class="hover-bin" x={hover} y={0} width={1} height={H} />}
        {line !== null && line >= 0 && line <= n && (
          <rect class="hover-line" x={line - 0.06} y={0} width={0.12} height={H} />
        )}
      </svg>
      <div class="axis">
        <span>{absolute(tl.from)}</span>
        <span>
          {hovered
            ? `${absolute(hovered.start)}: ${
              Object.entries(hovered.counts).map(([k, v]) =>
                `${metaById.value.get(k)?.displayName ?? k} ${v}`
              ).join(", ") || "no changes"
            } — click to zoom`
            : "Drag to zoom · click a bar to open its bin"}
        </span>
        <span>{absolute(tl.to)}</span>
      </div>
    </div>
  );
}
