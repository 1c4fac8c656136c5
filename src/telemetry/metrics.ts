/**
 * The metrics of a crawl, recorded through OpenTelemetry's meter:
 *
 * | metric | kind | unit | attributes |
 * | --- | --- | --- | --- |
 * | `trawl.pages` | counter | `{page}` | `trawl.status_class` (`2xx`…) |
 * | `trawl.errors` | counter | `{error}` | `error.type` |
 * | `trawl.skips` | counter | `{url}` | `trawl.skip_reason` |
 * | `trawl.bytes` | counter | `By` | |
 * | `trawl.retries` | counter | `{retry}` | `error.type` |
 * | `trawl.throttles` | counter | `{event}` | `server.address`, `server.port` |
 * | `trawl.fetch.duration` | histogram | `s` | `trawl.status_class` |
 * | `trawl.fetch.ttfb` | histogram | `s` | |
 * | `trawl.queue.length` | gauge | `{url}` | |
 * | `trawl.in_flight` | gauge | `{request}` | |
 *
 * `trawl.fetch.duration` is one attempt (its redirects and body
 * included); `trawl.fetch.ttfb` is a page's `timings.ttfb`, from the start
 * of its fetch to the last response's headers.
 *
 * @module
 */
import type {
  Counter,
  Histogram,
  Meter,
  ObservableCallback,
  ObservableGauge,
} from "@opentelemetry/api";
import type { CrawlResult } from "../crawler/result.ts";
import type { CrawlStats } from "../crawler/stats.ts";
import { otelMeter } from "./otel.ts";

/** Bucket bounds of the duration histograms, in seconds (OTel's HTTP ones). */
const DURATION_BUCKETS = [
  0.005,
  0.01,
  0.025,
  0.05,
  0.075,
  0.1,
  0.25,
  0.5,
  0.75,
  1,
  2.5,
  5,
  7.5,
  10,
];

/**
 * `2xx`, `4xx`… for a status; `none` when no response came.
 *
 * @example Status classes
 * ```ts
 * import { statusClass } from "./metrics.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(statusClass(404), "4xx");
 * assert.equal(statusClass(0), "none");
 * ```
 *
 * @param status An HTTP status, or 0.
 * @returns Its class.
 */
export function statusClass(status: number): string {
  return status > 0 ? `${Math.floor(status / 100)}xx` : "none";
}

/**
 * Records a crawl's metrics. Exists only while metrics are on (see
 * {@linkcode CrawlMetrics.start}); disposing it stops its gauges.
 *
 * @example Metrics for a crawl's stats
 * ```ts
 * import { CrawlMetrics } from "./metrics.ts";
 * import { emptyStats } from "../crawler/stats.ts";
 *
 * const stats = emptyStats();
 * using metrics = CrawlMetrics.start(() => stats);
 * console.log(metrics ? "recording" : "OpenTelemetry is off");
 * ```
 */
export class CrawlMetrics implements Disposable {
  readonly #pages: Counter;
  readonly #errors: Counter;
  readonly #skips: Counter;
  readonly #bytes: Counter;
  readonly #retries: Counter;
  readonly #throttles: Counter;
  readonly #duration: Histogram;
  readonly #ttfb: Histogram;
  readonly #gauges: [ObservableGauge, ObservableCallback][];

  private constructor(meter: Meter, stats: () => CrawlStats) {
    const counter = (name: string, unit: string, description: string) =>
      meter.createCounter(name, { unit, description });
    const seconds = (name: string, description: string) =>
      meter.createHistogram(name, {
        unit: "s",
        description,
        advice: { explicitBucketBoundaries: DURATION_BUCKETS },
      });
    this.#pages = counter("trawl.pages", "{page}", "Pages with a response");
    this.#errors = counter("trawl.errors", "{error}", "URLs that failed");
    this.#skips = counter("trawl.skips", "{url}", "URLs skipped");
    this.#bytes = counter("trawl.bytes", "By", "Decoded body bytes read");
    this.#retries = counter("trawl.retries", "{retry}", "Retries made");
    this.#throttles = counter(
      "trawl.throttles",
      "{event}",
      "Answers asking to slow down (429/503 with Retry-After)",
    );
    this.#duration = seconds("trawl.fetch.duration", "One fetch attempt");
    this.#ttfb = seconds("trawl.fetch.ttfb", "Time to the response headers");
    const gauge = (name: string, unit: string, description: string) =>
      meter.createObservableGauge(name, { unit, description });
    this.#gauges = [
      [
        gauge("trawl.queue.length", "{url}", "URLs waiting to be fetched"),
        (r) => r.observe(stats().queued),
      ],
      [
        gauge("trawl.in_flight", "{request}", "Requests in flight"),
        (r) => r.observe(stats().inFlight),
      ],
    ];
    for (const [g, callback] of this.#gauges) g.addCallback(callback);
  }

  /**
   * The crawl's metrics, or `undefined` when no meter provider is
   * registered.
   *
   * @param stats Reads the crawl's live counters (for the gauges).
   * @returns The metrics, if on.
   */
  static start(stats: () => CrawlStats): CrawlMetrics | undefined {
    const meter = otelMeter();
    return meter && new CrawlMetrics(meter, stats);
  }

  /**
   * Counts a result as it is yielded: its status class, error or skip
   * reason, bytes and time to first byte.
   *
   * @param r The result.
   */
  result(r: CrawlResult): void {
    if (r.status > 0) {
      this.#pages.add(1, { "trawl.status_class": statusClass(r.status) });
      this.#ttfb.record(r.timings.ttfb / 1000);
    }
    if (r.error) this.#errors.add(1, { "error.type": r.error.name });
    if (r.skipped) this.#skips.add(1, { "trawl.skip_reason": r.skipped });
    if (r.bytes > 0) this.#bytes.add(r.bytes);
  }

  /**
   * Records one fetch attempt's duration.
   *
   * @param ms How long it took, in ms.
   * @param status Its final status (0 when none came).
   */
  attempt(ms: number, status: number): void {
    this.#duration.record(ms / 1000, {
      "trawl.status_class": statusClass(status),
    });
  }

  /**
   * Counts a retry.
   *
   * @param why What failed: an error's name, or `HTTP 503` (counted as
   * `error.type` `503`, as OpenTelemetry's HTTP conventions name it).
   */
  retried(why: string): void {
    const type = why.startsWith("HTTP ") ? why.slice(5) : why;
    this.#retries.add(1, { "error.type": type });
  }

  /**
   * Counts a host's request to slow down.
   *
   * @param host The host (`hostname[:port]`).
   */
  throttled(host: string): void {
    const u = URL.parse(`http://${host}`);
    this.#throttles.add(1, {
      "server.address": u?.hostname ?? host,
      ...(u?.port ? { "server.port": Number(u.port) } : {}),
    });
  }

  /** Stops the gauges' callbacks. */
  [Symbol.dispose](): void {
    for (const [g, callback] of this.#gauges) g.removeCallback(callback);
  }
}
