/**
 * Synthetic results for the report tests: a crawl of `n` URLs over a few
 * hosts, with redirects, errors, skips and a spread of timings.
 *
 * @module
 */
import type { CrawlResult } from "../../src/crawler/result.ts";

/** The `i`th synthetic result of a crawl that started at `t0`. */
export function sampleResult(i: number, t0 = 1_700_000_000_000): CrawlResult {
  const host = `site${i % 7}.test`;
  const url = `https://${host}/page/${i}`;
  const r: CrawlResult = {
    url,
    finalUrl: i % 50 === 0 ? `${url}/` : url,
    status: i % 97 === 0 ? 404 : i % 211 === 0 ? 503 : 200,
    depth: i % 9,
    links: 10,
    bytes: 1_000 + (i * 37) % 90_000,
    attempts: 1,
    timings: {
      start: t0 + i * 3,
      ttfb: (i * 13) % 400,
      total: (i * 13) % 400 + (i % 11) * 7,
    },
    trace: { traceId: "t", spanId: "s" },
  };
  if (i % 301 === 0) {
    r.status = 0;
    r.error = { name: "FetchError", message: `connection refused (${url})` };
  }
  if (i % 401 === 0) {
    r.status = 0;
    r.skipped = "robots";
  }
  return r;
}
