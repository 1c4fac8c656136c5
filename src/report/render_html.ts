/**
 * A {@linkcode CrawlReport} as one self-contained HTML page: CSS inline,
 * charts as inline SVG, a few lines of inline script that sort the tables,
 * and a Content-Security-Policy that forbids every request, so opening it
 * never touches the network.
 *
 * @module
 */
import type { Capped, CrawlReport, HostRow } from "./crawl_report.ts";
import { REPORT_LIMITS, TIME_BOUNDS } from "./crawl_report.ts";
import { areaChart, barChart, escapeHtml as h } from "./svg_charts.ts";

/** What the page says about itself. */
export interface ReportMeta {
  /** The heading (`trawl crawl` or `trawl check`). */
  title: string;
  /** The seeds. */
  seeds: readonly string[];
  /** When the report was written (epoch ms). */
  generatedAt: number;
  /** The run was stopped early (Ctrl-C, SIGTERM). */
  interrupted?: boolean;
}

const STYLE = `
:root{--fg:#1d2330;--muted:#5c6778;--line:#d9dee7;--bar:#3b73d9;--bad:#c0392b;--ok:#1e8449;--bg:#fff;--card:#f5f7fa}
*{box-sizing:border-box}body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:var(--fg);background:var(--bg)}
header{padding:20px 28px;border-bottom:1px solid var(--line)}h1{margin:0 0 4px;font-size:22px}h2{font-size:16px;margin:0 0 10px}
main{padding:20px 28px;display:grid;gap:22px;grid-template-columns:repeat(auto-fit,minmax(420px,1fr))}
section{border:1px solid var(--line);border-radius:8px;padding:14px 16px;min-width:0}section.wide{grid-column:1/-1}
.cards{display:flex;flex-wrap:wrap;gap:10px}.card{background:var(--card);border-radius:6px;padding:8px 14px;min-width:110px}
.card b{display:block;font-size:20px}.card span{color:var(--muted);font-size:12px}.bad b{color:var(--bad)}
.muted{color:var(--muted)}table{border-collapse:collapse;width:100%;font-size:13px}th,td{text-align:left;padding:4px 8px;border-bottom:1px solid var(--line);vertical-align:top}
th{cursor:pointer;user-select:none;white-space:nowrap}td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
td.u{word-break:break-all}.chart{width:100%;height:auto}.chart rect{fill:var(--bar)}.chart path{fill:var(--bar);fill-opacity:.35;stroke:var(--bar)}
.chart text{font-size:11px;fill:var(--muted)}.chart .grid{stroke:var(--line)}details summary{cursor:pointer}.cap{color:var(--muted);font-style:italic}
`;

const SCRIPT = `
for (const table of document.querySelectorAll("table.sortable")) {
  table.querySelectorAll("th").forEach((th, col) => {
    th.addEventListener("click", () => {
      const body = table.tBodies[0];
      const desc = th.dataset.dir !== "desc";
      th.dataset.dir = desc ? "desc" : "asc";
      const key = (tr) => {
        const cell = tr.cells[col];
        const n = Number(cell.dataset.v ?? NaN);
        return Number.isNaN(n) ? cell.textContent : n;
      };
      const rows = [...body.rows].sort((a, b) => {
        const x = key(a), y = key(b);
        const c = typeof x === "number" && typeof y === "number" ? x - y : String(x).localeCompare(String(y));
        return desc ? -c : c;
      });
      body.append(...rows);
    });
  });
}
document.documentElement.dataset.ready = "true";
`;

/** Bytes for people: `1.5 MB`. */
function bytes(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)} GB`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)} MB`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)} kB`;
  return `${n} B`;
}

function card(label: string, value: string, bad = false): string {
  return `<div class="card${bad ? " bad" : ""}"><b>${h(value)}</b><span>${
    h(label)
  }</span></div>`;
}

/** A table; `numeric` columns align right and sort by `data-v`. */
function table(
  head: readonly string[],
  rows: readonly (readonly (string | number)[])[],
  numeric: ReadonlySet<number> = new Set(),
): string {
  if (rows.length === 0) return `<p class="muted">none</p>`;
  const th = head.map((t, i) =>
    `<th${numeric.has(i) ? ' class="n"' : ""}>${h(t)}</th>`
  ).join("");
  const body = rows.map((row) =>
    `<tr>${
      row.map((cell, i) =>
        typeof cell === "number"
          ? `<td class="n" data-v="${cell}">${cell.toLocaleString("en")}</td>`
          : numeric.has(i)
          ? `<td class="n">${h(cell)}</td>`
          : `<td class="u">${h(cell)}</td>`
      ).join("")
    }</tr>`
  ).join("");
  return `<table class="sortable"><thead><tr>${th}</tr></thead><tbody>${body}</tbody></table>`;
}

function capNote(list: Capped<unknown>, what: string): string {
  return list.total > list.items.length
    ? `<p class="cap">Showing the first ${list.items.length} of ${
      list.total.toLocaleString("en")
    } ${what} (the report keeps at most ${list.items.length}).</p>`
    : "";
}

function counts(record: Record<string, number>): [string, number][] {
  return Object.entries(record).sort((a, b) => b[1] - a[1]);
}

function totals(r: CrawlReport, meta: ReportMeta): string {
  const seconds = r.startedAt !== undefined && r.endedAt !== undefined
    ? Math.max(0.001, (r.endedAt - r.startedAt) / 1000)
    : 0;
  const skipped = Object.values(r.skipped).reduce((a, b) => a + b, 0);
  const failed = (r.statusClasses["4xx"] ?? 0) + (r.statusClasses["5xx"] ?? 0);
  return `<section class="wide"><h2>Totals</h2><div class="cards">${
    [
      card("results", r.results.toLocaleString("en")),
      card("responses", r.responses.toLocaleString("en")),
      card("4xx/5xx", failed.toLocaleString("en"), failed > 0),
      card("errors", r.errors.toLocaleString("en"), r.errors > 0),
      card("skipped", skipped.toLocaleString("en")),
      card("bytes", bytes(r.bytes)),
      card("duration", `${seconds.toFixed(1)} s`),
      card("pages/s", seconds ? (r.results / seconds).toFixed(1) : "0"),
      ...(r.broken.total > 0 || meta.title.includes("check")
        ? [card("broken links", String(r.broken.total), r.broken.total > 0)]
        : []),
    ].join("")
  }</div></section>`;
}

function hostTable(rows: readonly HostRow[]): string {
  return table(
    ["host", "pages", "errors", "mean ms", "p95 ms", "bytes", "throttled"],
    rows.map((row) => [
      row.host,
      row.pages,
      row.errors,
      +row.latency.mean.toFixed(1),
      +row.latency.quantile(0.95).toFixed(1),
      row.bytes,
      row.throttled,
    ]),
    new Set([1, 2, 3, 4, 5, 6]),
  );
}

function timeLabels(): string[] {
  const labels = TIME_BOUNDS.map((b) => `≤${b >= 1000 ? `${b / 1000}s` : b}`);
  return [...labels, `>${TIME_BOUNDS[TIME_BOUNDS.length - 1] / 1000}s`];
}

function brokenSection(r: CrawlReport): string {
  const rows = r.broken.items.map((b) => {
    const refs = b.referrers.map((ref) =>
      `<li>${h(ref.page)}${
        ref.text ? ` <span class="muted">“${h(ref.text)}”</span>` : ""
      }</li>`
    ).join("");
    const more = b.more > 0 ? `<li class="cap">and ${b.more} more</li>` : "";
    const why = b.error ? `${b.error.name}: ${b.error.message}` : "";
    return `<tr><td class="u">${
      h(b.url)
    }</td><td class="n" data-v="${b.status}">${b.status}</td><td>${
      h(why)
    }</td><td><details><summary>${
      b.referrers.length + b.more
    } page(s)</summary><ul>${refs}${more}</ul></details></td></tr>`;
  }).join("");
  const body = rows
    ? `<table class="sortable"><thead><tr><th>url</th><th class="n">status</th><th>error</th><th>referrers</th></tr></thead><tbody>${rows}</tbody></table>`
    : `<p class="muted">none</p>`;
  return `<section class="wide"><h2>Broken links</h2>${body}${
    capNote(r.broken, "broken links")
  }${
    r.broken.items.some((b) => b.more > 0)
      ? `<p class="cap">Each link lists at most ${REPORT_LIMITS.referrers} referrers.</p>`
      : ""
  }</section>`;
}

/**
 * Renders the report as one HTML page.
 *
 * @example
 * ```ts
 * import { CrawlReport } from "./crawl_report.ts";
 * import { renderReport } from "./render_html.ts";
 * import assert from "node:assert/strict";
 *
 * const html = renderReport(new CrawlReport(), {
 *   title: "trawl crawl",
 *   seeds: ["https://a.test/"],
 *   generatedAt: 0,
 * });
 * assert.ok(html.startsWith("<!doctype html>"));
 * assert.ok(!/src=|href="http/.test(html));
 * ```
 *
 * @param r The report's aggregates.
 * @param meta The heading, seeds and time.
 * @returns The page.
 */
export function renderReport(r: CrawlReport, meta: ReportMeta): string {
  const statuses = ["1xx", "2xx", "3xx", "4xx", "5xx", "none"];
  const slow = r.slowest.items().map(([url, t]) => [url, +t.toFixed(1)]);
  const large = r.largest.items().map(([url, b]) => [url, b]);
  const hostsNote = r.hosts.length > REPORT_LIMITS.hosts
    ? `<p class="cap">Hosts past the first ${REPORT_LIMITS.hosts} share the last row.</p>`
    : "";
  const sections = [
    totals(r, meta),
    `<section><h2>Status classes</h2>${
      barChart(
        statuses,
        statuses.map((s) => r.statusClasses[s] ?? 0),
        "Results by status class",
      )
    }</section>`,
    `<section><h2>Pages per second</h2>${
      areaChart(
        r.rate.map((n) => n / r.rateWidthS),
        r.rateWidthS,
        "Pages per second over time",
      )
    }<p class="muted">Each point is ${r.rateWidthS} s.</p></section>`,
    `<section><h2>Time to first byte</h2>${
      barChart(timeLabels(), r.ttfb.counts, "Time to first byte, ms")
    }</section>`,
    `<section><h2>Total time</h2>${
      barChart(timeLabels(), r.total.counts, "Total time, ms")
    }</section>`,
    `<section><h2>Depth</h2>${
      barChart(
        r.depths.map((_, i) =>
          i === REPORT_LIMITS.depths - 1 ? `${i}+` : String(i)
        ),
        r.depths,
        "Results by depth",
      )
    }</section>`,
    `<section><h2>Errors by kind</h2>${
      table(["kind", "results"], counts(r.errorKinds), new Set([1]))
    }</section>`,
    `<section><h2>Skipped by reason</h2>${
      table(["reason", "results"], counts(r.skipped), new Set([1]))
    }</section>`,
    `<section class="wide"><h2>Hosts</h2>${
      hostTable(r.hosts)
    }${hostsNote}</section>`,
    `<section><h2>Slowest pages</h2>${
      table(["url", "total ms"], slow, new Set([1]))
    }</section>`,
    `<section><h2>Largest pages</h2>${
      table(["url", "bytes"], large, new Set([1]))
    }</section>`,
    brokenSection(r),
    `<section class="wide"><h2>Redirects</h2>${
      table(["from", "to"], r.redirects.items)
    }${capNote(r.redirects, "redirects")}</section>`,
  ];
  const when = new Date(meta.generatedAt).toISOString();
  const seeds = meta.seeds.slice(0, 10).map(h).join(", ") +
    (meta.seeds.length > 10 ? ` and ${meta.seeds.length - 10} more` : "");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${h(meta.title)} report</title><style>${STYLE}</style></head>
<body><header><h1>${h(meta.title)} report${
    meta.interrupted ? " (interrupted)" : ""
  }</h1>
<p class="muted">${seeds} · written ${
    h(when)
  } · times are per request, in ms</p></header>
<main>${sections.join("\n")}</main><script>${SCRIPT}</script></body></html>
`;
}
