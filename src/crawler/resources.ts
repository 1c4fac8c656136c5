/**
 * The resources of one crawl, each built from the resolved options: the
 * stall monitor, the frontier, the SSRF guard, the robots.txt cache, the
 * circuit breaker and the fetcher's configuration. The crawl registers the
 * teardown of each where it builds it.
 *
 * @module
 */
import type { ExchangeSink } from "../archive/exchange.ts";
import { recordingFetch } from "../archive/recording_fetch.ts";
import { KeyedCircuitBreaker } from "../concurrency/keyed_circuit_breaker.ts";
import { LoopMonitor } from "../concurrency/loop_monitor.ts";
import type {
  Admit,
  AroundAttempt,
  FetcherConfig,
  FetchEvents,
} from "../fetch/fetcher.ts";
import type {
  CrawlFrontier,
  FrontierContext,
  FrontierStore,
  RobotsStore,
} from "../frontier/store.ts";
import { SsrfGuard } from "../guards/ssrf_guard.ts";
import { RobotsCache } from "../robots/robots_cache.ts";
import { newId, type Trace, traceVar } from "../telemetry/trace.ts";
import { baseResult } from "./base_result.ts";
import type { CrawlLog } from "./crawl_log.ts";
import type { Resolved } from "./resolve_options.ts";
import type { CrawlStats } from "./stats.ts";

/**
 * A started monitor that reports event-loop stalls longer than
 * `thresholdMs` as warnings (with the trace of the request that ran), or
 * none when no threshold is set. Stop it (dispose it) when the crawl ends.
 *
 * @example
 * ```ts
 * import { startStallMonitor } from "./resources.ts";
 * import { CrawlLog } from "./crawl_log.ts";
 *
 * using monitor = startStallMonitor(50, new CrawlLog(console.log, "warn"));
 * ```
 *
 * @param thresholdMs The `stallThresholdMs` option.
 * @param log The crawl's log.
 * @returns The running monitor, if any.
 */
export function startStallMonitor(
  thresholdMs: number | undefined,
  log: CrawlLog,
): LoopMonitor | undefined {
  if (thresholdMs === undefined) return undefined;
  const monitor = new LoopMonitor({
    thresholdMs,
    vars: [traceVar],
    onStall: (stall) => {
      const trace = stall.context[traceVar.name] as Trace | undefined;
      log.emit({
        level: "warn",
        message: `event loop stalled for ${Math.round(stall.durationMs)} ms` +
          (stall.attributed ? "" : " (outside any tracked request)"),
        time: Date.now(),
        ...(trace
          ? { traceId: trace.traceId, spanId: trace.spanId, url: trace.url }
          : {}),
        stallMs: Math.round(stall.durationMs),
      });
    },
  });
  monitor.start();
  return monitor;
}

/** What the frontier is built for, besides the options. */
export interface FrontierFor {
  /** The seeds, in normal form. */
  seeds: readonly string[];
  /** The crawl's settings (see `Crawler.settings`). */
  settings: Readonly<Record<string, unknown>>;
  /** Runs a frontier task (a host's pump) in the crawl's task tree. */
  spawn: FrontierContext["spawn"];
  /** The crawl's counters. */
  stats: CrawlStats;
  /** The crawl's log. */
  log: CrawlLog;
  /** The crawl's trace id (for the results of URLs a shared store refuses). */
  traceId: string;
  /** See `FrontierContext.requestless`. */
  requestless?: (url: string) => boolean;
}

/**
 * The crawl's frontier, built by `store`. Close it once the tasks that use
 * it have stopped.
 *
 * @example Usage
 * ```ts ignore
 * const frontier = buildFrontier(store, o, { seeds, settings, spawn, stats, log });
 * ```
 *
 * @param store Where the frontier lives.
 * @param o The resolved options.
 * @param crawl The seeds, settings, spawner, stats and log.
 * @returns The frontier (not open yet).
 */
export function buildFrontier(
  store: FrontierStore,
  o: Resolved,
  crawl: FrontierFor,
): CrawlFrontier {
  return store.createFrontier({
    seeds: crawl.seeds,
    settings: crawl.settings,
    mode: o.stateMode,
    perHostConcurrency: o.perHost.concurrency,
    perHostRate: o.perHost.rate,
    ...(o.autoThrottle ? { autoThrottle: o.autoThrottle } : {}),
    maxAccepted: o.maxPages,
    readySize: o.concurrency,
    clock: o.clock,
    spawn: crawl.spawn,
    stats: crawl.stats,
    onLog: (r) => crawl.log.emit(r),
    recrawl: o.recrawl
      ? { before: Date.now() - o.recrawlOlderThanMs }
      : undefined,
    restore: (url) => {
      const u = URL.parse(url);
      if (u) o.traps.admit(u);
    },
    requestless: crawl.requestless,
    // A store shared by several processes counts these for all of them.
    maxPagesPerHost: o.maxPagesPerHost,
    maxQueryVariants: o.traps.limits.maxQueryVariants,
    refuse: (entry, reason) => {
      const result = baseResult(entry, {
        traceId: crawl.traceId,
        spanId: newId(),
      });
      result.skipped = reason;
      return result;
    },
  });
}

/**
 * The SSRF guard (the seeds' hosts allowed), or none with
 * `allowPrivateNetworks`.
 *
 * @example
 * ```ts
 * import { ssrfGuard } from "./resources.ts";
 * import { resolveOptions } from "./resolve_options.ts";
 * import assert from "node:assert/strict";
 *
 * const o = resolveOptions({ allowPrivateNetworks: true });
 * assert.equal(ssrfGuard(o, ["http://127.0.0.1/"]), undefined);
 * ```
 *
 * @param o The resolved options.
 * @param seeds The seeds.
 * @returns The guard, if any.
 */
export function ssrfGuard(
  o: Resolved,
  seeds: readonly string[],
): SsrfGuard | undefined {
  if (o.allowPrivateNetworks) return undefined;
  return new SsrfGuard({
    resolver: o.resolver,
    allowHosts: seeds.map((s) => new URL(s).hostname),
    clock: o.clock,
  });
}

/**
 * The robots.txt cache (its own requests checked by `ssrf`, its records
 * kept in `store`, its exchanges archived in `archive`), or none when
 * robots.txt is not respected. Clear it (dispose it) once no task waits on
 * it.
 *
 * @example Usage
 * ```ts ignore
 * using robots = robotsCache(o, ssrf, frontier.robots, log);
 * ```
 *
 * @param o The resolved options.
 * @param ssrf The SSRF guard.
 * @param store Where robots.txt records are kept between runs.
 * @param log The crawl's log.
 * @param archive Where robots.txt exchanges are archived.
 * @returns The cache, if any.
 */
export function robotsCache(
  o: Resolved,
  ssrf: SsrfGuard | undefined,
  store: RobotsStore | undefined,
  log: CrawlLog,
  archive?: ExchangeSink,
): RobotsCache | undefined {
  if (!o.respectRobots) return undefined;
  return new RobotsCache({
    checkUrl: ssrf && ((url: URL) => ssrf.check(url)),
    userAgent: o.userAgent,
    fetch: archive ? recordingFetch(o.fetch, archive, o.maxBodyBytes) : o.fetch,
    clock: o.clock,
    timeoutMs: o.timeoutMs,
    idleTimeoutMs: o.idleTimeoutMs,
    onLog: (r) => log.emit(r),
    store,
  });
}

/**
 * How pages are fetched: the request options, a circuit breaker per host
 * (unless `circuitBreaker: false`), the admission of redirect hops and
 * where the fetcher's reports go.
 *
 * @example
 * ```ts
 * import { fetcherConfig } from "./resources.ts";
 * import { resolveOptions } from "./resolve_options.ts";
 * import assert from "node:assert/strict";
 *
 * const config = fetcherConfig(resolveOptions({}), ["https://a.test/"], {
 *   admit: () => Promise.resolve(undefined),
 *   events: {},
 * });
 * assert.ok(config.trustedOrigins.has("https://a.test"));
 * ```
 *
 * @param o The resolved options.
 * @param seeds The seeds (their origins may receive credentials).
 * @param hooks The admission of hops, the crawler's answers to reports and
 * what runs around each attempt (telemetry).
 * @returns The configuration.
 */
export function fetcherConfig(
  o: Resolved,
  seeds: readonly string[],
  hooks: { admit: Admit; events: FetchEvents; aroundAttempt?: AroundAttempt },
): FetcherConfig {
  return {
    fetch: o.fetch,
    clock: o.clock,
    userAgent: o.userAgent,
    headers: o.headers,
    trustedOrigins: new Set(seeds.map((s) => new URL(s).origin)),
    timeoutMs: o.timeoutMs,
    idleTimeoutMs: o.idleTimeoutMs,
    maxRedirects: o.maxRedirects,
    maxBodyBytes: o.maxBodyBytes,
    retries: o.retries,
    backoff: o.backoff,
    breaker: o.circuitBreaker
      ? new KeyedCircuitBreaker<string>({ ...o.circuitBreaker, clock: o.clock })
      : undefined,
    admit: hooks.admit,
    events: hooks.events,
    aroundAttempt: hooks.aroundAttempt,
  };
}
