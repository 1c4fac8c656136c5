/**
 * The work on one URL taken from the frontier: admit it, fetch it, parse
 * it, and sort the links it has into the batch it commits.
 *
 * @module
 */
import type { Clock } from "../concurrency/clock.ts";
import {
  type FetcherConfig,
  type FetchOutcome,
  fetchUrl,
} from "../fetch/fetcher.ts";
import type {
  CrawlFrontier,
  FrontierBatch,
  ReadyEntry,
} from "../frontier/store.ts";
import type { ScopeFilter } from "../guards/scope.ts";
import type { PackedPage, ParseInput } from "../parse/parse_html.ts";
import type { ResolvedContent } from "../content/content_options.ts";
import {
  contentInput,
  extractInput,
  readContent,
} from "../content/page_input.ts";
import { newId, type Trace, traceVar } from "../telemetry/trace.ts";
import type { Admission } from "./admission.ts";
import { baseResult } from "./base_result.ts";
import type { CrawlLog } from "./crawl_log.ts";
import type { PageParser } from "./page_parser.ts";
import type { CrawlResult, SkipReason } from "./result.ts";
import type { CrawlStats } from "./stats.ts";
import { triage, type TriageRules } from "./triage.ts";

/** What the page task works with. */
export interface PageTaskOptions {
  /** Admits the URL before its request. */
  admission: Admission;
  /** How pages are fetched (it admits each redirect hop). */
  fetcher: FetcherConfig;
  /** Parses pages. */
  parser: PageParser;
  /** Knows the URLs already accepted. */
  frontier: Pick<CrawlFrontier, "has">;
  /** Decides which links belong to the crawl. */
  scope: ScopeFilter;
  /** Sorts links into queued and settled (and strips session ids). */
  triage: TriageRules;
  /** Times the work. */
  clock: Clock;
  /** Links followed from one page at most. */
  maxLinksPerPage: number;
  /** Links followed only from pages shallower than this. */
  maxDepth: number;
  /** Keep each page's links in its result. */
  includeLinks: boolean;
  /** What to take from each page: selectors, content, the hook. */
  content?: ResolvedContent;
  /** The crawl's counters (`inFlight`). */
  stats: CrawlStats;
  /** The crawl's log. */
  log: CrawlLog;
}

/** What a parsed page says about following its links. */
interface PageLinks {
  /** The links, resolved, in document order. */
  urls: string[];
  /** Indexes of links marked `rel=nofollow`. */
  flagged: Set<number>;
  /** The page (or its `X-Robots-Tag`) said `nofollow`. */
  nofollow: boolean;
}

/**
 * Fetches, parses and follows one URL at a time, each in its own trace
 * span.
 *
 * @example Usage
 * ```ts ignore
 * const result = await page.run(entry, batch, signal);
 * ```
 */
export class PageTask {
  readonly #o: PageTaskOptions;
  readonly #content: ParseInput["content"];

  /**
   * Creates the task.
   *
   * @param options What it works with.
   */
  constructor(options: PageTaskOptions) {
    this.#o = options;
    this.#content = contentInput(options.content);
  }

  /**
   * Works on `entry`: its result, with the links it found added to `batch`.
   *
   * @param entry The URL taken from the frontier.
   * @param batch Where found links go.
   * @param signal Cancels the work (it then rejects with the reason).
   * @returns The URL's result.
   */
  run(
    entry: ReadyEntry,
    batch: FrontierBatch,
    signal: AbortSignal,
  ): Promise<CrawlResult> {
    const trace: Trace = {
      traceId: this.#o.triage.traceId,
      spanId: newId(),
      parentSpanId: entry.parentSpanId,
      url: entry.url,
      depth: entry.depth,
      attempt: 1,
    };
    return traceVar.run(trace, () => this.#visit(entry, trace, batch, signal));
  }

  async #visit(
    entry: ReadyEntry,
    trace: Trace,
    batch: FrontierBatch,
    signal: AbortSignal,
  ): Promise<CrawlResult> {
    const { admission, clock, log, maxDepth } = this.#o;
    const result = baseResult(entry, trace, Date.now());
    const t0 = clock.now();
    const done = (skipped?: SkipReason) => {
      if (skipped) result.skipped = skipped;
      result.timings.total = clock.now() - t0;
      return result;
    };
    const verdict = await admission.check(new URL(entry.url), 0, signal);
    if ("skip" in verdict) return done(verdict.skip);
    const out = await this.#fetch(entry.url, verdict.admitted, signal);
    result.status = out.status;
    result.finalUrl = out.finalUrl;
    if (out.contentType) result.contentType = out.contentType;
    result.bytes = out.bytes;
    result.attempts = out.attempts;
    result.timings.ttfb = out.ttfb;
    if (out.error) {
      result.error = { name: out.error.name, message: out.error.message };
      log.write("warn", out.error.message, { error: out.error.name });
    }
    if (out.skipped || out.error || !out.body) return done(out.skipped);
    const page = await this.#parse(entry.url, out, out.body, trace, signal);
    if (page instanceof Error) {
      result.error = { name: page.name, message: page.message };
      log.write("error", `parse failed: ${page.message}`, { error: page.name });
      return done();
    }
    const links = this.#read(result, page, out.robotsTag);
    if (!links.nofollow && entry.depth < maxDepth) {
      this.#follow(batch, entry, trace.spanId, links);
    }
    return done();
  }

  async #fetch(
    url: string,
    admitted: boolean,
    signal: AbortSignal,
  ): Promise<FetchOutcome> {
    const { stats, fetcher } = this.#o;
    stats.inFlight++;
    try {
      return await fetchUrl(url, fetcher, { signal, admitted });
    } finally {
      stats.inFlight--;
    }
  }

  /** The parsed page, or what made parsing fail. */
  async #parse(
    url: string,
    out: FetchOutcome,
    body: Uint8Array,
    trace: Trace,
    signal: AbortSignal,
  ): Promise<PackedPage | Error> {
    const buffer =
      body.byteOffset === 0 && body.byteLength === body.buffer.byteLength
        ? body.buffer as ArrayBuffer
        : body.slice().buffer as ArrayBuffer;
    const input: ParseInput = {
      body: buffer,
      url: out.finalUrl,
      contentType: out.contentTypeHeader,
      maxLinks: this.#o.maxLinksPerPage,
      content: this.#content,
      extract: this.#o.content?.extract === undefined
        ? undefined
        : extractInput(url, out, this.#o.content),
    };
    try {
      return await this.#o.parser.parse(input, trace, signal);
    } catch (err) {
      if (signal.aborted) throw signal.reason;
      return err instanceof Error ? err : new Error(String(err));
    }
  }

  /** Puts the page's title, canonical, robots flags and links into `result`. */
  #read(
    result: CrawlResult,
    page: PackedPage,
    robotsTag: string | null | undefined,
  ): PageLinks {
    if (page.title !== undefined) result.title = page.title;
    if (page.canonical !== undefined) result.canonical = page.canonical;
    const tag = (robotsTag ?? "").toLowerCase();
    const noindex = page.robots.noindex || /\b(noindex|none)\b/.test(tag);
    const nofollow = page.robots.nofollow || /\b(nofollow|none)\b/.test(tag);
    if (noindex) result.noindex = true;
    if (nofollow) result.nofollow = true;
    const urls = page.links === "" ? [] : page.links.split("\n");
    // Links past maxLinksPerPage are counted but not followed.
    result.links = urls.length + page.truncated;
    if (this.#o.includeLinks) result.linkList = urls;
    readContent(result, page, this.#o.log);
    // URLs the hook followed are followed like links, not counted as links.
    const follow = page.follow === undefined ? urls : [...urls, ...page.follow];
    return { urls: follow, flagged: new Set(page.nofollow), nofollow };
  }

  /** Sorts the page's new, in-scope links into `batch`. */
  #follow(
    batch: FrontierBatch,
    entry: ReadyEntry,
    spanId: string,
    links: PageLinks,
  ): void {
    const { frontier, scope, triage: rules } = this.#o;
    const { urls, flagged } = links;
    const taken = new Set<string>();
    for (let i = 0; i < urls.length; i++) {
      if (flagged.has(i)) continue;
      const url = rules.traps.stripSessionIds(urls[i]);
      if (frontier.has(url) || taken.has(url)) continue;
      taken.add(url);
      const u = new URL(url);
      if (!scope.allows(u)) continue;
      const found = {
        url,
        host: u.host,
        depth: entry.depth + 1,
        referrer: entry.url,
        parentSpanId: spanId,
      };
      triage(batch, found, u, rules);
    }
  }
}
