/**
 * The crawl report's sink: fed every result (and, from a link check, every
 * broken link), it keeps only aggregates — counters, fixed-bucket
 * histograms, a bounded quantile sketch per host — and capped lists that
 * know how much they left out. A 1,000,000-URL crawl costs the same few
 * hundred KiB as a small one; `renderReport` turns it into one HTML page.
 *
 * @module
 */
import type { CrawlResult } from "../crawler/result.ts";
import type { BrokenLink } from "../check/link_book.ts";
import type { LogRecord } from "../telemetry/log.ts";
import { Histogram, QuantileSketch } from "./histogram.ts";
import { TopList } from "./top_list.ts";

/** Bucket bounds of the time histograms, ms. */
export const TIME_BOUNDS: readonly number[] = [
  5,
  10,
  25,
  50,
  100,
  250,
  500,
  1_000,
  2_500,
  5_000,
  10_000,
  30_000,
];

/** How much of each list the report keeps. */
export const REPORT_LIMITS = {
  /** Hosts with a row of their own (the rest share one). */
  hosts: 500,
  /** Error kinds told apart (the rest are "other"). */
  errorKinds: 50,
  /** Slowest and largest pages listed. */
  top: 20,
  /** Broken links listed. */
  broken: 1_000,
  /** Referrers listed per broken link. */
  referrers: 20,
  /** Redirects listed. */
  redirects: 200,
  /** Points of the pages/s series (buckets widen to stay within it). */
  points: 300,
  /** Depths told apart (deeper ones share the last). */
  depths: 50,
} as const;

/** One host's row. */
export interface HostRow {
  /** The host. */
  host: string;
  /** Results. */
  pages: number;
  /** Results with an error or a 4xx/5xx status. */
  errors: number;
  /** Decoded bytes. */
  bytes: number;
  /** Total time per result: mean, p95. */
  latency: QuantileSketch;
  /** Times the host asked to slow down (429/503) or timed out. */
  throttled: number;
}

/** A list that may have left items out. */
export interface Capped<T> {
  /** The items kept. */
  items: T[];
  /** How many there were in all. */
  total: number;
}

/**
 * Aggregates of a crawl, for a report.
 *
 * @example Feeding results
 * ```ts
 * import { CrawlReport } from "./crawl_report.ts";
 * import assert from "node:assert/strict";
 *
 * const report = new CrawlReport();
 * report.add({
 *   url: "https://a.test/", finalUrl: "https://a.test/", status: 200, depth: 0,
 *   links: 3, bytes: 1000, attempts: 1,
 *   timings: { start: 0, ttfb: 12, total: 20 },
 *   trace: { traceId: "t", spanId: "s" },
 * });
 * assert.equal(report.results, 1);
 * assert.equal(report.statusClasses["2xx"], 1);
 * ```
 */
export class CrawlReport {
  /** Results counted. */
  results = 0;
  /** Results with a response. */
  responses = 0;
  /** Decoded bytes. */
  bytes = 0;
  /** Results with an error. */
  errors = 0;
  /** Results by status class (`"2xx"`, … `"none"`). */
  readonly statusClasses: Record<string, number> = {};
  /** Errors by kind (`FetchError: connection refused`). */
  readonly errorKinds: Record<string, number> = {};
  /** Skipped results by reason. */
  readonly skipped: Record<string, number> = {};
  /** Results by link depth. */
  readonly depths: number[] = [];
  /** Time to first byte of results with a response, ms. */
  readonly ttfb: Histogram = new Histogram(TIME_BOUNDS);
  /** Total time of results with a response, ms. */
  readonly total: Histogram = new Histogram(TIME_BOUNDS);
  /** Results finished per bucket of `rateWidthS` seconds. */
  readonly rate: number[] = [];
  /** The width of one `rate` bucket, s. */
  rateWidthS = 1;
  /** Epoch ms of the first result's start. */
  startedAt?: number;
  /** Epoch ms of the last result's end. */
  endedAt?: number;
  /** The slowest pages (by total time). */
  readonly slowest: TopList<string> = new TopList(REPORT_LIMITS.top);
  /** The largest pages (by bytes). */
  readonly largest: TopList<string> = new TopList(REPORT_LIMITS.top);
  /** Redirected URLs: from, to. */
  readonly redirects: Capped<[string, string]> = { items: [], total: 0 };
  /** Broken links of a link check. */
  readonly broken: Capped<BrokenLink & { more: number }> = {
    items: [],
    total: 0,
  };
  readonly #hosts = new Map<string, HostRow>();
  #other?: HostRow;

  /** The per-host rows, most pages first (the overflow row last). */
  get hosts(): HostRow[] {
    const rows = [...this.#hosts.values()].sort((a, b) => b.pages - a.pages);
    return this.#other ? [...rows, this.#other] : rows;
  }

  /**
   * Counts one result.
   *
   * @param r The result.
   */
  add(r: CrawlResult): void {
    this.results++;
    this.bytes += r.bytes;
    const row = this.#host(hostOf(r.url));
    row.pages++;
    row.bytes += r.bytes;
    const cls = r.status > 0 ? `${Math.floor(r.status / 100)}xx` : "none";
    this.statusClasses[cls] = (this.statusClasses[cls] ?? 0) + 1;
    if (r.error) {
      this.errors++;
      const kind = errorKind(r.error);
      const known = kind in this.errorKinds ||
        Object.keys(this.errorKinds).length < REPORT_LIMITS.errorKinds;
      const key = known ? kind : "other";
      this.errorKinds[key] = (this.errorKinds[key] ?? 0) + 1;
    }
    if (r.error || r.status >= 400) row.errors++;
    if (r.status === 429 || r.status === 503) row.throttled++;
    if (r.skipped) this.skipped[r.skipped] = (this.skipped[r.skipped] ?? 0) + 1;
    const depth = Math.min(r.depth, REPORT_LIMITS.depths - 1);
    while (this.depths.length <= depth) this.depths.push(0);
    this.depths[depth]++;
    this.#timed(r, row);
    if (r.status > 0 && r.finalUrl !== r.url) {
      this.redirects.total++;
      if (this.redirects.items.length < REPORT_LIMITS.redirects) {
        this.redirects.items.push([r.url, r.finalUrl]);
      }
    }
  }

  /**
   * Lists one broken link (of a link check), its referrers capped.
   *
   * @param link The broken link.
   */
  addBroken(link: BrokenLink): void {
    this.broken.total++;
    if (this.broken.items.length >= REPORT_LIMITS.broken) return;
    const referrers = link.referrers.slice(0, REPORT_LIMITS.referrers);
    this.broken.items.push({
      ...link,
      referrers,
      more: link.referrers.length - referrers.length,
    });
  }

  /**
   * Counts a log record that says a host was slowed down (it carries
   * `host` and `rate`).
   *
   * @param record A crawl log record.
   */
  noteLog(record: LogRecord): void {
    if (typeof record.host !== "string" || record.rate === undefined) return;
    if (record.level !== "warn") return;
    this.#host(record.host).throttled++;
  }

  #timed(r: CrawlResult, row: HostRow): void {
    const { start, ttfb, total } = r.timings;
    if (r.status > 0) {
      this.responses++;
      this.ttfb.add(ttfb);
      this.total.add(total);
      row.latency.add(total);
      this.slowest.add(r.url, total);
      this.largest.add(r.url, r.bytes);
    }
    const end = start + total;
    this.startedAt = Math.min(this.startedAt ?? start, start);
    this.endedAt = Math.max(this.endedAt ?? end, end);
    let i = Math.floor((end - this.startedAt) / 1000 / this.rateWidthS);
    while (i >= REPORT_LIMITS.points) {
      this.#widenRate();
      i = Math.floor((end - this.startedAt) / 1000 / this.rateWidthS);
    }
    while (this.rate.length <= i) this.rate.push(0);
    this.rate[Math.max(0, i)]++;
  }

  /** Halves the series' resolution: buckets twice as wide. */
  #widenRate(): void {
    const merged: number[] = [];
    for (let i = 0; i < this.rate.length; i += 2) {
      merged.push(this.rate[i] + (this.rate[i + 1] ?? 0));
    }
    this.rate.length = 0;
    this.rate.push(...merged);
    this.rateWidthS *= 2;
  }

  #host(host: string): HostRow {
    const row = this.#hosts.get(host);
    if (row) return row;
    if (this.#hosts.size >= REPORT_LIMITS.hosts) {
      return this.#other ??= newRow("(other hosts)");
    }
    const fresh = newRow(host);
    this.#hosts.set(host, fresh);
    return fresh;
  }
}

function newRow(host: string): HostRow {
  return {
    host,
    pages: 0,
    errors: 0,
    bytes: 0,
    latency: new QuantileSketch(),
    throttled: 0,
  };
}

function hostOf(url: string): string {
  return URL.parse(url)?.host ?? url;
}

/** An error's kind: its name and message, without the URL in brackets. */
function errorKind(error: { name: string; message: string }): string {
  const message = error.message.replace(/\s*\([^()]*\)$/, "");
  return `${error.name}: ${message}`.slice(0, 120);
}
