/**
 * Live counters of a crawl, read from `Crawler.stats`.
 *
 * @module
 */
import type { SkipReason } from "./result.ts";

/** A snapshot of a crawl's progress. */
export interface CrawlStats {
  /** URLs accepted by the frontier (each ends as exactly one result). */
  accepted: number;
  /** Results yielded so far. */
  done: number;
  /** Accepted URLs waiting to be fetched. */
  queued: number;
  /** Requests in flight. */
  inFlight: number;
  /** Results with an HTTP response, by status class (`"2xx"`, `"4xx"`, ...). */
  byStatusClass: Record<string, number>;
  /** Results with an `error`. */
  errors: number;
  /** Results with a `skipped` reason, by reason. */
  skipped: Partial<Record<SkipReason, number>>;
  /** Decoded body bytes read. */
  bytes: number;
  /** Retries made. */
  retries: number;
  /** `Sitemap:` URLs found in robots.txt files. */
  sitemaps: string[];
  /** Sitemaps requested that answered (any status). */
  sitemapsFetched: number;
  /** Entries read from sitemaps (pages and sitemaps listed). */
  sitemapEntries: number;
  /** When the crawl started (epoch ms). */
  startedAt: number;
  /** Milliseconds since the start (frozen when the crawl ends). */
  elapsedMs: number;
}

/**
 * Counters of a crawl that has not started: every count zero, `startedAt`
 * now.
 *
 * @example Usage
 * ```ts
 * import { emptyStats } from "./stats.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(emptyStats().done, 0);
 * ```
 *
 * @returns A new stats object.
 */
export function emptyStats(): CrawlStats {
  return {
    accepted: 0,
    done: 0,
    queued: 0,
    inFlight: 0,
    byStatusClass: {},
    errors: 0,
    skipped: {},
    bytes: 0,
    retries: 0,
    sitemaps: [],
    sitemapsFetched: 0,
    sitemapEntries: 0,
    startedAt: Date.now(),
    elapsedMs: 0,
  };
}
