/**
 * The flags of sitemaps and recrawls, rows of the command's one flag table
 * (`FLAGS` in `flags.ts` takes them in its order).
 *
 * @module
 */
import { DEFAULTS } from "../crawler/defaults.ts";
import { POSITIVE_NUMBER } from "../options/validate.ts";
import { date, duration, httpUrl } from "./flag_parsers.ts";
import { OFF } from "./flag_defaults.ts";
import type { Flag } from "./flags.ts";

/** The sitemap flags, listed among the crawl's flags. */
export const SITEMAP_FLAGS: readonly Flag[] = [
  {
    name: "sitemap",
    arg: "URL",
    multiple: true,
    group: "Crawl",
    sets: "options.sitemapUrls",
    parse: httpUrl,
    help: "crawl from this sitemap too, or instead of seeds (repeatable): " +
      "a sitemap index, a gzip or a text sitemap; its host is in scope " +
      "like a seed's",
    default: "none",
  },
  {
    name: "no-sitemaps",
    group: "Crawl",
    sets: "options.sitemaps",
    value: !DEFAULTS.sitemaps,
    help: "do not follow the Sitemap: lines of robots.txt (by default the " +
      "sitemaps in scope are fetched and the pages they list crawled, " +
      'marked via: "sitemap")',
    default: OFF,
  },
  {
    name: "since",
    arg: "DATE",
    group: "Crawl",
    sets: "options.since",
    parse: date,
    help: "skip sitemap entries whose lastmod is older than DATE " +
      "(2024-06-01, or 2024-06-01T12:00:00Z); entries without one are kept",
    default: "none",
  },
];

/** The recrawl flags, listed with `--state`. */
export const RECRAWL_FLAGS: readonly Flag[] = [
  {
    name: "recrawl",
    group: "Output",
    sets: "options.recrawl",
    value: true,
    needs: { oneOf: ["state"], text: "--state PATH" },
    excludes: "fresh",
    help: "with --state: once the stored crawl is done, revisit every URL " +
      "it fetched, conditionally (If-None-Match, If-Modified-Since): " +
      'unchanged pages end as 304 "notModified", changed ones are read ' +
      "and their new links crawled; a stopped recrawl is continued by the " +
      "same command",
    default: OFF,
  },
  {
    name: "recrawl-older-than",
    arg: "DURATION",
    group: "Output",
    sets: "options.recrawlOlderThanMs",
    parse: duration(POSITIVE_NUMBER),
    needs: { oneOf: ["state"], text: "--state PATH" },
    excludes: "fresh",
    help: "like --recrawl, revisiting only URLs last fetched longer ago " +
      "than DURATION (30m, 12h, 7d, 1h30m; units ms, s, m, h, d, w)",
    default: "every URL",
  },
];
