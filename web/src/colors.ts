/**
 * Connector colours as CSS: one stylesheet of `.source-badge.<connector id>` classes built from metadata, with the
 * text colour adjusted per theme until it reads (WCAG AA, 4.5:1) on every background a badge sits on.
 */

type Rgb = [number, number, number];

const HEX = /^#([0-9a-f]{6})$/i;
/** Connector ids as the API accepts them; anything else never reaches a selector. */
const CONNECTOR_ID = /^[a-z][a-z0-9_]{0,31}$/;

export function parseHex(hex: string): Rgb | null {
  const m = HEX.exec(hex.trim());
  if (!m) return null;
  const n = parseInt(m[1]!, 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

export function toHex([r, g, b]: Rgb): string {
  return `#${[r, g, b].map((c) => Math.round(c).toString(16).padStart(2, "0")).join("")}`;
}

/** Relative luminance (WCAG 2). */
export function luminance([r, g, b]: Rgb): number {
  const lin = (c: number) => {
    const s = c / 255;
    return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
}

export function contrast(a: Rgb, b: Rgb): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

const mix = (a: Rgb, b: Rgb, t: number): Rgb => [0, 1, 2].map((i) => a[i]! + (b[i]! - a[i]!) * t) as Rgb;

/**
 * The colour itself when it reads on all `backgrounds`, else the least change towards white (dark backgrounds)
 * or black (light ones) that does.
 */
export function readableOn(color: string, backgrounds: string[], min = 4.5): string {
  const c = parseHex(color);
  const bgs = backgrounds.map(parseHex).filter((x): x is Rgb => x !== null);
  if (!c || bgs.length === 0) return color;
  const worst = (x: Rgb) => Math.min(...bgs.map((bg) => contrast(x, bg)));
  if (worst(c) >= min) return toHex(c);
  const dark = bgs.reduce((s, bg) => s + luminance(bg), 0) / bgs.length < 0.5;
  const target: Rgb = dark ? [255, 255, 255] : [0, 0, 0];
  for (let t = 0.05; t <= 1.0001; t += 0.05) {
    const x = mix(c, target, t);
    if (worst(x) >= min) return toHex(x);
  }
  return toHex(target);
}

/** Backgrounds a badge sits on, per theme (styles/base.css: --panel, --hover, --active, --panel2). */
export const THEME_BACKGROUNDS = {
  dark: ["#252526", "#2a2a2c", "#2a2538", "#2d2d30"],
  light: ["#ffffff", "#f0eef8", "#ebe4fb", "#f0f0f3"],
} as const;

/**
 * The stylesheet of connector colour classes: `--source` (the colour; styles/list.css draws borders and swatches with
 * it) on `.source-badge.<id>` and `.source-color.<id>`, and a badge's text colour per theme.
 */
export function connectorCss(connectors: { id: string; color: string }[]): string {
  const rules: string[] = [];
  for (const { id, color } of connectors) {
    if (!CONNECTOR_ID.test(id) || !parseHex(color)) continue;
    const base = toHex(parseHex(color)!);
    rules.push(`.source-badge.${id},.source-color.${id}{--source:${base}}`);
    for (const [theme, bgs] of Object.entries(THEME_BACKGROUNDS)) {
      rules.push(`[data-theme="${theme}"] .source-badge.${id}{color:${readableOn(base, [...bgs])}}`);
    }
  }
  return rules.join("\n");
}
