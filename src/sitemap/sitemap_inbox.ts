/**
 * The sitemaps robots.txt files name, waiting to join the crawl: the
 * admission check hands them over when it reads a host's robots.txt, and
 * the next finished URL commits them with its batch.
 *
 * @module
 */
import type { CrawlFrontier, FrontierBatch } from "../frontier/store.ts";
import type { ScopeFilter } from "../guards/scope.ts";
import { triage, type TriageRules } from "../crawler/triage.ts";
import { normalizeUrl } from "../url/normalize_url.ts";

/** Sitemap URLs remembered as offered before the memory is cleared. */
const MAX_OFFERED = 100_000;

/** A sitemap named in robots.txt. */
interface Offered {
  url: string;
  /** The robots.txt that named it. */
  robots: string;
}

/**
 * Collects the `Sitemap:` URLs of the robots.txt files read, each once, and
 * puts those in the crawl's scope into a batch as sitemaps to fetch (depth
 * 0, `via: "robots"`, the robots.txt as referrer).
 *
 * @example A sitemap offered, then committed with the next batch
 * ```ts
 * import { SitemapInbox } from "./sitemap_inbox.ts";
 * import { ScopeFilter } from "../guards/scope.ts";
 * import { TrapGuard } from "../guards/trap_guard.ts";
 * import type { FrontierBatch } from "../frontier/store.ts";
 * import assert from "node:assert/strict";
 *
 * const inbox = new SitemapInbox(new ScopeFilter(["https://a.test/"]), {
 *   traps: new TrapGuard(),
 *   skipExtensions: new Set(["gz"]),
 *   traceId: "t",
 * });
 * inbox.offer(["/sitemap.xml.gz", "https://b.test/s.xml"], "https://a.test");
 * const batch: FrontierBatch = { found: [], settled: [] };
 * inbox.drainInto(batch, { has: () => false });
 * assert.deepEqual(batch.found.map((e) => [e.url, e.sitemap, e.via]), [
 *   ["https://a.test/sitemap.xml.gz", 0, "robots"],
 * ]);
 * ```
 */
export class SitemapInbox {
  readonly #scope: ScopeFilter;
  readonly #rules: TriageRules;
  readonly #offered = new Set<string>();
  #pending: Offered[] = [];

  /**
   * Creates an empty inbox.
   *
   * @param scope The crawl's scope: sitemaps outside it are not fetched.
   * @param rules The rules that sort found URLs (spider traps).
   */
  constructor(scope: ScopeFilter, rules: TriageRules) {
    this.#scope = scope;
    this.#rules = rules;
  }

  /**
   * Takes the `Sitemap:` URLs of `origin`'s robots.txt (relative ones are
   * resolved against it); one offered before is ignored.
   *
   * @param urls The URLs, as written.
   * @param origin The origin whose robots.txt named them.
   */
  offer = (urls: readonly string[], origin: string): void => {
    const robots = `${origin}/robots.txt`;
    for (const raw of urls) {
      const url = normalizeUrl(raw, robots);
      if (url === undefined || this.#offered.has(url)) continue;
      if (this.#offered.size >= MAX_OFFERED) this.#offered.clear();
      this.#offered.add(url);
      this.#pending.push({ url, robots });
    }
  };

  /**
   * Moves the sitemaps offered since the last call into `batch`: those the
   * frontier has not seen and the scope allows.
   *
   * @param batch The batch to commit them with.
   * @param frontier Knows the URLs already accepted.
   */
  drainInto(batch: FrontierBatch, frontier: Pick<CrawlFrontier, "has">): void {
    if (this.#pending.length === 0) return;
    const pending = this.#pending;
    this.#pending = [];
    for (const { url, robots } of pending) {
      if (frontier.has(url)) continue;
      const u = new URL(url);
      if (!this.#scope.allows(u)) continue;
      const entry = {
        url,
        host: u.host,
        depth: 0,
        referrer: robots,
        via: "robots" as const,
        sitemap: 0,
      };
      triage(batch, entry, u, this.#rules);
    }
  }
}
