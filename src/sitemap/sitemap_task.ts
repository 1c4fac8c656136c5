/**
 * The work on one sitemap taken from the frontier: admitted and fetched
 * like a page (the same politeness, robots.txt, SSRF checks, timeouts and
 * retries), then read as a stream; its pages and sitemaps join the crawl
 * like links do.
 *
 * @module
 */
import type { Exchange } from "../archive/exchange.ts";
import type { Clock } from "../concurrency/clock.ts";
import type { Admission } from "../crawler/admission.ts";
import { baseResult } from "../crawler/base_result.ts";
import type { CrawlLog } from "../crawler/crawl_log.ts";
import { fillResponse } from "../crawler/fill_response.ts";
import type { CrawlResult, SitemapSummary } from "../crawler/result.ts";
import type { CrawlStats } from "../crawler/stats.ts";
import { triage, type TriageRules } from "../crawler/triage.ts";
import type { BodyRule } from "../fetch/body_rule.ts";
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
import type { Trace } from "../telemetry/trace.ts";
import { SITEMAP_LIMITS } from "./limits.ts";
import type { SitemapEntry } from "./parse_sitemap.ts";
import { parseW3cDatetime } from "./w3c_datetime.ts";

/** A sitemap's body: any type (it is sniffed), up to 50 MB, a cut one kept. */
const SITEMAP_BODY: BodyRule = {
  accepts: () => true,
  maxBytes: SITEMAP_LIMITS.maxBytes,
  keepTruncated: true,
};

/** Body bytes handed to the reader at a time. */
const PIECE = 64 * 1024;

/** What the sitemap task works with. */
export interface SitemapTaskOptions {
  /** Admits the sitemap before its request. */
  admission: Admission;
  /** How it is fetched (the pages' fetcher: it admits each redirect hop). */
  fetcher: FetcherConfig;
  /** Knows the URLs already accepted. */
  frontier: Pick<CrawlFrontier, "has">;
  /** Decides which entries belong to the crawl. */
  scope: ScopeFilter;
  /** Sorts entries into queued and settled (and strips session ids). */
  triage: TriageRules;
  /** Times the work. */
  clock: Clock;
  /** Entries are followed only from sitemaps shallower than this. */
  maxDepth: number;
  /** Entries whose `<lastmod>` is older than this (epoch ms) are skipped. */
  since?: number;
  /** The crawl's counters (`inFlight`). */
  stats: CrawlStats;
  /** The crawl's log. */
  log: CrawlLog;
}

/**
 * Fetches and reads sitemaps. A sitemap's pages are queued one level below
 * it, with `via: "sitemap"`, the sitemap as referrer and their `lastmod`;
 * the sitemaps an index lists are queued at its own depth, one nesting
 * level down (up to {@linkcode SITEMAP_LIMITS}' `maxNesting`).
 *
 * @example Usage
 * ```ts ignore
 * const result = await sitemaps.run(entry, trace, batch, signal);
 * ```
 */
export class SitemapTask {
  readonly #o: SitemapTaskOptions;

  /**
   * Creates the task.
   *
   * @param options What it works with.
   */
  constructor(options: SitemapTaskOptions) {
    this.#o = options;
  }

  /**
   * Works on the sitemap `entry`: its result, with what it lists added to
   * `batch`.
   *
   * @param entry The sitemap taken from the frontier.
   * @param trace Its trace span (the caller runs this inside it).
   * @param batch Where its entries go.
   * @param signal Cancels the work (it then rejects with the reason).
   * @param exchanges Receives the request's exchanges, for the archive.
   * @returns The sitemap's result.
   */
  async run(
    entry: ReadyEntry,
    trace: Trace,
    batch: FrontierBatch,
    signal: AbortSignal,
    exchanges?: Exchange[],
  ): Promise<CrawlResult> {
    const { admission, clock, log } = this.#o;
    const result = baseResult(entry, trace, Date.now());
    const summary: SitemapSummary = { pages: 0, sitemaps: 0, followed: 0 };
    result.sitemap = summary;
    const t0 = clock.now();
    const done = () => {
      result.timings.total = clock.now() - t0;
      return result;
    };
    const verdict = await admission.check(new URL(entry.url), 0, signal);
    if ("skip" in verdict) {
      result.skipped = verdict.skip;
      return done();
    }
    const out = await this.#fetch(entry, verdict.admitted, signal, exchanges);
    fillResponse(result, out, entry.validators);
    if (out.error) {
      result.error = { name: out.error.name, message: out.error.message };
      log.write("warn", `sitemap not read: ${out.error.message}`, {
        error: out.error.name,
      });
    } else if (!out.body) {
      if (out.skipped) result.skipped = out.skipped;
      if (out.status !== 304) {
        log.write("warn", `sitemap not read: HTTP ${out.status}`);
      }
    } else {
      await this.#read(entry, out, batch, summary, signal);
    }
    return done();
  }

  async #fetch(
    entry: ReadyEntry,
    admitted: boolean,
    signal: AbortSignal,
    exchanges: Exchange[] | undefined,
  ): Promise<FetchOutcome> {
    const { stats, fetcher } = this.#o;
    stats.inFlight++;
    try {
      return await fetchUrl(entry.url, fetcher, {
        signal,
        admitted,
        body: SITEMAP_BODY,
        conditional: entry.validators,
        onExchange: exchanges && ((e) => void exchanges.push(e)),
      });
    } finally {
      stats.inFlight--;
    }
  }

  /** Reads the body, adding its entries to `batch`, and logs what it held. */
  async #read(
    entry: ReadyEntry,
    out: FetchOutcome,
    batch: FrontierBatch,
    summary: SitemapSummary,
    signal: AbortSignal,
  ): Promise<void> {
    const { log, maxDepth } = this.#o;
    const follow = entry.depth < maxDepth;
    const taken = new Set<string>();
    // Loaded with the first sitemap: a crawl without one never needs the
    // XML parser (nor htmlparser2, which it loads).
    const { parseSitemap } = await import("./parse_sitemap.ts");
    const report = await parseSitemap(pieces(out.body!), {
      base: out.finalUrl,
      signal,
      onEntry: (e) => {
        if (e.kind === "page") summary.pages++;
        else summary.sitemaps++;
        if (follow && this.#follow(entry, e, batch, summary, taken)) {
          summary.followed++;
        }
      },
    });
    summary.format = report.format;
    summary.gzip = report.gzip;
    const cut = report.cut ?? (out.truncated ? "bytes" : undefined);
    if (cut) summary.cut = cut;
    if (report.damaged !== undefined) summary.damaged = report.damaged;
    log.write(
      "info",
      `sitemap read: ${summary.pages} page(s), ${summary.sitemaps} sitemap(s), ${summary.followed} new`,
      { gzip: report.gzip, bytes: report.bytes },
    );
    if (cut) {
      log.write(
        "warn",
        cut === "urls"
          ? `sitemap cut after ${SITEMAP_LIMITS.maxUrls} entries: the rest was not read`
          : `sitemap cut at ${SITEMAP_LIMITS.maxBytes} bytes: the rest was not read`,
      );
    }
    if (report.damaged !== undefined) {
      log.write("warn", `sitemap damaged: ${report.damaged}`);
    }
  }

  /** Adds one entry to `batch` when it belongs to the crawl. */
  #follow(
    sitemap: ReadyEntry,
    e: SitemapEntry,
    batch: FrontierBatch,
    summary: SitemapSummary,
    taken: Set<string>,
  ): boolean {
    const { frontier, scope, triage: rules, since, log } = this.#o;
    const nesting = (sitemap.sitemap ?? 0) + 1;
    if (e.kind === "sitemap" && nesting > SITEMAP_LIMITS.maxNesting) {
      log.write("warn", `sitemap index nested too deep: ${e.url} not read`);
      return false;
    }
    if (since !== undefined && e.lastmod !== undefined) {
      const t = parseW3cDatetime(e.lastmod);
      if (t !== undefined && t < since) {
        summary.older = (summary.older ?? 0) + 1;
        return false;
      }
    }
    const url = rules.traps.stripSessionIds(e.url);
    if (frontier.has(url) || taken.has(url)) return false;
    taken.add(url);
    const u = new URL(url);
    if (!scope.allows(u)) return false;
    const found: FrontierEntry = {
      url,
      host: u.host,
      depth: e.kind === "page" ? sitemap.depth + 1 : sitemap.depth,
      referrer: sitemap.url,
      via: "sitemap",
    };
    if (sitemap.parentSpanId !== undefined) {
      found.parentSpanId = sitemap.parentSpanId;
    }
    if (sitemap.parentTraceId !== undefined) {
      found.parentTraceId = sitemap.parentTraceId;
    }
    if (e.lastmod !== undefined) found.lastmod = e.lastmod;
    if (e.kind === "sitemap") found.sitemap = nesting;
    triage(batch, found, u, rules);
    return true;
  }
}

/** `body` as a stream of pieces (views, not copies). */
function pieces(body: Uint8Array): ReadableStream<Uint8Array> {
  let offset = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (offset >= body.length) {
        controller.close();
        return;
      }
      controller.enqueue(body.subarray(offset, offset + PIECE));
      offset += PIECE;
    },
  });
}
