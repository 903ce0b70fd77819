/** Stacked bars of per-connector counts from /api/timeline; drag to zoom, click a bar to zoom into it. */
import { useRef, useState } from "preact/hooks";
import { filters, metaById, setFilters, timeline } from "./state.ts";
import { absolute } from "./format.ts";

const H = 120;

export function TimelineChart() {
  const tl = timeline.value;
  const svg = useRef<SVGSVGElement>(null);
  const [drag, setDrag] = useState<{ a: number; b: number } | null>(null);
  const [hover, setHover] = useState<number | null>(null);
  if (!tl) return <div class="chart chart-empty">Loading timeline…</div>;
  const max = Math.max(1, ...tl.bins.map((b) => Object.values(b.counts).reduce((s, n) => s + n, 0)));
  const n = tl.bins.length;
  const hidden = new Set(filters.value.connector);
  const ids = Object.keys(tl.totals).sort();
  const indexAt = (clientX: number) => {
    const r = svg.current!.getBoundingClientRect();
    return Math.max(0, Math.min(n - 1, Math.floor(((clientX - r.left) / r.width) * n)));
  };
  const zoom = (a: number, b: number) => {
    const lo = Math.min(a, b);
    const hi = Math.max(a, b);
    const from = tl.bins[lo]!.start;
    const to = new Date(Date.parse(tl.bins[hi]!.start) + tl.binSeconds * 1000).toISOString();
    setFilters({ range: "", from, to });
  };
  const hovered = hover !== null ? tl.bins[hover] : null;
  return (
    <div class="chart">
      <div class="legend" role="group" aria-label="Connectors">
        {ids.length === 0 && <span class="muted">No changes in this range</span>}
        {ids.map((id) => {
          const m = metaById.value.get(id);
          const on = hidden.size === 0 || hidden.has(id);
          return (
            <button
              type="button"
              class={`legend-item ${on ? "" : "off"}`}
              aria-pressed={on}
              title={on ? `Show only ${m?.displayName ?? id}` : `Show ${m?.displayName ?? id}`}
              onClick={() => {
                const cur = filters.value.connector;
                setFilters({ connector: cur.includes(id) ? cur.filter((x) => x !== id) : [...cur, id] });
              }}
            >
              <span class="swatch" style={{ background: m?.color ?? "#888" }} />
              {m?.displayName ?? id} <b>{tl.totals[id]}</b>
            </button>
          );
        })}
        <span class="muted right">{tl.total} changes · bins of {Math.round(tl.binSeconds / 60)} min</span>
      </div>
      <svg
        ref={svg}
        class="bars"
        viewBox={`0 0 ${n} ${H}`}
        preserveAspectRatio="none"
        role="img"
        aria-label={`Changes over time: ${tl.total} in range`}
        onMouseDown={(e) => {
          const i = indexAt(e.clientX);
          setDrag({ a: i, b: i });
        }}
        onMouseMove={(e) => {
          const i = indexAt(e.clientX);
          setHover(i);
          if (drag) setDrag({ ...drag, b: i });
        }}
        onMouseLeave={() => setHover(null)}
        onMouseUp={() => {
          if (drag) zoom(drag.a, drag.b);
          setDrag(null);
        }}
      >
        {tl.bins.map((b, i) => {
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
        {hover !== null && <rect class="hover-line" x={hover + 0.45} y={0} width={0.1} height={H} />}
      </svg>
      <div class="axis">
        <span>{absolute(tl.from)}</span>
        <span>
          {hovered
            ? `${absolute(hovered.start)}: ${
              Object.values(hovered.counts).reduce((s, x) => s + x, 0)
            } changes`
            : "Drag to zoom"}
        </span>
        <span>{absolute(tl.to)}</span>
      </div>
    </div>
  );
}
