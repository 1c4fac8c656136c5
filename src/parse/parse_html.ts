/**
 * The whole parse step of a fetched page: decode the bytes, then extract
 * links and metadata. Runs inline or in a parse worker.
 *
 * @module
 */
import { DomHandler } from "domhandler";
import type { ExtractInput } from "../content/extract_page.ts";
import { type ContentOptions, pageContent } from "../content/page_content.ts";
import { needsTree } from "../content/needs_tree.ts";
import { decodeHtml } from "./charset.ts";
import {
  type ExtractedLink,
  type ExtractLinksOptions,
  type RobotsDirectives,
  scanPage,
} from "./extract_links.ts";
import type { PreparedBlock } from "../archive/prepared_block.ts";
import { type LinkKeys, linkKeys } from "./link_keys.ts";
import { scanLinks } from "./link_scanner.ts";
import type { PageReference } from "./references.ts";

/** The message a parse worker receives: a page body and how to read it. */
export interface ParseInput {
  /** The body bytes (transferred to the worker). */
  body: ArrayBuffer;
  /** The page's URL (after redirects), the base for relative links. */
  url: string;
  /** The response's `Content-Type` header, if any. */
  contentType?: string | null;
  /**
   * The most links to return.
   *
   * @default {10000}
   */
  maxLinks?: number;
  /**
   * The crawler's own robots meta name (e.g. `"trawl"`).
   *
   * @default {undefined}
   */
  botName?: string;
  /**
   * Also collect every reference and fragment target (link checking,
   * archiving): see `ExtractedPage.references`.
   *
   * @default {false}
   */
  references?: boolean;
  /**
   * Session parameter names to strip from the links before they are
   * fingerprinted for the frontier (see `LinkKeys`); none when absent.
   *
   * @default {undefined}
   */
  sessionParams?: readonly string[];
  /**
   * Content to take from the page: selectors, text, Markdown or HTML.
   *
   * @default {undefined}
   */
  content?: ContentOptions;
  /**
   * The extraction hook to run on the page, and what it needs.
   *
   * @default {undefined}
   */
  extract?: ExtractInput;
  /**
   * The response's HTTP head, when the page goes into a WARC file: the
   * parse then also hashes and compresses the record's block (see
   * `prepareBlock`) into `PackedPage.warc`.
   *
   * @default {undefined}
   */
  warcHead?: Uint8Array;
}

/** Options for {@linkcode parseHtml}. */
export interface ParseHtmlOptions {
  /** The page's URL (after redirects), the base for relative links. */
  url: string;
  /**
   * The response's `Content-Type` header, for its `charset`.
   *
   * @default {undefined}
   */
  contentType?: string | null;
  /**
   * The most links to return; the rest are counted in `truncated`.
   *
   * @default {10000}
   */
  maxLinks?: number;
  /**
   * The crawler's own robots meta name (e.g. `"trawl"`), honored like
   * `<meta name="robots">`.
   *
   * @default {undefined}
   */
  botName?: string;
  /**
   * Also collect every reference and fragment target (link checking,
   * archiving): see `ExtractedPage.references`.
   *
   * @default {false}
   */
  references?: boolean;
  /**
   * Parse with htmlparser2's full tokenizer even though only links and
   * metadata are wanted (the link scanner finds the same, faster).
   *
   * @default {false}
   */
  fullParse?: boolean;
  /**
   * Content to take from the page: selectors, text, Markdown or HTML.
   *
   * @default {undefined}
   */
  content?: ContentOptions;
}

/**
 * Whether a page needs htmlparser2's full parse: the one place that picks
 * the path. The link scanner (`scanLinks`) finds links, metadata and
 * references; an option that wants more of the page (content: selectors,
 * text, Markdown…) must make this return `true`.
 *
 * @example Usage
 * ```ts
 * import { needsFullParse } from "./parse_html.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(needsFullParse({ url: "https://a.test/" }), false);
 * assert.equal(needsFullParse({ url: "https://a.test/", fullParse: true }), true);
 * assert.equal(needsFullParse({ url: "https://a.test/", references: true }), false);
 * assert.equal(needsFullParse({ url: "https://a.test/", content: { content: "text" } }), true);
 * ```
 *
 * @param options The parse options.
 * @returns `true` for the htmlparser2 path.
 */
export function needsFullParse(options: ParseHtmlOptions): boolean {
  return options.fullParse === true || needsTree(options.content);
}

/**
 * A parsed page. A plain object of strings, numbers, booleans and arrays,
 * so it can be structured-cloned back from a worker. Absent values are
 * omitted, not `undefined`.
 */
export interface ParsedPage {
  /** The encoding the body was decoded with. */
  charset: string;
  /** The first `<title>`'s text, whitespace collapsed and trimmed. */
  title?: string;
  /** The page's links, normalized, deduplicated, in document order. */
  links: ExtractedLink[];
  /** The first `<base href>`, resolved, if valid. */
  base?: string;
  /** The `<link rel="canonical">` target, resolved, if any. */
  canonical?: string;
  /** The meta refresh target, resolved, if any. */
  refresh?: string;
  /** Meta robots directives. */
  robots: RobotsDirectives;
  /** How many link hrefs did not normalize. */
  invalid: number;
  /** How many distinct links were dropped past `maxLinks`. */
  truncated: number;
  /** With `references`: every reference, in document order. */
  references?: PageReference[];
  /** With `references`: the page's `id`s and `<a name>`s. */
  anchors?: string[];
  /** With `references`: references not checkable, or dropped past the cap. */
  unchecked?: number;
  /** The meta description, whitespace collapsed and trimmed. */
  description?: string;
  /** The `<html lang>` attribute. */
  lang?: string;
  /** The selectors' values and what the extraction hook returned. */
  data?: unknown;
  /** The page as text, Markdown or HTML, when asked for. */
  content?: string;
  /** Why the extraction hook gave nothing for this page. */
  extractError?: { name: string; message: string };
  /** URLs the extraction hook added with `follow()`, normalized. */
  follow?: string[];
}

/**
 * Decodes an HTML body (see `decodeHtml`) and extracts its links and
 * metadata: with the link scanner (`scanLinks`), or htmlparser2
 * (`scanPage`) when {@linkcode needsFullParse} says so, and takes the
 * content asked for. Never throws on any bytes; the same
 * function runs inline and in the parse worker pool.
 *
 * @example Usage
 * ```ts
 * import { parseHtml } from "./parse_html.ts";
 * import assert from "node:assert/strict";
 *
 * const body = new TextEncoder().encode(
 *   '<meta charset="utf-8"><title>Hi</title><a href="/next">next</a>',
 * );
 * const page = parseHtml(body, { url: "https://example.com/" });
 * assert.equal(page.charset, "utf-8");
 * assert.equal(page.title, "Hi");
 * assert.deepEqual(page.links, [
 *   { url: "https://example.com/next", nofollow: false },
 * ]);
 * ```
 *
 * @param bytes The body.
 * @param options The page URL, `Content-Type` and link cap.
 * @returns The parsed page, structured-cloneable.
 * @throws {RangeError} If `maxLinks` is not a non-negative integer or
 *   `Infinity`.
 */
export function parseHtml(
  bytes: Uint8Array,
  options: ParseHtmlOptions,
): ParsedPage {
  const { text, charset } = decodeHtml(bytes, options.contentType);
  return parseText(text, charset, options);
}

/**
 * {@linkcode parseHtml} on a body already decoded.
 *
 * @example Usage
 * ```ts
 * import { parseText } from "./parse_html.ts";
 * import assert from "node:assert/strict";
 *
 * const page = parseText("<h1>Hi</h1>", "utf-8", {
 *   url: "https://example.com/",
 *   content: { content: "markdown" },
 * });
 * assert.equal(page.content, "# Hi");
 * ```
 *
 * @param text The decoded body.
 * @param charset The encoding it was decoded with.
 * @param options The page URL, link cap and content options.
 * @returns The parsed page.
 */
export function parseText(
  text: string,
  charset: string,
  options: ParseHtmlOptions,
): ParsedPage {
  const wanted: ExtractLinksOptions = {
    maxLinks: options.maxLinks,
    botName: options.botName,
    references: options.references,
  };
  // Selectors and text/Markdown content read the page's tree, built in the
  // same htmlparser2 pass that finds the links.
  const tree = needsTree(options.content) ? new DomHandler() : undefined;
  const page = needsFullParse(options)
    ? scanPage(text, options.url, wanted, tree)
    : scanLinks(text, options.url, wanted);
  const parsed: ParsedPage = {
    charset,
    links: page.links,
    robots: page.robots,
    invalid: page.invalid,
    truncated: page.truncated,
  };
  if (page.title !== undefined) parsed.title = page.title;
  if (page.base !== undefined) parsed.base = page.base;
  if (page.canonical !== undefined) parsed.canonical = page.canonical;
  if (page.refresh !== undefined) parsed.refresh = page.refresh;
  if (page.references !== undefined) {
    parsed.references = page.references;
    parsed.anchors = page.anchors;
    parsed.unchecked = page.unchecked;
  }
  if (page.description !== undefined) parsed.description = page.description;
  if (page.lang !== undefined) parsed.lang = page.lang;
  if (options.content !== undefined) {
    const base = page.base ?? options.url;
    Object.assign(
      parsed,
      pageContent(tree?.root, text, base, options.content),
    );
  }
  return parsed;
}

/**
 * A {@linkcode ParsedPage} packed to cross threads cheaply: the links travel
 * as one newline-joined string (a normalized URL never holds a newline) and
 * the indexes of `rel=nofollow` ones, instead of one cloned object per link.
 */
export interface PackedPage extends Omit<ParsedPage, "links"> {
  /** The links' URLs, in order, joined by `"\n"` (`""` for none). */
  links: string;
  /** Indexes (into the links) of the `rel=nofollow` links. */
  nofollow: number[];
  /** The links' frontier keys, when the parse was given `sessionParams`. */
  keys?: LinkKeys;
  /** The WARC block, when the parse was given `warcHead` (and it fit). */
  warc?: PreparedBlock;
}

/**
 * Packs a parsed page for the trip back from a parse worker (`rel` values
 * other than the nofollow flag are dropped).
 *
 * @example Usage
 * ```ts
 * import { packPage, parseHtml, unpackLinks } from "./parse_html.ts";
 * import assert from "node:assert/strict";
 *
 * const body = new TextEncoder().encode('<a href="/a">a</a><a rel=nofollow href="/b">b</a>');
 * const packed = packPage(parseHtml(body, { url: "https://example.com/" }));
 * assert.equal(packed.links, "https://example.com/a\nhttps://example.com/b");
 * assert.deepEqual(unpackLinks(packed), [
 *   { url: "https://example.com/a", nofollow: false },
 *   { url: "https://example.com/b", nofollow: true },
 * ]);
 * ```
 *
 * @param page A page from {@linkcode parseHtml}.
 * @param sessionParams With it, the links' frontier keys are made too
 * (`keys`: session ids stripped, fingerprints), here rather than on the
 * crawler's thread.
 * @returns The packed page.
 */
export function packPage(
  page: ParsedPage,
  sessionParams?: readonly string[],
): PackedPage {
  const nofollow: number[] = [];
  const urls = new Array<string>(page.links.length);
  for (let i = 0; i < page.links.length; i++) {
    urls[i] = page.links[i].url;
    if (page.links[i].nofollow) nofollow.push(i);
  }
  const packed: PackedPage = { ...page, links: urls.join("\n"), nofollow };
  if (sessionParams !== undefined) {
    packed.keys = linkKeys(urls, nofollow, sessionParams);
  }
  return packed;
}

/**
 * The links of a {@linkcode PackedPage}, as {@linkcode ExtractedLink}s
 * (without `rel`).
 *
 * @param page A packed page.
 * @returns Its links, in order.
 */
export function unpackLinks(page: PackedPage): ExtractedLink[] {
  if (page.links === "") return [];
  const flagged = new Set(page.nofollow);
  return page.links.split("\n").map((url, i) => ({
    url,
    nofollow: flagged.has(i),
  }));
}
