// The report's sink: aggregates that stay bounded, lists that say they are
// capped, and a page that stays small for a 1,000,000-URL crawl.
import assert from "node:assert/strict";
import { CrawlReport, REPORT_LIMITS } from "../../src/report/crawl_report.ts";
import { QuantileSketch } from "../../src/report/histogram.ts";
import { renderReport } from "../../src/report/render_html.ts";
import { sampleResult } from "./_sample.ts";

Deno.test("CrawlReport.add() counts status classes, errors by kind, skips, depths and hosts", () => {
  const report = new CrawlReport();
  for (let i = 1; i <= 1_000; i++) report.add(sampleResult(i));
  assert.equal(report.results, 1_000);
  assert.equal(report.statusClasses["4xx"], 10); // multiples of 97
  assert.equal(report.errors, 3); // multiples of 301
  assert.deepEqual(report.errorKinds, { "FetchError: connection refused": 3 });
  assert.equal(report.skipped.robots, 2);
  assert.equal(report.depths.reduce((a, b) => a + b, 0), 1_000);
  assert.equal(report.hosts.length, 7);
  assert.equal(report.redirects.total, 20);
  const slowest = report.slowest.items();
  assert.equal(slowest.length, REPORT_LIMITS.top);
  assert.ok(slowest[0][1] >= slowest[1][1]);
});

Deno.test("CrawlReport keeps a 1,000,000-URL crawl in bounded lists and renders it small", () => {
  const report = new CrawlReport();
  const started = performance.now();
  for (let i = 1; i <= 1_000_000; i++) report.add(sampleResult(i));
  for (let i = 0; i < 5_000; i++) {
    report.addBroken({
      url: `https://site0.test/gone/${i}`,
      status: 404,
      referrers: Array.from({ length: 30 }, (_, j) => ({
        page: `https://site0.test/p${j}`,
      })),
    });
  }
  const html = renderReport(report, {
    title: "trawl check",
    seeds: ["https://site0.test/"],
    generatedAt: 0,
  });
  const elapsed = performance.now() - started;
  assert.ok(elapsed < 20_000, `${elapsed} ms`);
  assert.ok(report.rate.length <= REPORT_LIMITS.points);
  assert.equal(report.broken.items.length, REPORT_LIMITS.broken);
  assert.equal(report.redirects.items.length, REPORT_LIMITS.redirects);
  assert.ok(html.length < 2_000_000, `${html.length} bytes`);
  assert.match(html, /Showing the first 1000 of 5,000 broken links/);
  const redirects = report.redirects.total.toLocaleString("en");
  assert.ok(report.redirects.total > 19_000);
  assert.ok(
    html.includes(`Showing the first 200 of ${redirects} redirects`),
    redirects,
  );
  assert.match(html, /and 10 more/);
});

Deno.test("QuantileSketch.quantile() stays within 5% of the exact quantile", () => {
  const sketch = new QuantileSketch();
  const values: number[] = [];
  for (let i = 0; i < 10_000; i++) {
    const v = Math.exp(((i * 7919) % 10_000) / 1_000); // 1 .. 22,000
    values.push(v);
    sketch.add(v);
  }
  values.sort((a, b) => a - b);
  for (const q of [0.5, 0.9, 0.95, 0.99]) {
    const exact = values[Math.ceil(q * values.length) - 1];
    const got = sketch.quantile(q);
    assert.ok(
      Math.abs(got - exact) / exact <= 0.05,
      `q${q}: ${got} vs ${exact}`,
    );
  }
});

Deno.test("renderReport() escapes URLs and texts and requests nothing", () => {
  const report = new CrawlReport();
  const r = sampleResult(1);
  r.url = `https://a.test/<script>alert(1)</script>`;
  report.add(r);
  report.addBroken({
    url: `https://a.test/"><img src=x>`,
    status: 404,
    referrers: [{ page: "https://a.test/", text: "<b>x</b>" }],
  });
  const html = renderReport(report, {
    title: "trawl check",
    seeds: ["https://a.test/"],
    generatedAt: 0,
  });
  assert.ok(!html.includes("<script>alert"));
  assert.ok(!html.includes("<img"));
  assert.ok(!html.includes("<b>x</b>"));
  assert.ok(!/<[^>]*\s(src|href)=/.test(html), "no resource is loaded");
  assert.match(html, /Content-Security-Policy" content="default-src 'none'/);
});
