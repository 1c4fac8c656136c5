/**
 * The link checker: crawls a site as `crawl` does (scope, politeness,
 * robots.txt) with every page's references, and checks each reference:
 * pages of the crawl by their own result, everything else (images,
 * stylesheets, scripts, frames, media, other sites, links the crawl does not
 * follow) with one request each (see `reference_probe.ts`), `#fragment`s
 * against the target page's anchors. It yields each broken link once, with
 * every page that references it, when the check is over.
 *
 * @module
 */
import { Semaphore } from "../concurrency/semaphore.ts";
import { TaskGroup } from "../concurrency/task_group.ts";
import { Admission } from "../crawler/admission.ts";
import { crawlLog } from "../crawler/crawl_log.ts";
import { Crawler } from "../crawler/crawler.ts";
import { fetchReports } from "../crawler/fetch_reports.ts";
import { type Resolved, resolveOptions } from "../crawler/resolve_options.ts";
import { fetcherConfig, robotsCache, ssrfGuard } from "../crawler/resources.ts";
import type { CrawlResult } from "../crawler/result.ts";
import type { CrawlStats } from "../crawler/stats.ts";
import { MemoryStore } from "../frontier/memory_store.ts";
import type { CrawlFrontier } from "../frontier/store.ts";
import { ScopeFilter } from "../guards/scope.ts";
import {
  type CheckOptions,
  resolveCheckOptions,
  type ResolvedCheck,
} from "./check_options.ts";
import { type BrokenLink, LinkBook } from "./link_book.ts";
import { ReferenceProbe } from "./reference_probe.ts";
import { pageVerdict } from "./page_verdict.ts";

export type { CheckOptions } from "./check_options.ts";
export type { BrokenLink, Referrer } from "./link_book.ts";

/** Counters of a link check. */
export interface CheckStats {
  /** Pages the crawl finished. */
  pages: number;
  /** References counted (excluded ones not). */
  references: number;
  /** Distinct URLs checked (fine or broken; skipped ones not). */
  checked: number;
  /** Distinct URLs that were fine. */
  ok: number;
  /** Broken links (URLs, and URLs with a missing fragment). */
  broken: number;
  /** References not checked, by reason (`robots`, `external`, …). */
  skipped: Record<string, number>;
  /** `mailto:`, `tel:`, `javascript:`, `data:` and unparsable references. */
  unchecked: number;
  /** References matching `exclude`. */
  excluded: number;
  /** Fragments checked against a crawled page's anchors. */
  fragments: number;
  /** Fragments whose page was not crawled as HTML (not checked). */
  fragmentsUnchecked: number;
  /** Requests sent to check references the crawl did not fetch. */
  requests: number;
  /** URLs waiting for a verdict. */
  pending: number;
}

/**
 * A link check of the sites the seeds start.
 *
 * @example Check a site
 * ```ts ignore
 * import { LinkChecker } from "@trawl/trawl";
 *
 * await using checker = new LinkChecker(["https://example.com/"]);
 * for await (const link of checker.run()) {
 *   console.log(link.status, link.url, link.referrers.length);
 * }
 * console.log(checker.stats.checked);
 * ```
 */
export class LinkChecker implements AsyncDisposable {
  readonly #o: ResolvedCheck;
  /** The crawl's options resolved (the probe's fetcher and limits). */
  readonly #resolved: Resolved;
  readonly #crawler: Crawler;
  readonly #book = new LinkBook();
  readonly #scope: ScopeFilter;
  readonly #exclude?: ScopeFilter;
  #frontier?: CrawlFrontier;
  #probe?: ReferenceProbe;
  #pages = 0;
  #unchecked = 0;
  #excluded = 0;
  #started = false;
  #iterator?: AsyncGenerator<BrokenLink, void, undefined>;

  /**
   * Validates the seeds and options; nothing starts until `run()`.
   *
   * @param seeds Absolute http(s) URLs to start from.
   * @param options How to crawl, and what counts as broken.
   * @throws {TypeError} On a bad seed or option type.
   * @throws {RangeError} On an option out of range.
   */
  constructor(seeds: Iterable<string>, options: CheckOptions = {}) {
    this.#o = resolveCheckOptions(options);
    this.#resolved = resolveOptions(this.#o.crawl);
    const memory = new MemoryStore();
    this.#crawler = new Crawler(seeds, {
      ...this.#o.crawl,
      includeReferences: true,
      store: {
        createFrontier: (context) =>
          this.#frontier = memory.createFrontier(context),
      },
    });
    const seedUrls = this.#crawler.seeds;
    this.#scope = new ScopeFilter(seedUrls, { scope: this.#o.crawl.scope });
    if (this.#o.crawl.exclude?.length) {
      this.#exclude = new ScopeFilter(seedUrls, {
        scope: "any",
        exclude: this.#o.crawl.exclude,
      });
    }
  }

  /** The crawl's live counters. */
  get crawlStats(): CrawlStats {
    return this.#crawler.stats;
  }

  /** A snapshot of the check's counters. */
  get stats(): CheckStats {
    const book = this.#book.stats;
    return {
      pages: this.#pages,
      ...book,
      unchecked: this.#unchecked,
      excluded: this.#excluded,
      requests: this.#probe?.requests ?? 0,
      pending: this.#book.waiting,
    };
  }

  /**
   * Runs the check and yields each broken link once it is over. Call it
   * once.
   *
   * @returns The broken links.
   */
  run(): AsyncIterableIterator<BrokenLink> {
    if (this.#started) {
      throw new Error("Cannot run a LinkChecker twice: create a new one");
    }
    this.#started = true;
    this.#iterator = this.#run();
    return this.#iterator;
  }

  /** Stops the check (if running) and waits until nothing of it is left. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.#iterator?.return();
  }

  async *#run(): AsyncGenerator<BrokenLink, void, undefined> {
    await using probes = new TaskGroup({ signal: this.#o.crawl.signal });
    const probe = this.#probe = this.#makeProbe();
    const limit = new Semaphore(this.#resolved.concurrency);
    const check = (url: string) => {
      void probes.spawn(async (signal) => {
        using _permit = await limit.acquire({ signal });
        this.#book.settle(url, await probe.check(url, signal));
      });
    };
    for await (const result of this.#crawler.run()) {
      this.#pages++;
      this.#o.onResult?.(result);
      this.#take(result, check);
    }
    // What the crawl did not fetch after all (a budget, a trap defence).
    for (const url of this.#book.pending()) check(url);
    await probes.wait();
    yield* this.#book.finish();
  }

  /** Settles a crawled page and books its references. */
  #take(result: CrawlResult, check: (url: string) => void): void {
    const verdict = pageVerdict(result, this.#o.accept);
    if (verdict) this.#book.settle(result.url, verdict);
    else if (!this.#book.isSettled(result.url)) check(result.url);
    if (result.anchors && this.#o.fragments) {
      this.#book.anchorsOf(result.url, result.anchors, result.status);
      if (result.finalUrl !== result.url) {
        this.#book.anchorsOf(result.finalUrl, result.anchors, result.status);
      }
    }
    this.#unchecked += result.unchecked ?? 0;
    for (const ref of result.references ?? []) {
      const url = new URL(ref.url);
      if (this.#exclude && !this.#exclude.allows(url)) {
        this.#excluded++;
        continue;
      }
      const inScope = this.#scope.allows(url);
      if (!inScope && !this.#o.external) {
        this.#book.settle(ref.url, { kind: "skipped", reason: "external" });
      }
      const referrer = {
        page: result.url,
        ...(ref.text !== undefined ? { text: ref.text } : {}),
      };
      if (ref.fragment !== undefined && this.#o.fragments) {
        this.#book.referFragment(ref.url, ref.fragment, referrer);
      }
      if (this.#book.refer(ref.url, referrer) !== "new") continue;
      // A link the crawl accepted gets its verdict from the crawl's result.
      if (inScope && ref.kind === "link" && this.#frontier?.has(ref.url)) {
        continue;
      }
      check(ref.url);
    }
  }

  /** The probe, with the crawl's fetcher, robots.txt and host slots. */
  #makeProbe(): ReferenceProbe {
    const o = this.#resolved;
    const seeds = this.#crawler.seeds;
    const log = crawlLog(o.onLog, o.logLevel);
    const ssrf = ssrfGuard(o, seeds);
    const robots = robotsCache(o, ssrf, undefined, log);
    const admission = new Admission({
      scope: new ScopeFilter(seeds, { scope: "any" }),
      ssrf,
      robots,
      log,
    });
    const frontier = (): CrawlFrontier | undefined => this.#frontier;
    const events = fetchReports({
      frontier: {
        throttle: (host, until, now, cause) =>
          frontier()?.throttle(host, until, now, cause),
        answered: (host, answer, now) =>
          frontier()?.answered?.(host, answer, now),
      },
      clock: o.clock,
      stats: this.#crawler.stats,
      log,
    });
    return new ReferenceProbe({
      fetcher: fetcherConfig(o, seeds, { admit: admission.admit, events }),
      slot: (host, signal) =>
        frontier()?.acquireHost?.(host, signal) ??
          Promise.resolve({ release() {} }),
      accept: this.#o.accept,
      robots,
    });
  }
}

/**
 * Checks the links of the sites `seeds` start and yields each broken one
 * (with every page that references it) when the check is over. Shorthand
 * for `new LinkChecker(seeds, options).run()`.
 *
 * @example Fail a build on a broken link
 * ```ts ignore
 * import { checkLinks } from "@trawl/trawl";
 *
 * let broken = 0;
 * for await (const link of checkLinks(["http://localhost:8000/"])) {
 *   console.error(link.status, link.url, link.referrers.map((r) => r.page));
 *   broken++;
 * }
 * if (broken > 0) Deno.exit(1);
 * ```
 *
 * @param seeds Absolute http(s) URLs to start from.
 * @param options How to crawl, and what counts as broken.
 * @returns The broken links, as an async iterator.
 */
export function checkLinks(
  seeds: Iterable<string>,
  options: CheckOptions = {},
): AsyncIterableIterator<BrokenLink> {
  return new LinkChecker(seeds, options).run();
}
