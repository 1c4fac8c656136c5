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
export * from "./src/crawler/crawler.ts";
export type * from "./src/crawler/options.ts";
export type * from "./src/crawler/result.ts";
export * from "./src/crawler/stats.ts";
export * from "./src/fetch/errors.ts";
export * from "./src/frontier/fingerprint_set.ts";
export * from "./src/frontier/frontier.ts";
export type * from "./src/frontier/store.ts";
export type * from "./src/frontier/status.ts";
export * from "./src/frontier/memory_store.ts";
export * from "./src/frontier/sqlite/sqlite_store.ts";
export * from "./src/frontier/state_errors.ts";
export * from "./src/telemetry/log.ts";
export * from "./src/url/normalize_url.ts";
export * from "./src/parse/charset.ts";
export * from "./src/parse/extract_links.ts";
export * from "./src/parse/parse_html.ts";
export * from "./src/fetch/read_body.ts";
export * from "./src/fetch/retry_after.ts";
export type { Validators } from "./src/fetch/body_rule.ts";
export * from "./src/sitemap/parse_sitemap.ts";
export * from "./src/robots/robots_cache.ts";
export * from "./src/robots/robots_txt.ts";
export * from "./src/guards/scope.ts";
export * from "./src/guards/skip_extensions.ts";
export * from "./src/guards/ssrf_guard.ts";
export * from "./src/guards/trap_guard.ts";
export * from "./src/telemetry/trace.ts";
export * from "./src/concurrency/mod.ts";
