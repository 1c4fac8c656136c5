/**
 * trawl: a concurrent, polite, hard-to-break web crawler for Deno.
 *
 * {@linkcode crawl} (or the {@linkcode Crawler} class) yields one
 * {@linkcode CrawlResult} per accepted URL, first done, first out. Per-host
 * concurrency and rate limits, robots.txt (RFC 9309), redirects checked hop
 * by hop, timeouts, byte caps, retries that honour `Retry-After` and a
 * per-host circuit breaker are on by default; HTML is parsed in a worker
 * pool. Breaking out of the loop or aborting the signal stops everything.
 * {@linkcode checkLinks} checks a site's links. Without `onLog`, warnings
 * and errors go to `console.error`. The command (`cli.ts`) documents its
 * exit codes: 0 ran, 1 nothing fetched or broken links, 2 usage, 3 state or
 * frontier error, 130 interrupted, 143 terminated.
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
 * The other entry points:
 *
 * - `@trawl/trawl/concurrency`: the concurrency toolkit the crawler is built
 *   on (task groups, context variables, queues, semaphores, token buckets,
 *   circuit breakers, a worker pool).
 * - `@trawl/trawl/sqlite`: `SqliteStore`, a crawl kept in a SQLite file that
 *   resumes after any stop.
 * - `@trawl/trawl/redis`: `RedisStore`, a crawl shared by many processes
 *   through Redis (the only entry that loads the `redis` client).
 * - `@trawl/trawl/store`: the `FrontierStore` interface and its types, for
 *   writing a store, and `MemoryStore`.
 * - `@trawl/trawl/testing`: `FakeClock`, for exact and instant tests of
 *   rates and timeouts.
 *
 * @module
 */

// Crawling.
export { crawl, Crawler, DEFAULT_USER_AGENT } from "./src/crawler/crawler.ts";
export type {
  BackoffOptions,
  CrawlOptions,
  HostCircuitOptions,
  PerHostOptions,
  Scope,
  UrlFilter,
} from "./src/crawler/options.ts";
export type {
  CrawlResult,
  SitemapSummary,
  SkipReason,
  Timings,
  TraceInfo,
} from "./src/crawler/result.ts";
export type { CrawlStats } from "./src/crawler/stats.ts";
export type { DomDocument, DomElement, Page } from "./src/content/page.ts";

// Link checking (its types: `@trawl/trawl/check`).
export { checkLinks } from "./src/check/link_checker.ts";
export type { FrontierStore, StateMode } from "./src/frontier/store.ts";
export type { Clock } from "./src/concurrency/clock.ts";
export type { LogHandler, LogLevel, LogRecord } from "./src/telemetry/log.ts";
export { consoleLogHandler } from "./src/telemetry/otel_logs.ts";
export {
  DEFAULT_SESSION_PARAMS,
  type TrapLimits,
} from "./src/guards/trap_guard.ts";
export { DEFAULT_SKIP_EXTENSIONS } from "./src/guards/skip_extensions.ts";

// Errors.
export {
  FetchError,
  HttpError,
  IdleTimeoutError,
  type NetworkFailure,
  RedirectError,
  type RedirectProblem,
  RequestTimeoutError,
} from "./src/fetch/errors.ts";
export { DiskFullError } from "./src/io/disk_full_error.ts";
export {
  defaultResolver,
  type Resolver,
  SsrfError,
} from "./src/guards/ssrf_guard.ts";
export {
  StateLockedError,
  StateMismatchError,
} from "./src/frontier/state_errors.ts";
export { ArchiveError } from "./src/archive/archive_error.ts";
export { ExtractModuleError } from "./src/content/extract_error.ts";

// Building blocks.
export { normalizeUrl } from "./src/url/normalize_url.ts";
export { parseRobotsTxt, type RobotsTxt } from "./src/robots/robots_txt.ts";
export {
  type ExtractedLink,
  type ExtractedPage,
  extractLinks,
  type ExtractLinksOptions,
  type RobotsDirectives,
} from "./src/parse/extract_links.ts";
export type { PageReference, ReferenceKind } from "./src/parse/references.ts";
export { parseRetryAfter } from "./src/fetch/retry_after.ts";
