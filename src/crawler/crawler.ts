/**
 * The crawler: a task tree of per-host pumps and fetchers around a
 * {@linkcode Frontier}, parsing in a worker pool, yielding results first
 * done, first out.
 *
 * @module
 */
import type { CrawlArchive } from "../archive/crawl_archive.ts";
import { MemoryStore } from "../frontier/memory_store.ts";
import type {
  CrawlFrontier,
  FrontierBatch,
  FrontierStore,
} from "../frontier/store.ts";
import { loadDomainRules } from "../guards/registrable_domain.ts";
import { ScopeFilter } from "../guards/scope.ts";
import { CrawlTelemetry } from "../telemetry/crawl_telemetry.ts";
import { newId } from "../telemetry/trace.ts";
import { normalizeUrl } from "../url/normalize_url.ts";
import { Admission } from "./admission.ts";
import { type CrawlLog, crawlLog } from "./crawl_log.ts";
import { CrawlTasks } from "./crawl_tasks.ts";
import { countResult } from "./count_result.ts";
import { deliver } from "./deliver.ts";
import { fetchReports } from "./fetch_reports.ts";
import type { CrawlOptions } from "./options.ts";
import { loadExtract } from "../content/extract_module.ts";
import { compileSelectors } from "../content/selector_rule.ts";
import { PageParser } from "./page_parser.ts";
import { pipelineSizes, startPipeline } from "./pipeline.ts";
import { PageTask } from "./page_task.ts";
import {
  describePattern,
  type Resolved,
  resolveOptions,
} from "./resolve_options.ts";
import {
  buildFrontier,
  fetcherConfig,
  robotsCache,
  ssrfGuard,
  startStallMonitor,
} from "./resources.ts";
import type { CrawlResult } from "./result.ts";
import { DEFAULT_USER_AGENT } from "./defaults.ts";
import { RobotsHints } from "./robots_hints.ts";
import { SitemapInbox } from "../sitemap/sitemap_inbox.ts";
import { SitemapTask } from "../sitemap/sitemap_task.ts";
import { openStore } from "./state_file.ts";
import { type CrawlStats, emptyStats } from "./stats.ts";
import { triage, type TriageRules } from "./triage.ts";

/** The default `User-Agent`. */
export { DEFAULT_USER_AGENT } from "./defaults.ts";

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
  /** The seeds and the sitemaps given: they define the scope. */
  readonly #roots: readonly string[];
  readonly #opts: Resolved;
  readonly #scope: ScopeFilter;
  readonly #stats: CrawlStats;
  readonly #traceId = newId(16);
  readonly #filters: { include: string[]; exclude: string[] };
  readonly #log: CrawlLog;
  #started = false;
  #finished = false;
  #frontier?: CrawlFrontier;
  #telemetry?: CrawlTelemetry;
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
    this.#roots = [...this.#seeds, ...this.#opts.sitemapUrls];
    this.#scope = new ScopeFilter(this.#roots, {
      scope: this.#opts.scope,
      include: options.include,
      exclude: options.exclude,
    });
    this.#stats = emptyStats();
    this.#log = crawlLog(this.#opts.onLog, this.#opts.logLevel);
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
      // Only when not the default, so states made before these existed match.
      ...(o.sitemaps ? {} : { sitemaps: false }),
      ...(o.sitemapUrls.length > 0 ? { sitemapUrls: o.sitemapUrls } : {}),
      ...(o.requisites ? { requisites: true } : {}),
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

  /**
   * The crawl. Each resource is registered for teardown where it is made;
   * at the end (or on a failure half-way) they are released in reverse:
   * the tasks stop, then what they used (robots cache, frontier), then the
   * parser workers and the stall monitor. A task's failure is thrown once
   * everything is released.
   */
  async *#run(): AsyncGenerator<CrawlResult, void, undefined> {
    const o = this.#opts;
    const log = this.#log;
    this.#stats.startedAt = Date.now();
    let tasks: CrawlTasks | undefined;
    try {
      // A hook module or a selector that cannot be used stops the crawl
      // before it starts.
      if (o.extract !== undefined) await loadExtract(o.extract);
      if (o.select !== undefined) await compileSelectors(o.select);
      if (o.scope === "domain") await loadDomainRules();
      await using stack = new AsyncDisposableStack();
      const monitor = stack.use(startStallMonitor(o.stallThresholdMs, log));
      const telemetry = this.#telemetry = stack.use(
        CrawlTelemetry.start({
          crawlId: this.#traceId,
          clock: o.clock,
          stats: () => this.stats,
        }),
      );
      const parser = stack.use(PageParser.start(o, log, monitor));
      const store = await openStore(o.store);
      // Everything the tasks use is registered with them: it is released
      // only once every task has stopped.
      tasks = stack.use(
        new CrawlTasks(o.signal, Math.max(16, o.concurrency * 2)),
      );
      // The admission comes once robots.txt can be read, after the frontier.
      const late: { admission?: Admission } = {};
      const frontier = this.#frontier = buildFrontier(store, o, {
        seeds: this.#seeds,
        settings: this.settings,
        spawn: tasks.spawn,
        stats: this.#stats,
        log,
        traceId: this.#traceId,
        requestless: (url) => late.admission?.refusedByRobots(url) ?? false,
      });
      tasks.defer(() => frontier.close());
      const archive = tasks.use(await this.#archive(store));
      const ssrf = ssrfGuard(o, this.#roots);
      const robots = tasks.use(
        robotsCache(o, ssrf, frontier.robots, log, archive),
      );
      const inbox = this.#sitemapInbox();
      const admission = late.admission = new Admission({
        scope: this.#scope,
        ssrf,
        robots,
        hints: this.#robotsHints(frontier, inbox),
        log,
        telemetry,
      });
      const page = this.#pageTask(frontier, parser, admission, inbox);
      const results = tasks.results;
      const sizes = pipelineSizes(o.concurrency);
      startPipeline(tasks, frontier, page, sizes, archive, o.clock);
      const settled = await frontier.open(this.#seedBatch(), tasks.signal);
      await archive?.open({
        checkpoints: frontier.checkpoints,
        // Old files are replaced by a crawl that starts over; a store
        // without checkpoints that outlives the process (a shared crawl)
        // keeps them.
        existing: frontier.checkpoints || store instanceof MemoryStore
          ? "replace"
          : "continue",
      });
      log.write(
        "info",
        `crawl started with ${this.#seeds.length} seed(s)` +
          (o.sitemapUrls.length > 0
            ? ` and ${o.sitemapUrls.length} sitemap(s)`
            : ""),
      );
      yield* deliver(frontier, settled, results, (r) => {
        countResult(this.#stats, r);
        telemetry?.result(r);
      });
    } finally {
      this.#finished = true;
      this.#stats.elapsedMs = Date.now() - this.#stats.startedAt;
      this.#stats.queued = 0;
    }
    tasks.throwIfFailed();
  }

  /**
   * The crawl's archive, when it keeps WARC files or a folder; its code is
   * loaded only then.
   */
  async #archive(store: FrontierStore): Promise<CrawlArchive | undefined> {
    const o = this.#opts;
    if (o.warc === undefined && o.save === undefined) return undefined;
    const { CrawlArchive } = await import("../archive/crawl_archive.ts");
    const worker = (store as { worker?: unknown }).worker;
    return new CrawlArchive({
      warc: o.warc,
      warcMaxSize: o.warcMaxSize,
      save: o.save,
      info: [
        ["software", DEFAULT_USER_AGENT],
        ["format", "WARC File Format 1.1"],
        [
          "conformsTo",
          "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/",
        ],
        ["robots", o.respectRobots ? "obey" : "ignore"],
        ["http-header-user-agent", o.userAgent],
        ["trawl-seeds", JSON.stringify(this.#seeds)],
        ["trawl-settings", JSON.stringify(this.settings)],
      ],
      worker: typeof worker === "string" ? worker : undefined,
      clock: o.clock,
      onLog: (level, message) => this.#log.write(level, message),
    });
  }

  /** The rules that settle found URLs without a request. */
  get #triageRules(): TriageRules {
    const o = this.#opts;
    const telemetry = this.#telemetry;
    return {
      traps: o.traps,
      skipExtensions: o.skipExtensions,
      traceId: this.#traceId,
      onSettled: telemetry && ((r) => telemetry.settled(r)),
    };
  }

  /** The seeds and the sitemaps given, sorted into queued and settled. */
  #seedBatch(): FrontierBatch {
    const batch: FrontierBatch = { found: [], settled: [] };
    const rules = this.#triageRules;
    for (const seed of this.#seeds) {
      const u = new URL(seed);
      triage(batch, { url: seed, host: u.host, depth: 0 }, u, rules);
    }
    for (const url of this.#opts.sitemapUrls) {
      if (this.#seeds.includes(url)) continue;
      const u = new URL(url);
      triage(batch, { url, host: u.host, depth: 0, sitemap: 0 }, u, rules);
    }
    return batch;
  }

  /**
   * Where robots.txt sitemaps wait to join the crawl, unless they are not
   * followed (`sitemaps: false`, robots.txt not read, or `maxDepth` 0: no
   * page they list would be crawled).
   */
  #sitemapInbox(): SitemapInbox | undefined {
    const o = this.#opts;
    if (!o.sitemaps || !o.respectRobots || o.maxDepth === 0) return undefined;
    return new SitemapInbox(this.#scope, this.#triageRules);
  }

  #robotsHints(frontier: CrawlFrontier, inbox?: SitemapInbox): RobotsHints {
    return new RobotsHints({
      sitemaps: this.#stats.sitemaps,
      maxCrawlDelay: this.#opts.maxCrawlDelay,
      limitHost: (host, rate) => frontier.limitHost(host, rate),
      onSitemaps: inbox?.offer,
      log: this.#log,
    });
  }

  #pageTask(
    frontier: CrawlFrontier,
    parser: PageParser,
    admission: Admission,
    inbox: SitemapInbox | undefined,
  ): PageTask {
    const o = this.#opts;
    const telemetry = this.#telemetry;
    const events = fetchReports({
      frontier,
      clock: o.clock,
      stats: this.#stats,
      log: this.#log,
      telemetry,
    });
    const fetcher = fetcherConfig(o, this.#roots, {
      admit: admission.admit,
      events,
      aroundAttempt: telemetry &&
        ((url, n, run) => telemetry.attempt(url, n, run)),
    });
    const shared = {
      admission,
      fetcher,
      frontier,
      scope: this.#scope,
      triage: this.#triageRules,
      clock: o.clock,
      maxDepth: o.maxDepth,
      stats: this.#stats,
      log: this.#log,
    };
    return new PageTask({
      ...shared,
      parser,
      maxLinksPerPage: o.maxLinksPerPage,
      includeLinks: o.includeLinks,
      includeReferences: o.includeReferences,
      requisites: o.requisites,
      archiving: o.warc !== undefined || o.save !== undefined,
      warc: o.warc !== undefined,
      mirror: o.save !== undefined,
      content: o,
      sitemaps: new SitemapTask({ ...shared, since: o.since }),
      inbox,
      telemetry,
    });
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
