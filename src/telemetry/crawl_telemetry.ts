/**
 * The crawl's OpenTelemetry hooks in one place: the crawler calls them at a
 * few named points (a page, a robots.txt lookup, a fetch attempt, a settled
 * URL, a yielded result, a retry, a throttle), and only when this object
 * exists, which is only when OpenTelemetry is on.
 *
 * @module
 */
import type { Clock } from "../concurrency/clock.ts";
import type { CrawlResult } from "../crawler/result.ts";
import type { CrawlStats } from "../crawler/stats.ts";
import type { FetchOutcome } from "../fetch/fetcher.ts";
import { CrawlMetrics } from "./metrics.ts";
import { CrawlSpans, type PageEntry, type PageSpan } from "./spans.ts";
import type { Trace } from "./trace.ts";

/** What the crawl's telemetry reads. */
export interface CrawlTelemetryOptions {
  /** The crawl's id: the trace id of its results with OpenTelemetry off. */
  crawlId: string;
  /** The crawl's clock. */
  clock: Clock;
  /** Reads the crawl's live counters. */
  stats: () => CrawlStats;
}

/**
 * A crawl's spans and metrics. Disposing it stops its gauges.
 *
 * @example Hooks only when OpenTelemetry is on
 * ```ts
 * import { CrawlTelemetry } from "./crawl_telemetry.ts";
 * import { systemClock } from "../concurrency/clock.ts";
 * import { emptyStats } from "../crawler/stats.ts";
 *
 * const stats = emptyStats();
 * using telemetry = CrawlTelemetry.start({
 *   crawlId: "0".repeat(32),
 *   clock: systemClock,
 *   stats: () => stats,
 * });
 * console.log(telemetry ? "on" : "off: the crawler calls no hook");
 * ```
 */
export class CrawlTelemetry implements Disposable {
  readonly #spans?: CrawlSpans;
  readonly #metrics?: CrawlMetrics;
  readonly #clock: Clock;

  private constructor(
    clock: Clock,
    spans: CrawlSpans | undefined,
    metrics: CrawlMetrics | undefined,
  ) {
    this.#clock = clock;
    this.#spans = spans;
    this.#metrics = metrics;
  }

  /**
   * The crawl's telemetry, or `undefined` when OpenTelemetry is off (no
   * tracer and no meter provider registered).
   *
   * @param options The crawl's id, clock and stats.
   * @returns The telemetry, if on.
   */
  static start(options: CrawlTelemetryOptions): CrawlTelemetry | undefined {
    const spans = CrawlSpans.start(options.clock, options.crawlId);
    const metrics = CrawlMetrics.start(options.stats);
    if (!spans && !metrics) return undefined;
    return new CrawlTelemetry(options.clock, spans, metrics);
  }

  /**
   * Opens the span of one URL whose work runs in steps (see
   * {@linkcode CrawlSpans.open}); `undefined` when tracing is off.
   *
   * @param entry The URL taken from the frontier.
   * @param trace The request's trace (it takes the span's ids).
   * @returns The open span, if tracing is on.
   */
  openPage(entry: PageEntry, trace: Trace): PageSpan | undefined {
    return this.#spans?.open(entry, trace);
  }

  /**
   * Gives a URL settled without a request its span.
   *
   * @param result The settled result (it takes the span's ids).
   */
  settled(result: CrawlResult): void {
    this.#spans?.settled(result);
  }

  /**
   * Runs a robots.txt lookup.
   *
   * @param url The URL being admitted.
   * @param run The lookup.
   * @returns What `run` returns.
   */
  robots<T extends { isAllowed(url: URL): boolean }>(
    url: URL,
    run: () => Promise<T>,
  ): Promise<T> {
    return this.#spans ? this.#spans.robots(url, run) : run();
  }

  /**
   * Runs one fetch attempt, in its span and timed.
   *
   * @param url The URL asked for.
   * @param attempt The attempt's number, from 1.
   * @param run The attempt.
   * @returns What `run` returns.
   */
  attempt<T extends FetchOutcome>(
    url: string,
    attempt: number,
    run: () => Promise<T>,
  ): Promise<T> {
    const metrics = this.#metrics;
    const traced = this.#spans
      ? () => this.#spans!.attempt(url, attempt, run)
      : run;
    if (!metrics) return traced();
    const t0 = this.#clock.now();
    return traced().then((out) => {
      metrics.attempt(this.#clock.now() - t0, out.status);
      return out;
    });
  }

  /**
   * Counts a yielded result.
   *
   * @param result The result.
   */
  result(result: CrawlResult): void {
    this.#metrics?.result(result);
  }

  /**
   * Counts a retry.
   *
   * @param why What failed.
   */
  retried(why: string): void {
    this.#metrics?.retried(why);
  }

  /**
   * Counts a host's request to slow down.
   *
   * @param host The host.
   */
  throttled(host: string): void {
    this.#metrics?.throttled(host);
  }

  /** Stops the gauges. */
  [Symbol.dispose](): void {
    this.#metrics?.[Symbol.dispose]();
  }
}
