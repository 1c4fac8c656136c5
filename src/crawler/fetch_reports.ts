/**
 * What the crawler does with the fetcher's reports: a host that asks to
 * slow down is paused in the frontier, and retries are counted and logged.
 *
 * @module
 */
import type { Clock } from "../concurrency/clock.ts";
import type { FetchEvents } from "../fetch/fetcher.ts";
import { HOST_THROTTLE } from "../frontier/host_throttle.ts";
import type { CrawlFrontier } from "../frontier/store.ts";
import type { CrawlTelemetry } from "../telemetry/crawl_telemetry.ts";
import { traceVar } from "../telemetry/trace.ts";
import type { CrawlLog } from "./crawl_log.ts";
import type { CrawlStats } from "./stats.ts";

/** What the crawler's answers to the fetcher's reports act on. */
export interface FetchReportsOptions {
  /** Pauses and slows hosts, and lets them recover. */
  frontier: Pick<CrawlFrontier, "throttle" | "answered">;
  /** The clock the frontier's limits run on. */
  clock: Clock;
  /** The crawl's counters (`retries`). */
  stats: CrawlStats;
  /** The crawl's log. */
  log: CrawlLog;
  /** Counts throttles and retries; absent when OpenTelemetry is off. */
  telemetry?: CrawlTelemetry;
}

/**
 * The crawler's {@linkcode FetchEvents}: `onThrottle` pauses the whole host
 * (not only the request that was told) and halves its rate; `onAnswer`
 * halves it too on a 429, a 503 or a timeout (with a short pause) and
 * otherwise counts the answer, so the rate climbs back as the host answers
 * well; `onRetry` counts the retry, moves the trace's attempt on and logs
 * it.
 *
 * @example
 * ```ts
 * import { fetchReports } from "./fetch_reports.ts";
 * import { CrawlLog } from "./crawl_log.ts";
 * import { emptyStats } from "./stats.ts";
 * import { FakeClock } from "../concurrency/fake_clock.ts";
 * import assert from "node:assert/strict";
 *
 * const paused: [string, number][] = [];
 * const events = fetchReports({
 *   frontier: { throttle: (host, until) => void paused.push([host, until]) },
 *   clock: new FakeClock(),
 *   stats: emptyStats(),
 *   log: new CrawlLog(undefined, "info"),
 * });
 * events.onThrottle?.("a.test", 1000, 429);
 * assert.deepEqual(paused, [["a.test", 1000]]);
 * ```
 *
 * @param options What the answers act on.
 * @returns The events to give the fetcher.
 */
export function fetchReports(options: FetchReportsOptions): FetchEvents {
  const { frontier, clock, stats, log, telemetry } = options;
  return {
    onThrottle(host, ms, status) {
      telemetry?.throttled(host);
      const now = clock.now();
      const rate = frontier.throttle(host, now + ms, now);
      if (rate !== undefined) {
        log.write("warn", `host asked to slow down (HTTP ${status})`, {
          host,
          pauseMs: Math.round(ms),
          rate,
        });
      }
    },
    onAnswer(host, answer) {
      const now = clock.now();
      const { status, timedOut } = answer;
      if (status === 429 || status === 503 || timedOut) {
        // Multiplicative decrease: half the rate, and after a 429/503 a
        // short pause (a Retry-After that onThrottle reported outlasts it).
        // Timeouts halve once from the ceiling, without a pause.
        const rate = timedOut
          ? frontier.throttle(host, now, now, "timeout")
          : frontier.throttle(host, now + HOST_THROTTLE.overloadPauseMs, now);
        if (rate !== undefined) {
          log.write(
            "warn",
            timedOut
              ? "request timed out: slowing down"
              : `host answered HTTP ${status}: slowing down`,
            { host, rate },
          );
        }
        return;
      }
      const good = status > 0 && status < 500 && status !== 429;
      const rate = frontier.answered?.(
        host,
        { good, status, ms: answer.ms },
        now,
      );
      if (rate !== undefined) {
        log.write("debug", "host rate changed", { host, rate });
      }
    },
    onRetry(url, attempt, delayMs, why) {
      stats.retries++;
      telemetry?.retried(why);
      const trace = traceVar.get();
      if (trace) trace.attempt = attempt + 1;
      log.write("info", `retrying after ${why}`, {
        url,
        attempt,
        delayMs: Math.round(delayMs),
      });
    },
  };
}
