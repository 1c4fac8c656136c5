/**
 * Counting a yielded result into the crawl's stats.
 *
 * @module
 */
import type { CrawlResult } from "./result.ts";
import type { CrawlStats } from "./stats.ts";

/**
 * Adds one yielded result to `stats`: done, bytes, its status class, its
 * error or its skip reason, and for a sitemap what it listed.
 *
 * @example
 * ```ts
 * import { countResult } from "./count_result.ts";
 * import { emptyStats } from "./stats.ts";
 * import { baseResult } from "./base_result.ts";
 * import assert from "node:assert/strict";
 *
 * const stats = emptyStats();
 * const page = baseResult({ url: "https://a.test/", depth: 0 }, { traceId: "t", spanId: "s" });
 * page.status = 404;
 * countResult(stats, page);
 * assert.deepEqual(stats.byStatusClass, { "4xx": 1 });
 * ```
 *
 * @param stats The crawl's counters.
 * @param result The result being yielded.
 */
export function countResult(stats: CrawlStats, result: CrawlResult): void {
  stats.done++;
  stats.bytes += result.bytes;
  if (result.status > 0) {
    const cls = `${Math.floor(result.status / 100)}xx`;
    stats.byStatusClass[cls] = (stats.byStatusClass[cls] ?? 0) + 1;
  }
  if (result.error) stats.errors++;
  if (result.skipped) {
    stats.skipped[result.skipped] = (stats.skipped[result.skipped] ?? 0) + 1;
  }
  if (result.sitemap) {
    if (result.status > 0) stats.sitemapsFetched++;
    stats.sitemapEntries += result.sitemap.pages + result.sitemap.sitemaps;
  }
}
