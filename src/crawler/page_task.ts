/**
 * The work on one URL taken from the frontier: admit it, fetch it, parse
 * it, and sort the links it has into the batch it commits.
 *
 * @module
 */
import type { Exchange } from "../archive/exchange.ts";
import { responseHead } from "../archive/http_head.ts";
import { fitsPreparedBlock } from "../archive/prepared_block.ts";
import { requisiteUrls, stylesheetUrls } from "../archive/requisites.ts";
import type { Clock } from "../concurrency/clock.ts";
import {
  type FetcherConfig,
  type FetchOutcome,
  fetchUrl,
} from "../fetch/fetcher.ts";
import type {
  CrawlFrontier,
  FrontierBatch,
  FrontierEntry,
  ReadyEntry,
} from "../frontier/store.ts";
import type { ScopeFilter } from "../guards/scope.ts";
import type { ParseFailure } from "../parse/parse_batcher.ts";
import type { PackedPage, ParseInput } from "../parse/parse_html.ts";
import type { ResolvedContent } from "../content/content_options.ts";
import {
  contentInput,
  extractInput,
  followedLinks,
  readContent,
} from "../content/page_input.ts";
import type { CrawlTelemetry } from "../telemetry/crawl_telemetry.ts";
import type { PageSpan } from "../telemetry/spans.ts";
import { newId, type Trace, traceVar } from "../telemetry/trace.ts";
import type { Admission } from "./admission.ts";
import { baseResult, roundMs } from "./base_result.ts";
import type { CrawlLog } from "./crawl_log.ts";
import { fillResponse } from "./fill_response.ts";
import { newLinks, type PageLinkList } from "./new_links.ts";
import type { PageParser } from "./page_parser.ts";
import type { CrawlResult } from "./result.ts";
import type { SitemapInbox } from "../sitemap/sitemap_inbox.ts";
import type { SitemapTask } from "../sitemap/sitemap_task.ts";
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
  frontier: Pick<CrawlFrontier, "has" | "hasFingerprint">;
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
  /** Keep each page's references and anchors in its result. */
  includeReferences?: boolean;
  /** Also fetch each page's requisites (see the `requisites` option). */
  requisites?: boolean;
  /**
   * Collect every exchange of a request for the archive (every body is
   * then read, whatever its type): `FetchedPage.exchanges`.
   */
  archiving?: boolean;
  /**
   * The archive writes WARC files: each parsed page's response block is
   * hashed and compressed by the parser, off this thread
   * (`Exchange.prepared`).
   */
  warc?: boolean;
  /**
   * The archive saves bodies into a folder (`save`): the parser gets a copy
   * of each page's body, never the body itself.
   */
  mirror?: boolean;
  /** What to take from each page: selectors, content, the hook. */
  content?: ResolvedContent;
  /** The crawl's counters (`inFlight`). */
  stats: CrawlStats;
  /** The crawl's log. */
  log: CrawlLog;
  /** The crawl's OpenTelemetry hooks; absent when OpenTelemetry is off. */
  telemetry?: CrawlTelemetry;
  /** Fetches and reads the entries that are sitemaps. */
  sitemaps?: SitemapTask;
  /** The sitemaps robots.txt files named, committed with the next batch. */
  inbox?: SitemapInbox;
}

/** What a parsed page says about following its links. */
interface PageLinks extends PageLinkList {
  /** The page (or its `X-Robots-Tag`) said `nofollow`. */
  nofollow: boolean;
  /** URLs the extraction hook followed. */
  follow?: readonly string[];
}

/**
 * A URL whose request is over: its result so far and, when it has a body to
 * parse, the response. It waits for the parser holding no slot.
 */
export interface FetchedPage {
  /** The URL taken from the frontier (its permit already released). */
  entry: ReadyEntry;
  /** The request's trace. */
  trace: Trace;
  /** The result, filled in up to the response. */
  result: CrawlResult;
  /** When work on the URL began (clock time). */
  t0: number;
  /** The page's span, when tracing is on: `finish` ends it. */
  span?: PageSpan;
  /** The response, when there is a body to parse. */
  out?: FetchOutcome & { body: Uint8Array };
  /**
   * What a sitemap entry found: it is read whole while its request is in
   * flight (by the sitemap task), and its result is final.
   */
  found?: FrontierBatch;
  /**
   * The request's exchanges (each hop and retry), when the crawl is
   * archived, or the URL is a requisite (a stylesheet is read for what it
   * loads).
   */
  exchanges?: Exchange[];
}

/**
 * Fetches, parses and follows one URL at a time, each in its own trace
 * span (a sitemap goes to the sitemap task; a URL with stored validators, a
 * recrawl, is requested conditionally: a `304` ends it unread), in two
 * steps: {@linkcode PageTask.fetch} (the request, while the
 * fetcher holds its slot and the host's permit) and
 * {@linkcode PageTask.finish} (the parse and the links).
 *
 * @example Usage
 * ```ts ignore
 * const fetched = await page.fetch(entry, signal);
 * entry.permit.release();
 * const result = await page.finish(fetched, batch, signal);
 * ```
 */
export class PageTask {
  readonly #o: PageTaskOptions;
  /** The triage rules of requisites: no extension is skipped. */
  readonly #requisiteRules: TriageRules;
  readonly #content: ParseInput["content"];

  /**
   * Creates the task.
   *
   * @param options What it works with.
   */
  constructor(options: PageTaskOptions) {
    this.#o = options;
    this.#requisiteRules = { ...options.triage, skipExtensions: new Set() };
    this.#content = contentInput(options.content);
  }

  /**
   * Works on `entry` in one go: {@linkcode PageTask.fetch}, then
   * {@linkcode PageTask.finish}.
   *
   * @param entry The URL taken from the frontier.
   * @param batch Where found links go.
   * @param signal Cancels the work (it then rejects with the reason).
   * @returns The URL's result.
   */
  async run(
    entry: ReadyEntry,
    batch: FrontierBatch,
    signal: AbortSignal,
  ): Promise<CrawlResult> {
    return await this.finish(await this.fetch(entry, signal), batch, signal);
  }

  /**
   * Admits and requests `entry` (with its retries and redirects): the part
   * of the work that needs the host's permit.
   *
   * @param entry The URL taken from the frontier.
   * @param signal Cancels the request (it then rejects with the reason).
   * @returns The page, ready for {@linkcode PageTask.finish}.
   */
  fetch(entry: ReadyEntry, signal: AbortSignal): Promise<FetchedPage> {
    const trace: Trace = {
      traceId: this.#o.triage.traceId,
      spanId: newId(),
      parentSpanId: entry.parentSpanId,
      url: entry.url,
      depth: entry.depth,
      attempt: 1,
    };
    const { sitemaps, telemetry } = this.#o;
    const span = telemetry?.openPage(entry, trace);
    const step = () =>
      traceVar.run(
        trace,
        () =>
          entry.sitemap !== undefined && sitemaps
            ? this.#sitemap(entry, trace, signal)
            : this.#request(entry, trace, signal),
      );
    if (span === undefined) return step();
    return span.run(step).then(
      (page) => {
        page.span = span;
        return page;
      },
      (err) => {
        span.fail(err);
        throw err;
      },
    );
  }

  /**
   * Parses a fetched page and sorts its links into `batch`.
   *
   * @param page The page from {@linkcode PageTask.fetch}.
   * @param batch Where found links go.
   * @param signal Cancels the parse (it then rejects with the reason).
   * @returns The URL's result.
   */
  finish(
    page: FetchedPage,
    batch: FrontierBatch,
    signal: AbortSignal,
  ): Promise<CrawlResult> {
    const step = () =>
      traceVar.run(page.trace, async () => {
        const result = await this.#finish(page, batch, signal);
        const { inbox, frontier } = this.#o;
        inbox?.drainInto(batch, frontier);
        return result;
      });
    return page.span?.last(step) ?? step();
  }

  /** A sitemap: read whole by the sitemap task, its links kept for later. */
  async #sitemap(
    entry: ReadyEntry,
    trace: Trace,
    signal: AbortSignal,
  ): Promise<FetchedPage> {
    const found: FrontierBatch = { found: [], settled: [] };
    const t0 = this.#o.clock.now();
    const exchanges = this.#o.archiving ? [] : undefined;
    const result = await this.#o.sitemaps!.run(
      entry,
      trace,
      found,
      signal,
      exchanges,
    );
    return { entry, trace, result, t0, found, exchanges };
  }

  async #request(
    entry: ReadyEntry,
    trace: Trace,
    signal: AbortSignal,
  ): Promise<FetchedPage> {
    const { admission, clock, log } = this.#o;
    const result = baseResult(entry, trace, Date.now());
    const page: FetchedPage = { entry, trace, result, t0: clock.now() };
    const verdict = await admission.check(new URL(entry.url), 0, signal);
    if ("skip" in verdict) {
      result.skipped = verdict.skip;
      if (verdict.why) result.error = verdict.why;
      return page;
    }
    // A requisite's body is read whatever its type (a stylesheet is scanned).
    if (this.#o.archiving || entry.requisite) page.exchanges = [];
    const out = await this.#fetch(entry, verdict.admitted, signal, page);
    fillResponse(result, out, entry.validators);
    if (out.error) {
      result.error = { name: out.error.name, message: out.error.message };
      log.write("warn", out.error.message, { error: out.error.name });
    }
    if (entry.requisite) {
      // Not parsed: its type is no reason to skip it.
      if (out.skipped && out.skipped !== "content-type") {
        result.skipped = out.skipped;
      }
    } else if (out.skipped) result.skipped = out.skipped;
    else if (!out.error && out.body) page.out = { ...out, body: out.body };
    return page;
  }

  async #finish(
    fetched: FetchedPage,
    batch: FrontierBatch,
    signal: AbortSignal,
  ): Promise<CrawlResult> {
    const { clock, log, maxDepth } = this.#o;
    const { entry, trace, result, out, found } = fetched;
    if (found) {
      batch.found.push(...found.found);
      batch.settled.push(...found.settled);
      return result;
    }
    fetched.out = undefined; // the body is the parser's now
    if (entry.requisite && !result.error && !result.skipped) {
      this.#stylesheet(result, entry, trace, batch, fetched.exchanges ?? []);
    }
    if (out) {
      // The exchange that brought the body, for its WARC record.
      const exchange = this.#o.warc
        ? fetched.exchanges?.findLast((e) => e.body === out.body)
        : undefined;
      const page = await this.#parse(
        entry.url,
        out,
        out.body,
        trace,
        signal,
        fetched.exchanges !== undefined, // the archive's
        exchange,
      );
      if (page instanceof Error) {
        result.error = { name: page.name, message: page.message };
        log.write("error", `parse failed: ${page.message}`, {
          error: page.name,
        });
      } else {
        const links = this.#read(result, page, out.robotsTag);
        if (this.#o.requisites) {
          const urls = requisiteUrls(page.references);
          this.#addRequisites(batch, entry, trace, urls);
        }
        if (!links.nofollow && entry.depth < maxDepth) {
          this.#follow(batch, entry, trace, links);
        }
      }
    }
    result.timings.total = roundMs(clock.now() - fetched.t0);
    return result;
  }

  async #fetch(
    entry: ReadyEntry,
    admitted: boolean,
    signal: AbortSignal,
    page: FetchedPage,
  ): Promise<FetchOutcome> {
    const { stats, fetcher } = this.#o;
    const exchanges = page.exchanges;
    stats.inFlight++;
    try {
      return await fetchUrl(entry.url, fetcher, {
        signal,
        admitted,
        conditional: entry.validators,
        onExchange: exchanges && ((e) => void exchanges.push(e)),
      });
    } finally {
      stats.inFlight--;
    }
  }

  /**
   * The parsed page, or what made parsing fail. The body's buffer is handed
   * to the parser (a worker takes it over), unless the archive holds it.
   * With `warc`, the exchange the body came with, the parser also prepares
   * its WARC block (`Exchange.prepared`).
   */
  async #parse(
    url: string,
    out: FetchOutcome,
    body: Uint8Array,
    trace: Trace,
    signal: AbortSignal,
    held: boolean,
    warc?: Exchange,
  ): Promise<PackedPage | Error> {
    const head = warc && responseHead(warc);
    // The archive needs the body unless the parser makes its WARC block
    // (the body is then handed over, not copied).
    const handOver = !held ||
      (head !== undefined && !this.#o.mirror &&
        fitsPreparedBlock(head.byteLength, body.byteLength));
    const buffer = handOver && body.byteOffset === 0 &&
        body.byteLength === body.buffer.byteLength
      ? body.buffer as ArrayBuffer
      : body.slice().buffer as ArrayBuffer;
    const input: ParseInput = {
      body: buffer,
      url: out.finalUrl,
      contentType: out.contentTypeHeader,
      maxLinks: this.#o.maxLinksPerPage,
      references: this.#o.includeReferences || this.#o.requisites,
      // The worker strips session ids and fingerprints the links.
      sessionParams: this.#o.triage.traps.limits.sessionParams,
    };
    // Set only when asked for: every key travels to the parse worker.
    if (this.#content !== undefined) input.content = this.#content;
    const content = this.#o.content;
    if (content?.extract !== undefined) {
      input.extract = extractInput(url, out, content);
    }
    if (head) input.warcHead = head;
    try {
      const page = await this.#o.parser.parse(input, trace, signal);
      if (head && page.warc) warc!.prepared = { ...page.warc, head };
      return page;
    } catch (err) {
      if (signal.aborted) throw signal.reason;
      const block = (err as ParseFailure).warc;
      if (head && block) warc!.prepared = { ...block, head };
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
    if (page.references && this.#o.includeReferences) {
      result.references = page.references;
      result.anchors = page.anchors;
      result.unchecked = page.unchecked;
    }
    readContent(result, page, this.#o.log);
    return {
      urls,
      flagged: new Set(page.nofollow),
      keys: page.keys,
      nofollow,
      follow: page.follow,
    };
  }

  /**
   * A requisite is not parsed, but the `url()`s and `@import`s of a
   * stylesheet are requisites too.
   */
  #stylesheet(
    result: CrawlResult,
    entry: ReadyEntry,
    trace: Trace,
    batch: FrontierBatch,
    exchanges: readonly Exchange[],
  ): void {
    const urls = stylesheetUrls(exchanges);
    if (urls.length === 0) return;
    result.links = urls.length;
    this.#addRequisites(batch, entry, trace, urls);
  }

  /** Sorts a page's new, in-scope requisites into `batch`, at its depth. */
  #addRequisites(
    batch: FrontierBatch,
    entry: ReadyEntry,
    trace: Trace,
    urls: readonly string[],
  ): void {
    const { frontier, scope } = this.#o;
    const rules = this.#requisiteRules;
    for (const href of urls) {
      const url = rules.traps.stripSessionIds(href);
      if (frontier.has(url)) continue;
      const u = new URL(url);
      if (!scope.allows(u)) continue;
      const found: FrontierEntry = {
        url,
        host: u.host,
        depth: entry.depth,
        referrer: entry.url,
        parentSpanId: trace.spanId,
        requisite: true,
      };
      if (trace.traceId !== rules.traceId) found.parentTraceId = trace.traceId;
      triage(batch, found, u, rules);
    }
  }

  /** Sorts the page's new, in-scope links into `batch`. */
  #follow(
    batch: FrontierBatch,
    entry: ReadyEntry,
    trace: Trace,
    links: PageLinks,
  ): void {
    const { frontier, scope, triage: rules } = this.#o;
    const strip = (url: string) => rules.traps.stripSessionIds(url);
    const urls = newLinks(links, frontier, strip);
    // URLs the hook followed are followed like links, not counted as links.
    if (links.follow) {
      urls.push(...followedLinks(links.follow, urls, frontier, strip));
    }
    for (const url of urls) {
      const u = new URL(url);
      if (!scope.allows(u)) continue;
      const found: FrontierEntry = {
        url,
        host: u.host,
        depth: entry.depth + 1,
        referrer: entry.url,
        parentSpanId: trace.spanId,
      };
      // With OpenTelemetry on, each page has its own trace, not the crawl's.
      if (trace.traceId !== rules.traceId) found.parentTraceId = trace.traceId;
      triage(batch, found, u, rules);
    }
  }
}
