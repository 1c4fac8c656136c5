/**
 * Link and metadata extraction from HTML with htmlparser2's streaming
 * tokenizer (no DOM is built).
 *
 * @module
 */
import { type Handler, Parser } from "htmlparser2";
import { createUrlNormalizer, normalizeUrl } from "../url/normalize_url.ts";
import { teeHandler } from "./tee_handler.ts";
import {
  type PageReference,
  ReferenceScan,
  resolveReferences,
} from "./references.ts";

/** One link found on a page. */
export interface ExtractedLink {
  /** The absolute URL in normal form (see `normalizeUrl`). */
  url: string;
  /** Every occurrence of the link had `rel` containing `nofollow`. */
  nofollow: boolean;
  /**
   * The `rel` attribute (lowercased, whitespace collapsed) of the occurrence
   * kept, if it had a non-empty one.
   */
  rel?: string;
}

/** What a page's meta robots tags say. */
export interface RobotsDirectives {
  /** `noindex` (or `none`): do not index this page. */
  noindex: boolean;
  /** `nofollow` (or `none`): do not follow this page's links. */
  nofollow: boolean;
}

/** Everything {@linkcode extractLinks} takes from a page. */
export interface ExtractedPage {
  /** The `a` and `area` links, deduplicated, in document order. */
  links: ExtractedLink[];
  /** The first `<title>`'s text: whitespace collapsed, trimmed, capped. */
  title?: string;
  /**
   * The first `<meta name="description">` (else `property="og:description"`)
   * content: whitespace collapsed, trimmed, capped like the title.
   */
  description?: string;
  /** The `<html lang>` attribute, trimmed, if not empty. */
  lang?: string;
  /** The first `<base href>`, resolved and normalized, if valid. */
  base?: string;
  /** The first `<link rel="canonical">`, resolved and normalized. */
  canonical?: string;
  /** Meta robots directives (all matching tags combined). */
  robots: RobotsDirectives;
  /** The first `<meta http-equiv="refresh">` target, resolved, if any. */
  refresh?: string;
  /** How many link hrefs did not normalize (`mailto:`, `javascript:`...). */
  invalid: number;
  /** How many distinct valid links were dropped past `maxLinks`. */
  truncated: number;
  /**
   * With `references: true`: every reference on the page (links with their
   * text, images, stylesheets, scripts, frames, media, icons, preloads), in
   * document order, not deduplicated, with fragments kept.
   */
  references?: PageReference[];
  /** With `references: true`: the page's `id`s and `<a name>`s. */
  anchors?: string[];
  /**
   * With `references: true`: references not checkable (`mailto:`, `tel:`,
   * `javascript:`, `data:`, unparsable URLs) or dropped past the cap.
   */
  unchecked?: number;
}

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

/**
 * The default of {@linkcode ExtractLinksOptions.maxLinks}.
 *
 * @example Usage
 * ```ts
 * import { DEFAULT_MAX_LINKS, extractLinks } from "@trawl/trawl";
 *
 * const html = "<a href=/x>x</a>".repeat(3);
 * const page = extractLinks(html, "https://example.com/");
 * console.log(page.links.length <= DEFAULT_MAX_LINKS); // true
 * ```
 */
export const DEFAULT_MAX_LINKS = 10_000;

/**
 * The longest `<title>` {@linkcode extractLinks} keeps, in UTF-16 code
 * units; a longer one is cut (never inside a surrogate pair).
 *
 * @example Usage
 * ```ts
 * import { extractLinks, MAX_TITLE_LENGTH } from "@trawl/trawl";
 *
 * const html = `<title>${"spam ".repeat(1000)}</title>`;
 * const { title } = extractLinks(html, "https://example.com/");
 * console.log(title!.length <= MAX_TITLE_LENGTH); // true
 * ```
 */
export const MAX_TITLE_LENGTH = 1024;

const PARSER_OPTIONS = {
  decodeEntities: true,
  lowerCaseTags: true,
  lowerCaseAttributeNames: true,
} as const;
const ASCII_WHITESPACE = /[\t\n\f\r ]+/;
const ASCII_WHITESPACE_RUNS = /[\t\n\f\r ]+/g;
const REFRESH =
  /^[\t\n\f\r ]*[0-9.]*[\t\n\f\r ]*[;,]?[\t\n\f\r ]*(?:url[\t\n\f\r ]*=[\t\n\f\r ]*)?(["']?)([\s\S]*)$/i;

/** The rel attribute's tokens, lowercased, as one space-separated string. */
function normalizeRel(rel: string): string {
  return rel.trim().toLowerCase().replace(ASCII_WHITESPACE_RUNS, " ");
}

function hasToken(rel: string, token: string): boolean {
  return rel === token || rel.split(ASCII_WHITESPACE).includes(token);
}

/** The URL part of a meta refresh `content`, or `undefined`. */
function refreshTarget(content: string): string | undefined {
  const match = REFRESH.exec(content);
  if (match === null) return undefined;
  let target = match[2];
  if (match[1] !== "") {
    const end = target.indexOf(match[1]);
    if (end !== -1) target = target.slice(0, end);
  }
  target = target.trim();
  return target === "" ? undefined : target;
}

/** The longest `lang` kept, in characters. */
const MAX_LANG_LENGTH = 64;

function collapseTitle(text: string): string | undefined {
  let title = text.replace(ASCII_WHITESPACE_RUNS, " ").trim();
  if (title.length > MAX_TITLE_LENGTH) {
    title = title.slice(0, MAX_TITLE_LENGTH);
    const last = title.charCodeAt(title.length - 1);
    if (last >= 0xd800 && last <= 0xdbff) title = title.slice(0, -1);
    title = title.trimEnd();
  }
  return title === "" ? undefined : title;
}

/**
 * What the parser collects from one page: the htmlparser2 handler. Hrefs
 * are kept raw; resolving waits for the end, as a `<base href>` anywhere
 * applies to the whole document.
 */
class PageScan {
  readonly hrefs: string[] = [];
  /** The normalized `rel` of each href, when it had one. */
  readonly rels: (string | undefined)[] = [];
  baseHref: string | undefined = undefined;
  canonicalHref: string | undefined = undefined;
  refreshHref: string | undefined = undefined;
  noindex = false;
  nofollow = false;
  description: string | undefined = undefined;
  ogDescription: string | undefined = undefined;
  lang: string | undefined = undefined;
  titleParts: string[] | undefined = undefined;
  #titleChars = 0;
  #titleDone = false;
  #inTitle = false;
  #templateDepth = 0;
  #foreignDepth = 0;
  /** The crawler's own robots name, lowercased (`""`: none). */
  readonly #botName: string;
  /** Collects references, when asked for. */
  readonly refs: ReferenceScan | undefined;

  constructor(botName: string, references: boolean) {
    this.#botName = botName;
    this.refs = references ? new ReferenceScan() : undefined;
  }

  onopentag(name: string, attribs: Record<string, string>): void {
    if (name === "template") {
      this.#templateDepth++;
      return;
    }
    if (this.#templateDepth > 0) return;
    this.refs?.open(name, attribs);
    switch (name) {
      case "a":
      case "area": {
        const href = attribs.href;
        if (href !== undefined) {
          this.hrefs.push(href);
          const rel = attribs.rel;
          this.rels.push(rel === undefined ? undefined : normalizeRel(rel));
        }
        break;
      }
      case "base":
        if (this.baseHref === undefined && attribs.href !== undefined) {
          this.baseHref = attribs.href;
        }
        break;
      case "link":
        if (
          this.canonicalHref === undefined && attribs.href !== undefined &&
          attribs.rel !== undefined &&
          hasToken(normalizeRel(attribs.rel), "canonical")
        ) {
          this.canonicalHref = attribs.href;
        }
        break;
      case "meta":
        this.#onMeta(attribs);
        break;
      case "html":
        if (this.lang === undefined && attribs.lang !== undefined) {
          this.lang = attribs.lang.trim().slice(0, MAX_LANG_LENGTH);
        }
        break;
      case "title":
        if (!this.#titleDone && this.#foreignDepth === 0) {
          this.#inTitle = true;
          this.titleParts = [];
        }
        break;
      case "svg":
      case "math":
        this.#foreignDepth++;
        break;
    }
  }

  ontext(text: string): void {
    if (this.refs !== undefined && this.#templateDepth === 0) {
      this.refs.text(text);
    }
    if (this.#inTitle && this.#titleChars <= MAX_TITLE_LENGTH * 4) {
      this.titleParts!.push(text);
      this.#titleChars += text.length;
    }
  }

  onclosetag(name: string): void {
    if (name === "template") {
      if (this.#templateDepth > 0) this.#templateDepth--;
    } else if (this.#templateDepth > 0) {
      return;
    }
    this.refs?.close(name);
    if (name === "title") {
      if (this.#inTitle) {
        this.#inTitle = false;
        this.#titleDone = true;
      }
    } else if (name === "svg" || name === "math") {
      if (this.#foreignDepth > 0) this.#foreignDepth--;
    }
  }

  /**
   * `<meta name="robots">` (or the bot's name), `http-equiv=refresh` and
   * the description.
   */
  #onMeta(attribs: Record<string, string>): void {
    const content = attribs.content;
    if (content === undefined) return;
    const name = attribs.name?.trim().toLowerCase();
    if (name === "description") {
      this.description ??= content;
    } else if (
      attribs.property?.trim().toLowerCase() === "og:description"
    ) {
      this.ogDescription ??= content;
    } else if (
      name !== undefined &&
      (name === "robots" || (this.#botName !== "" && name === this.#botName))
    ) {
      for (const raw of content.toLowerCase().split(",")) {
        const directive = raw.trim();
        if (directive === "noindex") this.noindex = true;
        else if (directive === "nofollow") this.nofollow = true;
        else if (directive === "none") this.noindex = this.nofollow = true;
      }
    } else if (
      this.refreshHref === undefined &&
      attribs["http-equiv"]?.trim().toLowerCase() === "refresh"
    ) {
      this.refreshHref = refreshTarget(content);
    }
  }
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
  const maxLinks = options.maxLinks ?? DEFAULT_MAX_LINKS;
  if (
    typeof maxLinks !== "number" ||
    !(maxLinks === Infinity || (Number.isInteger(maxLinks) && maxLinks >= 0))
  ) {
    throw new RangeError(
      `Cannot extract links as 'maxLinks' must be a non-negative integer: current value is ${maxLinks}`,
    );
  }
  const botName = typeof options.botName === "string"
    ? options.botName.trim().toLowerCase()
    : "";
  const scan = new PageScan(botName, options.references === true);
  const handler = also === undefined ? scan : teeHandler(scan, also);
  try {
    new Parser(handler, PARSER_OPTIONS).end(html);
  } catch {
    // htmlparser2 is forgiving; keep whatever was collected if it is not.
  }
  const page: ExtractedPage = {
    links: [],
    robots: { noindex: scan.noindex, nofollow: scan.nofollow },
    invalid: 0,
    truncated: 0,
  };
  if (scan.titleParts !== undefined) {
    const title = collapseTitle(scan.titleParts.join(""));
    if (title !== undefined) page.title = title;
  }
  const description = scan.description ?? scan.ogDescription;
  if (description !== undefined) {
    const text = collapseTitle(description);
    if (text !== undefined) page.description = text;
  }
  if (scan.lang) page.lang = scan.lang;
  const base = resolveHeadLinks(scan, baseUrl, page);
  addLinks(scan, createUrlNormalizer(base), maxLinks, page);
  if (scan.refs !== undefined) {
    scan.refs.finish();
    const { references, unchecked } = resolveReferences(scan.refs.raw, base);
    page.references = references;
    page.anchors = [...scan.refs.anchors];
    page.unchecked = unchecked + scan.refs.dropped;
  }
  return page;
}

/**
 * Sets the page's `base`, `canonical` and `refresh`, and returns the URL
 * links resolve against: the valid `<base href>`, else `baseUrl` (none when
 * it does not parse: only absolute links resolve then).
 */
function resolveHeadLinks(
  scan: PageScan,
  baseUrl: string,
  page: ExtractedPage,
): string | undefined {
  let base: string | undefined = typeof baseUrl === "string" &&
      URL.canParse(baseUrl)
    ? baseUrl
    : undefined;
  if (scan.baseHref !== undefined) {
    const resolved = normalizeUrl(scan.baseHref, base);
    if (resolved !== undefined) base = page.base = resolved;
  }
  if (scan.canonicalHref !== undefined) {
    const canonical = normalizeUrl(scan.canonicalHref, base);
    if (canonical !== undefined) page.canonical = canonical;
  }
  if (scan.refreshHref !== undefined) {
    const refresh = normalizeUrl(scan.refreshHref, base);
    if (refresh !== undefined) page.refresh = refresh;
  }
  return base;
}

/**
 * Normalizes the hrefs into `page.links`: invalid ones counted, duplicates
 * merged (followed if any occurrence is), past `maxLinks` counted.
 */
function addLinks(
  scan: PageScan,
  normalize: (href: string) => string | undefined,
  maxLinks: number,
  page: ExtractedPage,
): void {
  const { hrefs, rels } = scan;
  const links = page.links;
  const byUrl = new Map<string, ExtractedLink | null>();
  let invalid = 0;
  let truncated = 0;
  for (let i = 0; i < hrefs.length; i++) {
    const url = normalize(hrefs[i]);
    if (url === undefined) {
      invalid++;
      continue;
    }
    const rel = rels[i];
    const linkNofollow = rel !== undefined && hasToken(rel, "nofollow");
    const seen = byUrl.get(url);
    if (seen === undefined) {
      if (links.length < maxLinks) {
        const link: ExtractedLink = { url, nofollow: linkNofollow };
        if (rel) link.rel = rel;
        links.push(link);
        byUrl.set(url, link);
      } else {
        truncated++;
        byUrl.set(url, null); // counted once
      }
    } else if (seen !== null && seen.nofollow && !linkNofollow) {
      seen.nofollow = false;
      if (rel) seen.rel = rel;
      else delete seen.rel;
    }
  }
  page.invalid = invalid;
  page.truncated = truncated;
}
