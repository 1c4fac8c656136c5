/**
 * Link and metadata extraction from HTML with htmlparser2's streaming
 * tokenizer (no DOM is built): the full parse, used when a page needs more
 * than its links and metadata (see `parse_html.ts`; `link_scanner.ts` finds
 * the same links faster otherwise).
 *
 * @module
 */
import { type Handler, Parser } from "htmlparser2";
import { teeHandler } from "./tee_handler.ts";
import {
  DEFAULT_MAX_LINKS,
  type ExtractedPage,
  finishPage,
  PageScan,
} from "./page_scan.ts";

export {
  DEFAULT_MAX_LINKS,
  type ExtractedLink,
  type ExtractedPage,
  MAX_TITLE_LENGTH,
  type RobotsDirectives,
} from "./page_scan.ts";

/** Options for {@linkcode extractLinks}. */
export interface ExtractLinksOptions {
  /**
   * The most links to return per page; the rest are counted in
   * `truncated`. A non-negative integer, or `Infinity`.
   *
   * @default {10000}
   */
  maxLinks?: number;
  /**
   * The crawler's own robots name (e.g. `"trawl"`): a
   * `<meta name="trawl" content="...">` applies like `<meta name="robots">`.
   * Matched case-insensitively.
   *
   * @default {undefined}
   */
  botName?: string;
  /**
   * Also collect every reference and fragment target (see
   * `ExtractedPage.references`): for link checking and archiving.
   *
   * @default {false}
   */
  references?: boolean;
}

const PARSER_OPTIONS = {
  decodeEntities: true,
  lowerCaseTags: true,
  lowerCaseAttributeNames: true,
} as const;
/**
 * The link cap of {@linkcode ExtractLinksOptions}, checked.
 *
 * @example Usage
 * ```ts
 * import { linkCap } from "./extract_links.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(linkCap({}), 10_000);
 * assert.throws(() => linkCap({ maxLinks: -1 }), RangeError);
 * ```
 *
 * @param options The options.
 * @returns `maxLinks`, or its default.
 * @throws {RangeError} If `maxLinks` is not a non-negative integer or
 *   `Infinity`.
 */
export function linkCap(options: ExtractLinksOptions): number {
  const maxLinks = options.maxLinks ?? DEFAULT_MAX_LINKS;
  if (
    typeof maxLinks !== "number" ||
    !(maxLinks === Infinity || (Number.isInteger(maxLinks) && maxLinks >= 0))
  ) {
    throw new RangeError(
      `Cannot extract links as 'maxLinks' must be a non-negative integer: current value is ${maxLinks}`,
    );
  }
  return maxLinks;
}

/**
 * The crawler's robots name of {@linkcode ExtractLinksOptions}, trimmed and
 * lowercased (`""`: none).
 *
 * @example Usage
 * ```ts
 * import { botNameOf } from "./extract_links.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(botNameOf({ botName: " Trawl " }), "trawl");
 * ```
 *
 * @param options The options.
 * @returns The name to match `<meta name>` against.
 */
export function botNameOf(options: ExtractLinksOptions): string {
  return typeof options.botName === "string"
    ? options.botName.trim().toLowerCase()
    : "";
}

/**
 * Extracts the links and metadata of an HTML page with htmlparser2's
 * streaming parser. Never throws on any `html`.
 *
 * - Links are the `href`s of `<a>` and `<area>`, resolved against the
 *   first `<base href>` (wherever it appears: it applies to the whole
 *   document), else `baseUrl`, and normalized with `normalizeUrl`. Hrefs
 *   that do not normalize (`mailto:`, `javascript:`, garbage) are dropped
 *   and counted in `invalid`.
 * - Duplicates are merged: the first occurrence keeps its position, and a
 *   link is `nofollow` only if every occurrence has `rel` with the
 *   `nofollow` token (case-insensitive); otherwise the first followed
 *   occurrence's `rel` is kept.
 * - Past `maxLinks` distinct links, the rest are counted in `truncated`.
 * - The contents of `<script>`, `<style>`, comments and `<template>` yield
 *   nothing. A `<title>` inside `<svg>` or `<math>` is not the page title.
 * - `<meta name="robots">` (and `<meta name={botName}>`) directives
 *   `noindex`, `nofollow` and `none` (both) set `robots`. They are reported,
 *   not applied: links keep their own `nofollow`.
 *
 * @example Usage
 * ```ts
 * import { extractLinks } from "@trawl/trawl";
 * import assert from "node:assert/strict";
 *
 * const page = extractLinks(
 *   `<title>Home &amp; away</title>
 *    <a href="/a#top">A</a> <a href="b" rel="NoFollow">B</a>
 *    <a href="mailto:me@example.com">mail</a>`,
 *   "https://example.com/dir/",
 * );
 * assert.equal(page.title, "Home & away");
 * assert.deepEqual(page.links, [
 *   { url: "https://example.com/a", nofollow: false },
 *   { url: "https://example.com/dir/b", nofollow: true, rel: "nofollow" },
 * ]);
 * assert.equal(page.invalid, 1);
 * ```
 *
 * @param html The page's text.
 * @param baseUrl The page's URL (after redirects).
 * @param options The link cap and the crawler's robots name.
 * @returns The links and metadata.
 * @throws {RangeError} If `maxLinks` is not a non-negative integer or
 *   `Infinity`.
 */
export function extractLinks(
  html: string,
  baseUrl: string,
  options: ExtractLinksOptions = {},
): ExtractedPage {
  return scanPage(html, baseUrl, options);
}

/**
 * {@linkcode extractLinks}, with `also` receiving every event of the same
 * parse (e.g. a `DomHandler` building the page's tree), so a page is
 * tokenized once for its links and its content.
 *
 * @example Building a tree in the same pass
 * ```ts
 * import { DomHandler } from "domhandler";
 * import { scanPage } from "./extract_links.ts";
 * import assert from "node:assert/strict";
 *
 * const tree = new DomHandler();
 * const page = scanPage("<p><a href=/a>a</a></p>", "https://example.com/", {}, tree);
 * assert.equal(page.links.length, 1);
 * assert.equal(tree.root.children.length, 1);
 * ```
 *
 * @param html The page's text.
 * @param baseUrl The page's URL (after redirects).
 * @param options The link cap, the crawler's robots name, references.
 * @param also Another listener of the parse.
 * @returns The links and metadata.
 * @throws {RangeError} If `maxLinks` is not a non-negative integer or
 *   `Infinity`.
 */
export function scanPage(
  html: string,
  baseUrl: string,
  options: ExtractLinksOptions,
  also?: Partial<Handler>,
): ExtractedPage {
  const maxLinks = linkCap(options);
  const scan = new PageScan(botNameOf(options), options.references === true);
  const handler = also === undefined ? scan : teeHandler(scan, also);
  try {
    new Parser(handler, PARSER_OPTIONS).end(html);
  } catch {
    // htmlparser2 is forgiving; keep whatever was collected if it is not.
  }
  return finishPage(scan, baseUrl, maxLinks);
}
