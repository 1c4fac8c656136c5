/**
 * The record the crawler yields for every URL it accepted.
 *
 * @module
 */
import type { PageReference } from "../parse/references.ts";

/** Why a URL was accepted but not fetched, or fetched but not parsed. */
export type SkipReason =
  /** robots.txt disallows it (or robots.txt was unreachable: disallow-all). */
  | "robots"
  /** `maxPages` (or a per-host budget) was spent before its turn. */
  | "budget"
  /** The response is not `text/html` or `application/xhtml+xml`; body not read. */
  | "content-type"
  /** The decoded body passed `maxBodyBytes`; nothing was parsed. */
  | "too-large"
  /** The URL's extension names a non-HTML file (`skipExtensions`); not fetched. */
  | "extension"
  /**
   * The host resolves to a loopback, private, link-local or otherwise
   * internal address (the SSRF guard; see `allowPrivateNetworks`).
   */
  | "private-address"
  /** A spider-trap defence: the URL is longer than `traps.maxUrlLength`. */
  | "url-too-long"
  /** A spider-trap defence: a path segment repeats (`/a/b/a/b/a/b/...`). */
  | "repeated-segments"
  /** A spider-trap defence: more path segments than `traps.maxPathDepth`. */
  | "too-deep"
  /** A spider-trap defence: too many query variants of one path (`/cal?month=N`). */
  | "query-variants"
  /** A redirect left the crawl's scope (or matched `exclude`). */
  | "out-of-scope"
  /** The host's circuit breaker was open for longer than the crawl could wait. */
  | "circuit-open";

/** What a sitemap listed, on the sitemap's result. */
export interface SitemapSummary {
  /** `"xml"` or `"text"`, when the file was read. */
  format?: "xml" | "text";
  /** The file was gzip (recognised by its bytes). */
  gzip?: boolean;
  /** Pages listed (`<url>` entries, or lines of a text sitemap). */
  pages: number;
  /** Sitemaps listed (the `<sitemap>` entries of an index). */
  sitemaps: number;
  /**
   * Entries added to the crawl: new, in scope, not older than `since`, and
   * (for sitemaps) within the nesting limit.
   */
  followed: number;
  /** Entries whose `<lastmod>` is older than `since`. */
  older?: number;
  /**
   * What cut the file short: more than 50 MB decompressed (`"bytes"`) or
   * more than 50,000 entries (`"urls"`); the rest was not read.
   */
  cut?: "bytes" | "urls";
  /** Why reading ended early (bad gzip data, absurd nesting). */
  damaged?: string;
}

/**
 * Where a result sits in the crawl's traces. Without OpenTelemetry, one
 * trace id for the whole crawl and a span id per URL; with it, the ids of
 * the URL's exported `trawl.page` span (a trace per URL), and the referring
 * page's trace and span, which that span links to.
 */
export interface TraceInfo {
  /** The crawl's trace id; with OpenTelemetry on, the URL's own trace. */
  traceId: string;
  /** This request's span. */
  spanId: string;
  /** The span of the page that linked here (absent for seeds). */
  parentSpanId?: string;
  /**
   * The trace of the page that linked here, with OpenTelemetry on (absent
   * for seeds and without OpenTelemetry).
   */
  parentTraceId?: string;
}

/** Milliseconds measured for one request. */
export interface Timings {
  /** When the fetch started, as epoch milliseconds. */
  start: number;
  /** Time to the response headers (first byte), ms. */
  ttfb: number;
  /** Total time including body and parse, ms. */
  total: number;
}

/**
 * One URL's outcome. Exactly one per URL the frontier accepted: a page
 * (with `status`), an `error`, or a `skipped` reason.
 */
export interface CrawlResult {
  /** The URL as discovered, in normal form. */
  url: string;
  /** The URL after redirects (equals `url` when there were none). */
  finalUrl: string;
  /** The final HTTP status, or `0` when no response was received. */
  status: number;
  /** The response's media type (lowercased, without parameters), if any. */
  contentType?: string;
  /** Link distance from the seeds (seeds are 0). */
  depth: number;
  /**
   * The page that linked here (absent for seeds); the sitemap that listed
   * it when `via` is `"sitemap"`.
   */
  referrer?: string;
  /**
   * How the URL was first found when not through a page's link:
   * `"sitemap"` (listed in the sitemap that is `referrer`) or `"robots"` (a
   * sitemap named in the robots.txt that is `referrer`).
   */
  via?: "sitemap" | "robots";
  /** The `<lastmod>` its sitemap gave it. */
  lastmod?: string;
  /** The page's `<title>`, trimmed, if it had one. */
  title?: string;
  /** The page's meta description, if it had one. */
  description?: string;
  /** The page's `<html lang>`, if it had one. */
  lang?: string;
  /** How many links the page had (before scope filtering). */
  links: number;
  /** The links themselves, with the `includeLinks` option. */
  linkList?: string[];
  /**
   * Every reference of the page, in document order, with the
   * `includeReferences` option.
   */
  references?: PageReference[];
  /** The page's `id`s and `<a name>`s, with `includeReferences`. */
  anchors?: string[];
  /**
   * References not checkable (`mailto:`, `tel:`, `javascript:`, `data:`,
   * unparsable) or dropped past the cap, with `includeReferences`.
   */
  unchecked?: number;
  /** The page's `rel=canonical`, resolved, if any. */
  canonical?: string;
  /** Meta robots (or `X-Robots-Tag`) said `noindex`. */
  noindex?: boolean;
  /** Meta robots (or `X-Robots-Tag`) said `nofollow`: no links were followed. */
  nofollow?: boolean;
  /** Decoded body bytes read. */
  bytes: number;
  /** How many times the request was tried (1 with no retries). */
  attempts: number;
  /** Request timings. */
  timings: Timings;
  /** Trace identifiers. */
  trace: TraceInfo;
  /**
   * What the `select` selectors and the `extract` hook gave for the page
   * (selector values, with the hook's object merged over them).
   */
  data?: unknown;
  /** The page as text, Markdown or HTML, with the `content` option. */
  content?: string;
  /**
   * Set when the URL could not be fetched or parsed, or (`ExtractError`)
   * when the extraction hook failed on the page.
   */
  error?: { name: string; message: string };
  /** Set when the URL was deliberately not fetched or not parsed. */
  skipped?: SkipReason;
  /** The response's `ETag`, kept for the next recrawl. */
  etag?: string;
  /** The response's `Last-Modified`, kept for the next recrawl. */
  lastModified?: string;
  /**
   * A recrawl's conditional request was answered `304 Not Modified`: the
   * page is unchanged since it was last fetched, so it was not read again;
   * its links were followed when it was last fetched.
   */
  notModified?: boolean;
  /**
   * Which recrawl of a durable crawl this result belongs to (1 for the
   * first recrawl); absent in the first crawl.
   */
  recrawl?: number;
  /** Set on a sitemap's result: what it listed. */
  sitemap?: SitemapSummary;
  /**
   * A page requisite (see the `requisites` option): fetched for the page
   * that referred to it, not parsed for links.
   */
  requisite?: true;
}
