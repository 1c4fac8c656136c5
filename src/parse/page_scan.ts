/**
 * What both HTML paths collect from a page, and how it becomes an
 * {@linkcode ExtractedPage}: {@linkcode PageScan} receives the parser-level
 * events (open tags with their attributes, text, close tags, implied ones
 * included) from htmlparser2 (`extract_links.ts`) or from the link scanner
 * (`link_scanner.ts`), and {@linkcode finishPage} resolves and normalizes
 * what it kept. One handler and one finishing step, so both paths give the
 * same answer for the same events.
 *
 * @module
 */
import { createUrlNormalizer, normalizeUrl } from "../url/normalize_url.ts";
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

/**
 * The default of {@linkcode ExtractLinksOptions.maxLinks}.
 *
 * @example Usage
 * ```ts
 * import { DEFAULT_MAX_LINKS, extractLinks } from "./extract_links.ts";
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
 * import { extractLinks, MAX_TITLE_LENGTH } from "./extract_links.ts";
 *
 * const html = `<title>${"spam ".repeat(1000)}</title>`;
 * const { title } = extractLinks(html, "https://example.com/");
 * console.log(title!.length <= MAX_TITLE_LENGTH); // true
 * ```
 */
export const MAX_TITLE_LENGTH = 1024;

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
 * What the parser collects from one page: the handler of htmlparser2's
 * events, and of the link scanner's. Hrefs are kept raw; resolving waits
 * for the end, as a `<base href>` anywhere applies to the whole document.
 *
 * @example Usage
 * ```ts
 * import { PageScan } from "./page_scan.ts";
 * import assert from "node:assert/strict";
 *
 * const scan = new PageScan("");
 * scan.onopentag("title", {});
 * scan.ontext("Hi");
 * scan.onclosetag("title");
 * assert.deepEqual(scan.titleParts, ["Hi"]);
 * ```
 */
export class PageScan {
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

  /**
   * Creates the handler of one page.
   *
   * @param botName The crawler's robots name, lowercased (`""`: none).
   * @param references Also collect every reference and fragment target.
   */
  constructor(botName: string, references = false) {
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

  /**
   * Whether {@linkcode PageScan.ontext} would keep text now (a title's, or
   * a link's when references are collected): a scanner may skip it else.
   */
  get wantsText(): boolean {
    return (this.#inTitle && this.#titleChars <= MAX_TITLE_LENGTH * 4) ||
      (this.refs !== undefined && this.#templateDepth === 0 &&
        this.refs.wantsText);
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
 * The page {@linkcode PageScan} collected: the title collapsed, base,
 * canonical and refresh resolved, the links normalized, merged and capped.
 *
 * @example Usage
 * ```ts
 * import { finishPage, PageScan } from "./page_scan.ts";
 * import assert from "node:assert/strict";
 *
 * const scan = new PageScan("");
 * scan.onopentag("a", { href: "/a#x" });
 * const page = finishPage(scan, "https://example.com/", 10);
 * assert.deepEqual(page.links, [{ url: "https://example.com/a", nofollow: false }]);
 * ```
 *
 * @param scan What the parser collected.
 * @param baseUrl The page's URL (after redirects).
 * @param maxLinks The most links to keep.
 * @returns The links and metadata.
 */
export function finishPage(
  scan: PageScan,
  baseUrl: string,
  maxLinks: number,
): ExtractedPage {
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
