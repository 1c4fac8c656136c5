/**
 * trawl: a concurrent, polite, hard-to-break web crawler for Deno.
 *
 * {@linkcode crawl} (or the {@linkcode Crawler} class) yields one
 * {@linkcode CrawlResult} per accepted URL, first done, first out. Per-host
 * concurrency and rate limits, robots.txt (RFC 9309), redirects checked hop
 * by hop, timeouts, byte caps, retries that honour `Retry-After` and a
 * per-host circuit breaker are on by default; HTML is parsed in a worker
 * pool. Breaking out of the loop or aborting the signal stops everything.
 *
 * @example Crawl a site
 * ```ts ignore
 * import { crawl } from "@trawl/trawl";
 *
 * for await (const r of crawl(["https://example.com/"], { maxPages: 500 })) {
 *   console.log(r.url, r.status, r.title);
 * }
 * ```
 *
 * @example Normalize a URL the way the crawler dedupes it
 * ```ts
 * import { normalizeUrl } from "@trawl/trawl";
 * import assert from "node:assert/strict";
 *
 * assert.equal(
 *   normalizeUrl("HTTP://Example.COM:80/a/./b/../c#top"),
 *   "http://example.com/a/c",
 * );
 * ```
 *
 * The concurrency toolkit the crawler is built on is re-exported here and
 * available alone as `@trawl/trawl/concurrency`.
 *
 * @module
 */
export * from "./src/crawler.ts";
export type * from "./src/crawl_options.ts";
export type * from "./src/crawl_result.ts";
export * from "./src/crawl_stats.ts";
export * from "./src/errors.ts";
export * from "./src/fingerprint_set.ts";
export * from "./src/frontier.ts";
export type * from "./src/frontier_store.ts";
export type * from "./src/crawl_status.ts";
export * from "./src/memory_store.ts";
export * from "./src/sqlite_store.ts";
export * from "./src/state_errors.ts";
export * from "./src/log.ts";
export * from "./src/normalize_url.ts";
export * from "./src/parse/charset.ts";
export * from "./src/parse/extract_links.ts";
export * from "./src/parse/parse_html.ts";
export * from "./src/read_body.ts";
export * from "./src/retry_after.ts";
export * from "./src/robots_cache.ts";
export * from "./src/robots_txt.ts";
export * from "./src/scope.ts";
export * from "./src/skip_extensions.ts";
export * from "./src/ssrf_guard.ts";
export * from "./src/trap_guard.ts";
export * from "./src/trace.ts";
export * from "./src/concurrency/mod.ts";
