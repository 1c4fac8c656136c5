/**
 * The crawler: a task tree of per-host pumps and fetchers around a
 * {@linkcode Frontier}, parsing in a worker pool, yielding results first
 * done, first out.
 *
 * @module
 */
import {
  describePattern,
  type Resolved,
  resolveOptions,
} from "./resolve_options.ts";
import { BoundedQueue } from "../concurrency/bounded_queue.ts";
import { TaskGroup } from "../concurrency/task_group.ts";
import { WorkerPool } from "../concurrency/worker_pool.ts";
import { missingWorkerPermission } from "./worker_permission.ts";
import { KeyedCircuitBreaker } from "../concurrency/keyed_circuit_breaker.ts";
import { LoopMonitor } from "../concurrency/loop_monitor.ts";
import type { CrawlOptions } from "./options.ts";
import type { CrawlResult, SkipReason } from "./result.ts";
import { type CrawlStats, emptyStats } from "./stats.ts";
import { type FetcherConfig, fetchUrl } from "../fetch/fetcher.ts";
import type {
  CrawlFrontier,
  FrontierBatch,
  FrontierEntry,
  ReadyEntry,
} from "../frontier/store.ts";
import { LOG_LEVELS, type LogLevel, type LogRecord } from "../telemetry/log.ts";
import { normalizeUrl } from "../url/normalize_url.ts";
import {
  type PackedPage,
  packPage,
  parseHtml,
  type ParseInput,
} from "../parse/parse_html.ts";
import { ParseBatcher } from "../parse/parse_batcher.ts";
import type { BatchItem, BatchResult } from "../parse/parse_worker.ts";
import { RobotsCache } from "../robots/robots_cache.ts";
import { ScopeFilter } from "../guards/scope.ts";
import { SsrfError, SsrfGuard } from "../guards/ssrf_guard.ts";
import type { TrapReason } from "../guards/trap_guard.ts";
import { urlExtension } from "../guards/skip_extensions.ts";
import { newId, type Trace, traceVar } from "../telemetry/trace.ts";

/** The default `User-Agent`. */
export { DEFAULT_USER_AGENT } from "./defaults.ts";
/** Sitemap URLs kept in the stats at most. */
const MAX_SITEMAPS = 1000;

/**
 * A crawl of the web from a set of seed URLs.
 *
 * `run()` returns the results as an async iterator in completion order.
 * Breaking out of the `for await`, aborting `signal`, or disposing the
 * crawler stops everything it started: requests are aborted, parser workers
 * terminated, and no task outlives the crawl.
 *
 * @example Crawl a site and read live stats
 * ```ts ignore
 * import { Crawler } from "@trawl/trawl";
 *
 * await using crawler = new Crawler(["https://example.com/"], { maxPages: 100 });
 * for await (const result of crawler.run()) {
 *   console.log(result.status, result.url, crawler.stats.queued);
 * }
 * ```
 */
export class Crawler {
  readonly #seeds: string[];
  readonly #opts: Resolved;
  readonly #scope: ScopeFilter;
  readonly #stats: CrawlStats;
  readonly #traceId = newId(16);
  readonly #filters: { include: string[]; exclude: string[] };
  #started = false;
  #frontier?: CrawlFrontier;
  #iterator?: AsyncGenerator<CrawlResult, void, undefined>;

  /**
   * Validates the seeds and options (throwing `TypeError`/`RangeError` on bad
   * input); nothing starts until `run()`.
   *
   * @param seeds Absolute http(s) URLs to start from.
   * @param options How to crawl.
   */
  constructor(seeds: Iterable<string>, options: CrawlOptions = {}) {
    this.#opts = resolveOptions(options);
    this.#seeds = [];
    for (const seed of seeds) {
      const url = normalizeUrl(String(seed));
      if (url === undefined) {
        throw new TypeError(
          `Cannot crawl as seed '${seed}' is not an absolute http(s) URL`,
        );
      }
      if (!this.#seeds.includes(url)) this.#seeds.push(url);
    }
    const describeFilter = (f: URLPattern | RegExp) =>
      f instanceof RegExp ? String(f) : describePattern(f);
    this.#filters = {
      include: (options.include ?? []).map(describeFilter),
      exclude: (options.exclude ?? []).map(describeFilter),
    };
    this.#scope = new ScopeFilter(this.#seeds, {
      scope: this.#opts.scope,
      include: options.include,
      exclude: options.exclude,
    });
    this.#stats = emptyStats();
  }

  /** A live snapshot of the crawl's counters. */
  get stats(): CrawlStats {
    const s = this.#stats;
    if (this.#frontier) s.queued = this.#frontier.queued;
    if (this.#started && !this.#finished) {
      s.elapsedMs = Date.now() - s.startedAt;
    }
    return s;
  }

  #finished = false;

  /** The seeds, in normal form and without repeats. */
  get seeds(): readonly string[] {
    return this.#seeds;
  }

  /**
   * The options that shape what is crawled, as JSON-safe values: a durable
   * or shared store refuses to continue a crawl whose settings differ.
   */
  get settings(): Readonly<Record<string, unknown>> {
    const o = this.#opts;
    return {
      scope: o.scope,
      include: this.#filters.include,
      exclude: this.#filters.exclude,
      maxDepth: o.maxDepth === Infinity ? null : o.maxDepth,
      maxPages: o.maxPages === Infinity ? null : o.maxPages,
      maxPagesPerHost: o.maxPagesPerHost === Infinity
        ? null
        : o.maxPagesPerHost,
      maxLinksPerPage: o.maxLinksPerPage,
      respectRobots: o.respectRobots,
      userAgent: o.userAgent,
      skipExtensions: [...o.skipExtensions].sort(),
      allowPrivateNetworks: o.allowPrivateNetworks,
      traps: o.traps.limits,
    };
  }

  /**
   * Starts the crawl and returns its results, first done, first out. Call it
   * once.
   *
   * @returns An async iterator of results.
   */
  run(): AsyncIterableIterator<CrawlResult> {
    if (this.#started) {
      throw new Error("Cannot run a Crawler twice: create a new one");
    }
    this.#started = true;
    this.#iterator = this.#run();
    return this.#iterator;
  }

  /** Stops the crawl (if running) and waits until nothing of it is left. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.#iterator?.return();
  }

  async *#run(): AsyncGenerator<CrawlResult, void, undefined> {
    const o = this.#opts;
    this.#stats.startedAt = Date.now();
    const group = new TaskGroup({ signal: o.signal });
    const results = new BoundedQueue<CrawlResult>(
      Math.max(16, o.concurrency * 2),
    );
    const workerUrl = new URL("../parse/parse_worker.ts", import.meta.url);
    let pool: WorkerPool<BatchItem[], BatchResult[]> | undefined;
    let batcher: ParseBatcher | undefined;
    if (o.workers > 0) {
      // The worker loads modules from all over src/.
      const missing = missingWorkerPermission(new URL("../", import.meta.url));
      if (missing) {
        this.#log(
          "warn",
          `parsing on the main thread: parser workers need ${missing} to load their code`,
        );
      } else {
        pool = new WorkerPool<BatchItem[], BatchResult[]>(workerUrl, {
          size: o.workers,
          maxQueue: o.workers * 4,
          pipeline: 2,
          permissions: o.workerPermissions,
          context: traceVar,
          resourceLimits: o.workerPermissions === "none"
            ? undefined
            : PARSER_HEAP,
        });
        batcher = new ParseBatcher(pool, o.workers * 2);
      }
    }
    const monitor = o.stallThresholdMs === undefined
      ? undefined
      : new LoopMonitor({
        thresholdMs: o.stallThresholdMs,
        vars: [traceVar],
        onStall: (stall) => {
          const trace = stall.context[traceVar.name] as Trace | undefined;
          this.#emit({
            level: "warn",
            message:
              `event loop stalled for ${Math.round(stall.durationMs)} ms` +
              (stall.attributed ? "" : " (outside any tracked request)"),
            time: Date.now(),
            ...(trace
              ? { traceId: trace.traceId, spanId: trace.spanId, url: trace.url }
              : {}),
            stallMs: Math.round(stall.durationMs),
          });
        },
      });
    monitor?.start();
    const frontier = o.store.createFrontier({
      seeds: this.#seeds,
      settings: this.settings,
      mode: o.stateMode,
      perHostConcurrency: o.perHost.concurrency,
      perHostRate: o.perHost.rate,
      maxAccepted: o.maxPages,
      readySize: o.concurrency,
      clock: o.clock,
      spawn: (fn) => void group.spawn(fn),
      stats: this.#stats,
      onLog: (r: LogRecord) => this.#emit(r),
      restore: (url) => {
        const u = URL.parse(url);
        if (u) o.traps.admit(u);
      },
      // A store shared by several processes counts these for all of them.
      maxPagesPerHost: o.maxPagesPerHost,
      maxQueryVariants: o.traps.limits.maxQueryVariants,
      refuse: (e, reason) =>
        skippedResult(e.url, e.depth, reason, e.referrer, e.parentSpanId),
    });
    this.#frontier = frontier;
    const ssrf = o.allowPrivateNetworks ? undefined : new SsrfGuard({
      resolver: o.resolver,
      allowHosts: this.#seeds.map((s) => new URL(s).hostname),
      clock: o.clock,
    });
    /**
     * The SSRF guard's refusal of `url`, if any. A DNS failure is no
     * refusal: the request itself retries and reports it.
     */
    const refusal = async (
      url: URL,
      signal: AbortSignal,
    ): Promise<SsrfError | undefined> => {
      try {
        await ssrf?.check(url, { signal });
      } catch (err) {
        if (err instanceof SsrfError) return err;
        if (signal.aborted) throw signal.reason;
      }
      return undefined;
    };
    const robots = o.respectRobots
      ? new RobotsCache({
        checkUrl: ssrf && ((url: URL) => ssrf.check(url)),
        userAgent: o.userAgent,
        fetch: o.fetch,
        clock: o.clock,
        timeoutMs: o.timeoutMs,
        idleTimeoutMs: o.idleTimeoutMs,
        onLog: (r: LogRecord) => this.#emit(r),
        store: frontier.robots,
      })
      : undefined;
    const delayApplied = new Set<string>();
    const breaker = o.circuitBreaker
      ? new KeyedCircuitBreaker<string>({ ...o.circuitBreaker, clock: o.clock })
      : undefined;
    const fetcher: FetcherConfig = {
      fetch: o.fetch,
      clock: o.clock,
      userAgent: o.userAgent,
      headers: o.headers,
      trustedOrigins: new Set(this.#seeds.map((s) => new URL(s).origin)),
      timeoutMs: o.timeoutMs,
      idleTimeoutMs: o.idleTimeoutMs,
      maxRedirects: o.maxRedirects,
      maxBodyBytes: o.maxBodyBytes,
      retries: o.retries,
      backoff: o.backoff,
      breaker,
      ssrf,
      checkHop: async (url, signal) => {
        if (!this.#scope.allows(url)) return "out-of-scope";
        if (await refusal(url, signal)) return "private-address";
        if (robots && !(await robots.get(url, { signal })).isAllowed(url)) {
          return "robots";
        }
        return undefined;
      },
      onThrottle: (host, ms, status) => {
        const now = o.clock.now();
        const rate = frontier.throttle(host, now + ms, now);
        if (rate !== undefined) {
          this.#log("warn", `host asked to slow down (HTTP ${status})`, {
            host,
            pauseMs: Math.round(ms),
            rate,
          });
        }
      },
      onRetry: (url, attempt, delayMs, why) => {
        this.#stats.retries++;
        const trace = traceVar.get();
        if (trace) trace.attempt = attempt + 1;
        this.#log("info", `retrying after ${why}`, {
          url,
          attempt,
          delayMs: Math.round(delayMs),
        });
      },
    };

    /** The result of a URL settled without a request. */
    const skippedResult = (
      url: string,
      depth: number,
      skip: SkipReason,
      referrer?: string,
      parentSpanId?: string,
    ): CrawlResult => {
      const result: CrawlResult = {
        url,
        finalUrl: url,
        status: 0,
        depth,
        links: 0,
        bytes: 0,
        attempts: 0,
        timings: { start: Date.now(), ttfb: 0, total: 0 },
        trace: { traceId: this.#traceId, spanId: newId() },
        skipped: skip,
      };
      if (referrer !== undefined) result.referrer = referrer;
      if (parentSpanId !== undefined) result.trace.parentSpanId = parentSpanId;
      return result;
    };

    /**
     * Adds a URL to `batch`: as a URL to queue, or as a finished result when
     * it needs no request (a skipped extension, a spider-trap refusal).
     */
    const accept = (
      batch: FrontierBatch,
      url: string,
      host: string,
      depth: number,
      referrer?: string,
      parentSpanId?: string,
      parsed?: URL,
    ): void => {
      const trap = parsed && o.traps.admit(parsed);
      const ext = o.skipExtensions.size > 0 ? urlExtension(url) : undefined;
      const skip: SkipReason | undefined = trap
        ? TRAP_SKIPS[trap]
        : ext !== undefined && o.skipExtensions.has(ext)
        ? "extension"
        : undefined;
      if (!skip) {
        const entry: FrontierEntry = { url, host, depth };
        if (referrer !== undefined) entry.referrer = referrer;
        if (parentSpanId !== undefined) entry.parentSpanId = parentSpanId;
        batch.found.push(entry);
        return;
      }
      batch.settled.push(
        skippedResult(url, depth, skip, referrer, parentSpanId),
      );
    };

    const processEntry = async (
      entry: ReadyEntry,
      signal: AbortSignal,
      batch: FrontierBatch,
    ): Promise<CrawlResult> => {
      const trace: Trace = {
        traceId: this.#traceId,
        spanId: newId(),
        parentSpanId: entry.parentSpanId,
        url: entry.url,
        depth: entry.depth,
        attempt: 1,
      };
      return await traceVar.run(trace, async () => {
        const startEpoch = Date.now();
        const t0 = o.clock.now();
        const result: CrawlResult = {
          url: entry.url,
          finalUrl: entry.url,
          status: 0,
          depth: entry.depth,
          referrer: entry.referrer,
          links: 0,
          bytes: 0,
          attempts: 0,
          timings: { start: startEpoch, ttfb: 0, total: 0 },
          trace: {
            traceId: trace.traceId,
            spanId: trace.spanId,
            parentSpanId: trace.parentSpanId,
          },
        };
        const done = (skipped?: SkipReason) => {
          if (skipped) result.skipped = skipped;
          result.timings.total = o.clock.now() - t0;
          if (result.referrer === undefined) delete result.referrer;
          if (result.trace.parentSpanId === undefined) {
            delete result.trace.parentSpanId;
          }
          return result;
        };
        const refused = await refusal(new URL(entry.url), signal);
        if (refused) {
          this.#log("warn", refused.message, { error: refused.name });
          return done("private-address");
        }
        if (robots) {
          const policy = await robots.get(entry.url, { signal });
          this.#noteRobots(policy, entry.host, delayApplied, frontier);
          if (!policy.isAllowed(entry.url)) return done("robots");
        }
        this.#stats.inFlight++;
        let out;
        try {
          out = await fetchUrl(entry.url, fetcher, signal);
        } finally {
          this.#stats.inFlight--;
        }
        result.status = out.status;
        result.finalUrl = out.finalUrl;
        if (out.contentType) result.contentType = out.contentType;
        result.bytes = out.bytes;
        result.attempts = out.attempts;
        result.timings.ttfb = out.ttfb;
        if (out.error) {
          result.error = { name: out.error.name, message: out.error.message };
          this.#log("warn", out.error.message, { error: out.error.name });
        }
        if (out.skipped === "private-address") {
          this.#log(
            "warn",
            `refused a redirect to an internal address: ${out.finalUrl}`,
          );
        }
        if (out.skipped || out.error || !out.body) return done(out.skipped);
        const body = out.body;
        const buffer =
          body.byteOffset === 0 && body.byteLength === body.buffer.byteLength
            ? body.buffer as ArrayBuffer
            : body.slice().buffer as ArrayBuffer;
        const input: ParseInput = {
          body: buffer,
          url: out.finalUrl,
          contentType: out.contentTypeHeader,
          maxLinks: o.maxLinksPerPage,
        };
        // Pages come back packed (links in one string, cheap to clone from a
        // worker); inline parsing packs too, so both take one path below.
        const parseInline = () =>
          packPage(parseHtml(new Uint8Array(buffer), input));
        let page: PackedPage;
        try {
          page = batcher
            ? await batcher.parse(input, trace, signal)
            : monitor
            ? monitor.track(parseInline)
            : parseInline();
        } catch (err) {
          if (signal.aborted) throw signal.reason;
          const e = err instanceof Error ? err : new Error(String(err));
          result.error = { name: e.name, message: e.message };
          this.#log("error", `parse failed: ${e.message}`, { error: e.name });
          return done();
        }
        if (page.title !== undefined) result.title = page.title;
        if (page.canonical !== undefined) result.canonical = page.canonical;
        const tag = (out.robotsTag ?? "").toLowerCase();
        const noindex = page.robots.noindex || /\b(noindex|none)\b/.test(tag);
        const nofollow = page.robots.nofollow ||
          /\b(nofollow|none)\b/.test(tag);
        if (noindex) result.noindex = true;
        if (nofollow) result.nofollow = true;
        const urls = page.links === "" ? [] : page.links.split("\n");
        const flagged = new Set(page.nofollow);
        // Links past maxLinksPerPage are counted but not followed.
        result.links = urls.length + page.truncated;
        if (o.includeLinks) result.linkList = urls;
        if (!nofollow && entry.depth < o.maxDepth) {
          const taken = new Set<string>();
          for (let i = 0; i < urls.length; i++) {
            if (flagged.has(i)) continue;
            const url = o.traps.stripSessionIds(urls[i]);
            if (frontier.has(url) || taken.has(url)) continue;
            taken.add(url);
            const u = new URL(url);
            if (!this.#scope.allows(u)) continue;
            accept(
              batch,
              url,
              u.host,
              entry.depth + 1,
              entry.url,
              trace.spanId,
              u,
            );
          }
        }
        return done();
      });
    };

    const fetchLoop = async (signal: AbortSignal) => {
      for (;;) {
        const entry = await frontier.next(signal);
        if (entry === undefined) return;
        const batch: FrontierBatch = { found: [], settled: [] };
        let emit: CrawlResult[];
        try {
          const result = await processEntry(entry, signal, batch);
          batch.page = { entry, result };
          const committed = frontier.commit(batch);
          emit = Array.isArray(committed) ? committed : await committed;
        } finally {
          entry.permit.release();
        }
        for (const r of emit) await results.put(r, { signal });
      }
    };

    let failure: unknown;
    let failed = false;
    // The fetch loops live until the frontier closes, so the group stays open
    // (and can take pumps) until the last result is settled.
    for (let i = 0; i < o.concurrency; i++) void group.spawn(fetchLoop);
    const watcher = group.wait().then(
      () => results.close(),
      (err) => {
        failed = true;
        failure = err;
        results.close();
      },
    );
    try {
      const seeds: FrontierBatch = { found: [], settled: [] };
      for (const seed of this.#seeds) {
        const u = new URL(seed);
        accept(seeds, seed, u.host, 0, undefined, undefined, u);
      }
      const settled = await frontier.open(seeds, group.signal);
      this.#log("info", `crawl started with ${this.#seeds.length} seed(s)`);
      for (const r of settled) {
        const flushed = frontier.flush();
        if (flushed) await flushed;
        this.#count(r);
        yield r;
      }
      for await (const first of results) {
        // Group commit: one flush for every result already waiting, then
        // yield them (nothing is yielded before its commit is durable).
        const ready = [first];
        while (ready.length < 256) {
          const next = results.tryGet();
          if (next === undefined) break;
          ready.push(next);
        }
        const flushed = frontier.flush();
        if (flushed) await flushed;
        for (const result of ready) {
          this.#count(result);
          yield result;
        }
      }
    } finally {
      group.cancel();
      monitor?.stop();
      await watcher;
      await pool?.close();
      await frontier.close();
      this.#finished = true;
      this.#stats.elapsedMs = Date.now() - this.#stats.startedAt;
      this.#stats.queued = 0;
    }
    if (failed) throw failure;
  }

  #noteRobots(
    policy: { crawlDelay(): number | undefined; sitemaps: string[] },
    host: string,
    applied: Set<string>,
    frontier: CrawlFrontier,
  ): void {
    if (applied.has(host)) return;
    applied.add(host);
    if (applied.size > 100_000) applied.clear();
    for (const s of policy.sitemaps) {
      if (this.#stats.sitemaps.length >= MAX_SITEMAPS) break;
      if (!this.#stats.sitemaps.includes(s)) this.#stats.sitemaps.push(s);
    }
    let delay = policy.crawlDelay();
    if (delay === undefined || delay <= 0) return;
    if (delay > this.#opts.maxCrawlDelay) {
      this.#log(
        "warn",
        `Crawl-delay ${delay}s capped at ${this.#opts.maxCrawlDelay}s`,
        { host },
      );
      delay = this.#opts.maxCrawlDelay;
    }
    frontier.limitHost(host, 1 / delay);
  }

  #count(result: CrawlResult): void {
    const s = this.#stats;
    s.done++;
    s.bytes += result.bytes;
    if (result.status > 0) {
      const cls = `${Math.floor(result.status / 100)}xx`;
      s.byStatusClass[cls] = (s.byStatusClass[cls] ?? 0) + 1;
    }
    if (result.error) s.errors++;
    if (result.skipped) {
      s.skipped[result.skipped] = (s.skipped[result.skipped] ?? 0) + 1;
    }
  }

  #log(
    level: LogLevel,
    message: string,
    fields: Record<string, unknown> = {},
  ): void {
    if (
      !this.#opts.onLog || LOG_LEVELS[level] < LOG_LEVELS[this.#opts.logLevel]
    ) return;
    const trace = traceVar.get();
    this.#emit({
      level,
      message,
      time: Date.now(),
      ...(trace
        ? { traceId: trace.traceId, spanId: trace.spanId, url: trace.url }
        : {}),
      ...fields,
    });
  }

  #emit(record: LogRecord): void {
    if (
      !this.#opts.onLog ||
      LOG_LEVELS[record.level] < LOG_LEVELS[this.#opts.logLevel]
    ) return;
    if (record.traceId === undefined) {
      const trace = traceVar.get();
      if (trace) {
        record.traceId = trace.traceId;
        record.spanId = trace.spanId;
        record.url ??= trace.url;
      }
    }
    try {
      this.#opts.onLog(record);
    } catch {
      // A failing log handler must not break the crawl.
    }
  }
}

/**
 * Crawls from `seeds` and yields one result per accepted URL, first done,
 * first out. Shorthand for `new Crawler(seeds, options).run()`.
 *
 * @example Crawl at most 500 pages
 * ```ts ignore
 * import { crawl } from "@trawl/trawl";
 *
 * for await (const r of crawl(["https://example.com/"], { maxPages: 500 })) {
 *   console.log(r.url, r.status, r.title);
 * }
 * ```
 *
 * @param seeds Absolute http(s) URLs to start from.
 * @param options How to crawl.
 * @returns The results, as an async iterator.
 */
export function crawl(
  seeds: Iterable<string>,
  options: CrawlOptions = {},
): AsyncIterableIterator<CrawlResult> {
  return new Crawler(seeds, options).run();
}

/** The skip reason each spider-trap defence reports. */
const TRAP_SKIPS: Readonly<Record<TrapReason, SkipReason>> = {
  "url-too-long": "url-too-long",
  "repeated-segments": "repeated-segments",
  "too-deep": "too-deep",
  "query-variants": "query-variants",
  "host-budget": "budget",
};

/**
 * The parser workers' heap: V8 would give each busy worker up to a 96 MiB
 * young generation and let its old generation grow to four times what
 * survives; a parse keeps little (a page's links), so a small young
 * generation costs no speed, and an old-generation limit under 2 GiB makes
 * V8 collect sooner (the live heap is a few MiB; the limit is never near).
 */
const PARSER_HEAP = {
  maxYoungGenerationSizeMb: 8,
  maxOldGenerationSizeMb: 1536,
} as const;
