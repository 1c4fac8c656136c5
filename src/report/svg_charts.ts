/**
 * Charts as inline SVG text: a bar chart and an area chart, sized by
 * `viewBox` so they scale with the page. No script, no fonts, no network.
 *
 * @module
 */

/**
 * Escapes text for HTML and SVG (element content and quoted attributes).
 *
 * @example
 * ```ts
 * import { escapeHtml } from "./svg_charts.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(escapeHtml(`<a href="x">&</a>`), "&lt;a href=&quot;x&quot;&gt;&amp;&lt;/a&gt;");
 * ```
 *
 * @param text Any text.
 * @returns The text, safe between tags and in quoted attributes.
 */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c]);
}

const ENTITIES: Readonly<Record<string, string>> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

const W = 600;
const H = 200;
const PAD = { left: 44, right: 8, top: 18, bottom: 40 };

/** A number in few characters: 1234 → `1.2k`. */
function short(n: number): string {
  if (n >= 1e6) return `${+(n / 1e6).toFixed(1)}M`;
  if (n >= 1e3) return `${+(n / 1e3).toFixed(1)}k`;
  return `${+n.toFixed(1)}`;
}

/** The y axis: four grid lines with their values. */
function axis(max: number): string {
  let out = "";
  for (let i = 0; i <= 4; i++) {
    const y = PAD.top + (H - PAD.top - PAD.bottom) * (1 - i / 4);
    out +=
      `<line x1="${PAD.left}" x2="${
        W - PAD.right
      }" y1="${y}" y2="${y}" class="grid"/>` +
      `<text x="${PAD.left - 4}" y="${y + 4}" text-anchor="end">${
        short(max * i / 4)
      }</text>`;
  }
  return out;
}

/**
 * A bar chart: one bar per label, its value above it.
 *
 * @example
 * ```ts
 * import { barChart } from "./svg_charts.ts";
 * import assert from "node:assert/strict";
 *
 * const svg = barChart(["2xx", "4xx"], [90, 10], "Status classes");
 * assert.ok(svg.startsWith("<svg"));
 * assert.equal(svg.match(/<rect /g)?.length, 2);
 * ```
 *
 * @param labels The bars' labels.
 * @param values The bars' values.
 * @param title The chart's accessible name.
 * @returns The SVG element, as text.
 */
export function barChart(
  labels: readonly string[],
  values: readonly number[],
  title: string,
): string {
  const max = Math.max(1, ...values);
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const slot = plotW / Math.max(1, values.length);
  const bars = values.map((v, i) => {
    const h = plotH * v / max;
    const x = PAD.left + i * slot + slot * 0.1;
    const y = PAD.top + plotH - h;
    const cx = x + slot * 0.4;
    return `<rect x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${
      (slot * 0.8).toFixed(1)
    }" height="${h.toFixed(1)}"><title>${
      escapeHtml(labels[i])
    }: ${v}</title></rect>` +
      (v > 0
        ? `<text x="${cx.toFixed(1)}" y="${
          (y - 3).toFixed(1)
        }" text-anchor="middle">${short(v)}</text>`
        : "") +
      `<text x="${cx.toFixed(1)}" y="${
        H - PAD.bottom + 14
      }" text-anchor="middle">${escapeHtml(labels[i])}</text>`;
  }).join("");
  return `<svg viewBox="0 0 ${W} ${H}" role="img" aria-label="${
    escapeHtml(title)
  }" class="chart">${axis(max)}${bars}</svg>`;
}

/**
 * An area chart of a series of equally spaced values.
 *
 * @example
 * ```ts
 * import { areaChart } from "./svg_charts.ts";
 * import assert from "node:assert/strict";
 *
 * assert.ok(areaChart([1, 4, 2], 1, "Pages per second").includes("<path"));
 * ```
 *
 * @param values The series.
 * @param stepS Seconds between two values (for the x axis).
 * @param title The chart's accessible name.
 * @returns The SVG element, as text.
 */
export function areaChart(
  values: readonly number[],
  stepS: number,
  title: string,
): string {
  const max = Math.max(1, ...values);
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const n = Math.max(2, values.length);
  const x = (i: number) => PAD.left + plotW * i / (n - 1);
  const y = (v: number) => PAD.top + plotH * (1 - v / max);
  const points = values.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`);
  const base = (PAD.top + plotH).toFixed(1);
  const path = points.length === 0
    ? ""
    : `<path d="M${x(0).toFixed(1)},${base} L${points.join(" L")} L${
      x(values.length - 1).toFixed(1)
    },${base} Z"/>`;
  const end = (values.length * stepS).toFixed(0);
  const ticks = `<text x="${PAD.left}" y="${H - PAD.bottom + 14}">0 s</text>` +
    `<text x="${W - PAD.right}" y="${
      H - PAD.bottom + 14
    }" text-anchor="end">${end} s</text>`;
  return `<svg viewBox="0 0 ${W} ${H}" role="img" aria-label="${
    escapeHtml(title)
  }" class="chart area">${axis(max)}${path}${ticks}</svg>`;
}
