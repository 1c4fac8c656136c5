/**
 * What a host's robots.txt says besides allow and disallow: its `Sitemap:`
 * URLs (kept in the stats, and handed on to be crawled) and its
 * `Crawl-delay` (which slows the host down), taken once per host.
 *
 * @module
 */
import type { RobotsPolicy } from "../robots/robots_cache.ts";
import type { CrawlLog } from "./crawl_log.ts";

/** Sitemap URLs kept in the stats at most. */
const MAX_SITEMAPS = 1000;
/** Hosts remembered as done before the memory is cleared. */
const MAX_HOSTS = 100_000;

/** Where the hints of robots.txt go. */
export interface RobotsHintsOptions {
  /** The crawl's sitemap list (`stats.sitemaps`), filled in place. */
  sitemaps: string[];
  /** The longest `Crawl-delay` obeyed, in seconds; longer ones are capped. */
  maxCrawlDelay: number;
  /** Lowers a host's request rate (requests per second). */
  limitHost: (host: string, rate: number) => void;
  /**
   * Receives the `Sitemap:` URLs of each host's robots.txt (as written),
   * with the origin whose robots.txt named them, to be crawled.
   */
  onSitemaps?: (urls: readonly string[], origin: string) => void;
  /** The crawl's log. */
  log: CrawlLog;
}

/**
 * Takes each host's sitemaps and `Crawl-delay` from its robots.txt policy,
 * the first time the host is seen.
 *
 * @example A Crawl-delay of 2 s limits the host to 0.5 requests per second
 * ```ts
 * import { RobotsHints } from "./robots_hints.ts";
 * import { CrawlLog } from "./crawl_log.ts";
 * import assert from "node:assert/strict";
 *
 * const limits: [string, number][] = [];
 * const hints = new RobotsHints({
 *   sitemaps: [],
 *   maxCrawlDelay: 30,
 *   limitHost: (host, rate) => limits.push([host, rate]),
 *   log: new CrawlLog(undefined, "info"),
 * });
 * const policy = { sitemaps: [], crawlDelay: () => 2 };
 * hints.take(policy, "a.test");
 * hints.take(policy, "a.test");
 * assert.deepEqual(limits, [["a.test", 0.5]]);
 * ```
 */
export class RobotsHints {
  readonly #options: RobotsHintsOptions;
  readonly #seen = new Set<string>();

  /**
   * Creates the hints taker.
   *
   * @param options Where sitemaps and delays go.
   */
  constructor(options: RobotsHintsOptions) {
    this.#options = options;
  }

  /**
   * Takes the hints of `host`'s policy, unless they were taken already.
   *
   * @param policy The host's robots.txt policy.
   * @param host The host (hostname and port).
   * @param origin The origin whose robots.txt it is (for `onSitemaps`).
   */
  take(
    policy: Pick<RobotsPolicy, "sitemaps" | "crawlDelay">,
    host: string,
    origin?: string,
  ): void {
    const seen = this.#seen;
    if (seen.has(host)) return;
    seen.add(host);
    if (seen.size > MAX_HOSTS) seen.clear();
    const { sitemaps, maxCrawlDelay, limitHost, onSitemaps, log } =
      this.#options;
    for (const s of policy.sitemaps) {
      if (sitemaps.length >= MAX_SITEMAPS) break;
      if (!sitemaps.includes(s)) sitemaps.push(s);
    }
    if (onSitemaps && origin !== undefined && policy.sitemaps.length > 0) {
      onSitemaps(policy.sitemaps, origin);
    }
    let delay = policy.crawlDelay();
    if (delay === undefined || delay <= 0) return;
    if (delay > maxCrawlDelay) {
      log.write("warn", `Crawl-delay ${delay}s capped at ${maxCrawlDelay}s`, {
        host,
      });
      delay = maxCrawlDelay;
    }
    limitHost(host, 1 / delay);
  }
}
