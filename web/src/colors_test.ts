import assert from "node:assert/strict";
import { connectorCss, contrast, parseHex, readableOn, THEME_BACKGROUNDS } from "./colors.ts";

Deno.test("contrast follows WCAG: black on white is 21, a colour on itself 1", () => {
  assert.equal(Math.round(contrast([0, 0, 0], [255, 255, 255])), 21);
  assert.equal(contrast([50, 100, 150], [50, 100, 150]), 1);
});

Deno.test("readableOn keeps a colour that reads and adjusts one that does not, per theme", () => {
  for (
    const color of ["#00E8A0", "#fc6d26", "#326ce5", "#9f7aea", "#F59E0B", "#ff4fa3", "#000000", "#ffffff"]
  ) {
    for (const bgs of Object.values(THEME_BACKGROUNDS)) {
      const out = readableOn(color, [...bgs]);
      for (const bg of bgs) {
        assert.ok(contrast(parseHex(out)!, parseHex(bg)!) >= 4.5, `${color} → ${out} on ${bg}`);
      }
    }
  }
  assert.equal(readableOn("#00E8A0", [...THEME_BACKGROUNDS.dark]), "#00e8a0", "already readable on dark");
});

Deno.test("connectorCss makes one rule set per connector and skips ids or colours that are not valid", () => {
  const css = connectorCss([
    { id: "forge", color: "#00E8A0" },
    { id: "evil}body{display:none", color: "#000000" },
    { id: "fine", color: "red;}" },
  ]);
  assert.match(css, /\.source-badge\.forge,\.source-color\.forge\{--source:#00e8a0\}/);
  assert.match(css, /\[data-theme="dark"\] \.source-badge\.forge\{color:#[0-9a-f]{6}\}/);
  assert.match(css, /\[data-theme="light"\] \.source-badge\.forge\{color:#[0-9a-f]{6}\}/);
  assert.doesNotMatch(css, /evil|fine|red/);
});
