/**
 * What an extraction hook receives: the page, a DOM built only if asked
 * for, and a way to add URLs to the crawl.
 *
 * @module
 */
import type { ExtractedLink } from "../parse/extract_links.ts";
import { normalizeUrl } from "../url/normalize_url.ts";

/**
 * The part of a DOM `Element` trawl's types describe; `page.document` is a
 * full standard DOM (linkedom), so with `lib: ["dom"]` a hook may treat it
 * as a `Document`.
 */
export interface DomElement {
  /** The tag name, uppercase for HTML. */
  readonly tagName: string;
  /** The `id` attribute. */
  readonly id: string;
  /** The `class` attribute. */
  readonly className: string;
  /** The text of the element and its descendants. */
  readonly textContent: string | null;
  /** The markup of the content. */
  readonly innerHTML: string;
  /** The markup of the element. */
  readonly outerHTML: string;
  /** The parent element, if any. */
  readonly parentElement: DomElement | null;
  /** The child elements. */
  readonly children: ArrayLike<DomElement>;
  /** An attribute's value, or `null`. */
  getAttribute(name: string): string | null;
  /** Whether the attribute is present. */
  hasAttribute(name: string): boolean;
  /** The first descendant matching a CSS selector. */
  querySelector(selectors: string): DomElement | null;
  /** Every descendant matching a CSS selector. */
  querySelectorAll(selectors: string): ArrayLike<DomElement>;
  /** The nearest inclusive ancestor matching a CSS selector. */
  closest(selectors: string): DomElement | null;
  /** Whether the element matches a CSS selector. */
  matches(selectors: string): boolean;
}

/** The part of a DOM `Document` trawl's types describe (see {@linkcode DomElement}). */
export interface DomDocument {
  /** The `<html>` element. */
  readonly documentElement: DomElement;
  /** The `<head>` element. */
  readonly head: DomElement;
  /** The `<body>` element. */
  readonly body: DomElement;
  /** The document's title. */
  readonly title: string;
  /** The text of the whole document. */
  readonly textContent: string | null;
  /** The element with this id. */
  getElementById(id: string): DomElement | null;
  /** The first element matching a CSS selector. */
  querySelector(selectors: string): DomElement | null;
  /** Every element matching a CSS selector. */
  querySelectorAll(selectors: string): ArrayLike<DomElement>;
}

/** The page an extraction hook runs on. */
export interface Page {
  /** The URL as discovered, in normal form. */
  readonly url: string;
  /** The URL after redirects. */
  readonly finalUrl: string;
  /** The HTTP status. */
  readonly status: number;
  /** The response headers. */
  readonly headers: Headers;
  /** The body, decoded to text (its charset detected as for parsing). */
  readonly html: string;
  /**
   * The page as a standard DOM `Document` (`querySelector`,
   * `textContent`, `getAttribute`, `closest`, `innerHTML`...), built on
   * first access: pages whose hook does not read it do not pay for it.
   */
  readonly document: DomDocument;
  /** The links trawl found (`a` and `area`, resolved, deduplicated). */
  readonly links: readonly ExtractedLink[];
  /**
   * Adds URLs to the crawl, resolved against the page, under the rules of
   * any link: scope, robots, dedupe, depth, budgets and traps (and not from
   * a page marked `nofollow`). URLs that do not parse are ignored.
   *
   * @param urls One URL or several.
   */
  follow(urls: string | URL | Iterable<string | URL>): void;
}

/** How a {@linkcode PageView} is made. */
export interface PageInit {
  /** The URL as discovered. */
  url: string;
  /** The URL after redirects. */
  finalUrl: string;
  /** The HTTP status. */
  status: number;
  /** The response headers. */
  headers: Headers;
  /** The decoded body. */
  html: string;
  /** The links found. */
  links: readonly ExtractedLink[];
  /** What followed URLs resolve against (`<base href>`, else `finalUrl`). */
  base: string;
  /** Builds the DOM (called at most once). */
  parseDocument: (html: string) => DomDocument;
}

/** The most URLs one page's hook may add with `follow`. */
export const MAX_FOLLOWED = 10_000;

/**
 * The {@linkcode Page} given to a hook.
 *
 * @example
 * ```ts
 * import { PageView } from "./page.ts";
 * import assert from "node:assert/strict";
 *
 * const page = new PageView({
 *   url: "https://example.com/",
 *   finalUrl: "https://example.com/",
 *   status: 200,
 *   headers: new Headers(),
 *   html: "<p>hi</p>",
 *   links: [],
 *   base: "https://example.com/dir/",
 *   parseDocument: () => { throw new Error("not read"); },
 * });
 * page.follow(["a", "mailto:x@example.com"]);
 * assert.deepEqual(page.followed, ["https://example.com/dir/a"]);
 * ```
 */
export class PageView implements Page {
  readonly url: string;
  readonly finalUrl: string;
  readonly status: number;
  readonly headers: Headers;
  readonly html: string;
  readonly links: readonly ExtractedLink[];
  readonly #base: string;
  readonly #parse: (html: string) => DomDocument;
  #document: DomDocument | undefined;
  readonly #followed = new Set<string>();

  /**
   * @param init The page and how to build its DOM.
   */
  constructor(init: PageInit) {
    this.url = init.url;
    this.finalUrl = init.finalUrl;
    this.status = init.status;
    this.headers = init.headers;
    this.html = init.html;
    this.links = init.links;
    this.#base = init.base;
    this.#parse = init.parseDocument;
  }

  /** The DOM, built on first access. */
  get document(): DomDocument {
    this.#document ??= this.#parse(this.html);
    return this.#document;
  }

  /** The URLs the hook added, normalized, without repeats. */
  get followed(): string[] {
    return [...this.#followed];
  }

  follow(urls: string | URL | Iterable<string | URL>): void {
    const list = typeof urls === "string" || urls instanceof URL
      ? [urls]
      : urls;
    for (const u of list) {
      if (this.#followed.size >= MAX_FOLLOWED) return;
      const url = normalizeUrl(String(u), this.#base);
      if (url !== undefined) this.#followed.add(url);
    }
  }
}
