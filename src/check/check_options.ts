/**
 * Options of a link check ({@linkcode checkLinks}): the crawl's options
 * (scope, politeness, robots, timeouts…) and what counts as broken.
 *
 * @module
 */
import type { CrawlOptions } from "../crawler/options.ts";
import type { CrawlResult } from "../crawler/result.ts";
import { BOOLEAN, optional } from "../options/validate.ts";
import { parseStatusRanges, type StatusRange } from "./status_ranges.ts";

export type { StatusRange } from "./status_ranges.ts";

/**
 * How to check a site's links. The crawl options shape the crawl as
 * `crawl` does; a check keeps its crawl in memory.
 */
export interface CheckOptions extends
  Omit<
    CrawlOptions,
    "state" | "store" | "stateMode" | "includeReferences" | "includeLinks"
  > {
  /**
   * Statuses that count as fine, as ranges (`"200-299,403"`). Redirects are
   * followed, so the final status counts.
   *
   * @default {"200-299"}
   */
  accept?: string | readonly StatusRange[];
  /**
   * Check references outside the crawl's scope too (one request each, not
   * crawled); `false` counts them as skipped (`external`).
   *
   * @default {true}
   */
  external?: boolean;
  /**
   * Check `#fragment`s of links to crawled pages against their `id`s and
   * `<a name>`s.
   *
   * @default {true}
   */
  fragments?: boolean;
  /** Receives each crawled page's result (for a report or a progress line). */
  onResult?: (result: CrawlResult) => void;
}

/**
 * The defaults of the options a check adds to the crawl's.
 *
 * @example
 * ```ts
 * import { CHECK_DEFAULTS } from "./check_options.ts";
 *
 * console.log(CHECK_DEFAULTS.accept); // "200-299"
 * ```
 */
export const CHECK_DEFAULTS = {
  accept: "200-299",
  external: true,
  fragments: true,
} as const;

/** The check's own options, resolved. */
export interface ResolvedCheck {
  /** The accepted statuses. */
  accept: readonly StatusRange[];
  /** Check references outside the scope. */
  external: boolean;
  /** Check fragments. */
  fragments: boolean;
  /** The crawl's options. */
  crawl: CrawlOptions;
  /** Told about each crawled page. */
  onResult?: (result: CrawlResult) => void;
}

/**
 * Splits a check's options into its own (resolved and checked) and the
 * crawl's.
 *
 * @example
 * ```ts
 * import { resolveCheckOptions } from "./check_options.ts";
 * import assert from "node:assert/strict";
 *
 * const o = resolveCheckOptions({ accept: "200-299,403", maxPages: 10 });
 * assert.deepEqual(o.accept, [{ from: 200, to: 299 }, { from: 403, to: 403 }]);
 * assert.equal(o.crawl.maxPages, 10);
 * ```
 *
 * @param options What the caller gave.
 * @returns The resolved options.
 * @throws {TypeError} When an option has the wrong type.
 * @throws {RangeError} When a range runs backwards.
 */
export function resolveCheckOptions(options: CheckOptions): ResolvedCheck {
  const { accept, external, fragments, onResult, ...crawl } = options;
  const d = CHECK_DEFAULTS;
  return {
    accept: typeof accept === "string" || accept === undefined
      ? parseStatusRanges(accept ?? d.accept)
      : [...accept],
    external: optional(
      "check links",
      "external",
      external,
      BOOLEAN,
      d.external,
    ),
    fragments: optional(
      "check links",
      "fragments",
      fragments,
      BOOLEAN,
      d.fragments,
    ),
    crawl,
    ...(onResult ? { onResult } : {}),
  };
}
