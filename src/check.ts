/**
 * Link checking: {@linkcode checkLinks} (or the {@linkcode LinkChecker}
 * class) crawls a site as `crawl` does and yields each broken reference
 * (links, images, stylesheets, scripts, frames, media, other sites'
 * pages, `#fragment`s) once, with every page that has it.
 *
 * @example Check a site
 * ```ts ignore
 * import { checkLinks } from "@trawl/trawl/check";
 *
 * for await (const link of checkLinks(["http://localhost:8000/"])) {
 *   console.log(link.status, link.url, link.referrers.length);
 * }
 * ```
 *
 * @module
 */
export {
  type BrokenLink,
  checkLinks,
  type CheckStats,
  LinkChecker,
  type Referrer,
} from "./check/link_checker.ts";
export {
  CHECK_DEFAULTS,
  type CheckOptions,
  type StatusRange,
} from "./check/check_options.ts";
export { type ErrorSummary, MISSING_FRAGMENT } from "./check/link_book.ts";
export { parseStatusRanges } from "./check/status_ranges.ts";
