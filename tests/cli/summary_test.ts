import assert from "node:assert/strict";
import { formatBytes, formatDuration, Summary } from "../../src/cli/summary.ts";
import type { CrawlResult } from "../../src/crawler/result.ts";

const SEED = "https://example.com/";

function result(overrides: Partial<CrawlResult> = {}): CrawlResult {
  return {
    url: SEED,
    finalUrl: SEED,
    status: 200,
    depth: 0,
    links: 0,
    bytes: 0,
    attempts: 1,
    timings: { start: 0, ttfb: 1, total: 2 },
    trace: { traceId: "t", spanId: "s" },
    ...overrides,
  };
}

Deno.test("Summary.add() counts each result in exactly one bucket", () => {
  const summary = new Summary();
  summary.add(result({ bytes: 1000 }));
  summary.add(result({ status: 200, bytes: 24 }));
  summary.add(result({ status: 404 }));
  summary.add(result({ status: 301 }));
  summary.add(
    result({ status: 503, error: { name: "HttpError", message: "" } }),
  );
  summary.add(
    result({ status: 0, error: { name: "FetchError", message: "x" } }),
  );
  summary.add(
    result({ status: 0, error: { name: "FetchError", message: "y" } }),
  );
  summary.add(result({ status: 200, skipped: "content-type" }));
  summary.add(result({ status: 0, skipped: "robots" }));
  summary.add(result({ status: 0 }));
  assert.equal(summary.total, 10);
  assert.equal(summary.bytes, 1024);
  assert.deepEqual(summary.pages, {
    "2xx": 2,
    "4xx": 1,
    "3xx": 1,
    "no status": 1,
  });
  assert.deepEqual(summary.errors, { HttpError: 1, FetchError: 2 });
  assert.deepEqual(summary.skipped, { "content-type": 1, robots: 1 });
  const sum = (o: Record<string, number | undefined>) =>
    Object.values(o).reduce((a: number, b) => a + (b ?? 0), 0);
  assert.equal(
    sum(summary.pages) + sum(summary.errors) + sum(summary.skipped),
    summary.total,
  );
});

Deno.test("Summary.format() prints totals, breakdowns, bytes, duration and rate", () => {
  const summary = new Summary();
  for (let i = 0; i < 3; i++) summary.add(result({ bytes: 512 * 1024 }));
  summary.add(result({ status: 404 }));
  summary.add(
    result({ status: 0, error: { name: "FetchError", message: "" } }),
  );
  summary.add(result({ status: 0, skipped: "robots" }));
  summary.add(result({ status: 0, skipped: "robots" }));
  summary.add(result({ status: 0, skipped: "budget" }));
  const text = summary.format(2000);
  assert.equal(
    text,
    [
      "trawl: 8 results, done in 2.0 s (2.0 pages/s)",
      "  pages         4  2xx 3, 4xx 1",
      "  errors        1  FetchError 1",
      "  skipped       3  robots 2, budget 1",
      "  bytes    1.5 MiB",
      "",
    ].join("\n"),
  );
  assert.ok(!text.includes("\x1b"));
  const colored = summary.format(2000, { color: true, interrupted: true });
  assert.ok(colored.includes("\x1b["));
  assert.match(colored, /interrupted after 2\.0 s/);
});

Deno.test("Summary.format() prints an empty crawl", () => {
  assert.equal(
    new Summary().format(0),
    [
      "trawl: 0 results, done in 0 ms (0.0 pages/s)",
      "  pages         0",
      "  errors        0",
      "  skipped       0",
      "  bytes    0 B",
      "",
    ].join("\n"),
  );
});

Deno.test("formatBytes() uses human units", () => {
  assert.equal(formatBytes(0), "0 B");
  assert.equal(formatBytes(1023), "1023 B");
  assert.equal(formatBytes(1024), "1.0 KiB");
  assert.equal(formatBytes(10 * 1024 * 1024), "10.0 MiB");
  assert.equal(formatBytes(3 * 1024 ** 3), "3.0 GiB");
});

Deno.test("formatDuration() uses human units", () => {
  assert.equal(formatDuration(0), "0 ms");
  assert.equal(formatDuration(999.4), "999 ms");
  assert.equal(formatDuration(1000), "1.0 s");
  assert.equal(formatDuration(59_940), "59.9 s");
  assert.equal(formatDuration(60_000), "1 min 0 s");
  assert.equal(formatDuration(3_725_000), "1 h 2 min");
});
