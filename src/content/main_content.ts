/**
 * A page's main content, Readability's idea on the parse's own tree: start
 * from the element the page marks as main (`<main>`, `role="main"`, a
 * single `<article>`), else the body; leave out navigation, headers,
 * footers, asides, cookie banners and (without such a mark) link-dense
 * blocks; and never leave out so much that a page with content gives
 * nothing.
 *
 * @module
 */
import type { AnyNode, Document, Element, ParentNode } from "domhandler";
import { isHidden, isPermalink, walk } from "./tree.ts";

/** Where the main content is: a root, minus the elements in `skip`. */
export interface MainContent {
  /** The element (or document) holding it. */
  root: ParentNode;
  /** Elements inside `root` left out, with their content. */
  skip: Set<AnyNode>;
}

/** Text measured under one element. */
interface Measure {
  /** Characters of visible text (runs of whitespace not counted). */
  text: number;
  /** Of which inside links. */
  links: number;
  /** `<h1>`/`<h2>` elements inside. */
  headings: number;
}

/** Always boilerplate. */
const BOILERPLATE_TAGS: ReadonlySet<string> = new Set(["nav", "aside"]);
const BOILERPLATE_ROLES: ReadonlySet<string> = new Set([
  "navigation",
  "banner",
  "contentinfo",
  "complementary",
  "search",
  "dialog",
  "alertdialog",
]);
/** Class or id words of boilerplate blocks. */
const BOILERPLATE_WORDS: ReadonlySet<string> = new Set([
  "ad",
  "ads",
  "advert",
  "advertisement",
  "banner",
  "breadcrumb",
  "breadcrumbs",
  "comment",
  "comments",
  "consent",
  "cookie",
  "cookies",
  "disqus",
  "footer",
  "gdpr",
  "header",
  "masthead",
  "menu",
  "modal",
  "nav",
  "navbar",
  "navfooter",
  "navheader",
  "navigation",
  "newsletter",
  "pager",
  "pagination",
  "popup",
  "promo",
  "related",
  "share",
  "sharing",
  "sidebar",
  "signup",
  "skip",
  "social",
  "sponsor",
  "sponsored",
  "subscribe",
  "toolbar",
  "widget",
]);
/** Class or id words that keep a block whatever else it says. */
const CONTENT_WORDS: ReadonlySet<string> = new Set([
  "article",
  "body",
  "content",
  "document",
  "entry",
  "main",
  "markdown",
  "post",
  "prose",
  "story",
  "text",
]);
/** Blocks judged by their link density. */
const LINK_BLOCKS: ReadonlySet<string> = new Set([
  "div",
  "section",
  "ul",
  "ol",
  "dl",
  "table",
  "p",
  "td",
]);
/** Above this share of link text, a block is a list of links. */
const MAX_LINK_DENSITY = 0.5;
/**
 * The strict choice stands when it keeps this share of the root's text, or
 * {@linkcode ENOUGH_TEXT} characters; else boilerplate is judged by tags
 * and roles alone.
 */
const MIN_KEPT_SHARE = 0.05;
const ENOUGH_TEXT = 500;

/** The measures of a page, and the elements that mark its main content. */
interface Survey {
  /** Every visible element's measure. */
  sizes: Map<Element, Measure>;
  /** The `<main>` or `role="main"` element with the most text. */
  main?: Element;
  /** The `<article>` with the most text. */
  article?: Element;
  /** How many `<article>`s hold text. */
  articles: number;
}

/**
 * Measures every element's text, link text and headings, and finds the
 * marked roots, in one walk.
 */
function survey(doc: Document): Survey {
  const found: Survey = { sizes: new Map(), articles: 0 };
  const stack: Measure[] = [{ text: 0, links: 0, headings: 0 }];
  let inLink = 0;
  walk(doc, {
    open(el) {
      if (isHidden(el)) return false;
      if (el.name === "a") {
        if (isPermalink(el)) return false;
        inLink++;
      }
      stack.push({ text: 0, links: 0, headings: 0 });
      return true;
    },
    close(el) {
      const m = stack.pop()!;
      if (el.name === "a") inLink--;
      if (el.name === "h1" || el.name === "h2") m.headings++;
      found.sizes.set(el, m);
      const parent = stack[stack.length - 1];
      parent.text += m.text;
      parent.links += m.links;
      parent.headings += m.headings;
      if (m.text > 0) mark(found, el, m.text);
    },
    text(data) {
      const n = data.trim().length;
      if (n === 0) return;
      const top = stack[stack.length - 1];
      top.text += n;
      if (inLink > 0) top.links += n;
    },
  });
  return found;
}

/** Notes `el` when it marks the main content (it holds `text`). */
function mark(found: Survey, el: Element, text: number): void {
  const size = (e: Element | undefined) =>
    e === undefined ? 0 : found.sizes.get(e)!.text;
  if (el.name === "main" || el.attribs.role?.trim() === "main") {
    if (text > size(found.main)) found.main = el;
  } else if (el.name === "article") {
    found.articles++;
    if (text > size(found.article)) found.article = el;
  }
}

function words(el: Element): string[] {
  const { class: cls, id } = el.attribs;
  if (cls === undefined && id === undefined) return [];
  return `${cls ?? ""} ${id ?? ""}`.toLowerCase().split(/[^a-z0-9]+/);
}

/** Whether the page's markup says `el` is not content. */
function markedBoilerplate(el: Element, inArticle: boolean): boolean {
  if (BOILERPLATE_TAGS.has(el.name)) return true;
  if (el.name === "footer") return true;
  if (el.name === "header") return !inArticle;
  const role = el.attribs.role?.trim().toLowerCase();
  return role !== undefined && BOILERPLATE_ROLES.has(role);
}

/** Whether class or id words call `el` boilerplate (and none calls it content). */
function namedBoilerplate(el: Element, m: Measure): boolean {
  if (m.headings > 0) return false;
  let boilerplate = false;
  for (const word of words(el)) {
    if (CONTENT_WORDS.has(word)) return false;
    if (BOILERPLATE_WORDS.has(word)) boilerplate = true;
  }
  return boilerplate;
}

function bodyOf(doc: Document): ParentNode {
  for (const top of doc.children) {
    if (top.type !== "tag" || top.name !== "html") continue;
    for (const child of top.children) {
      if (child.type === "tag" && child.name === "body") return child;
    }
  }
  return doc;
}

/** The elements to leave out under `root`, and the text they hold. */
function dropsUnder(
  root: ParentNode,
  sizes: Map<Element, Measure>,
  strict: boolean,
  unmarked: boolean,
): { skip: Set<AnyNode>; dropped: number } {
  const skip = new Set<AnyNode>();
  let dropped = 0;
  // A header inside the marked root or an article is the content's own.
  let articles = unmarked ? 0 : 1;
  walk(root, {
    open(el) {
      const m = sizes.get(el);
      if (m === undefined || m.text === 0) return false;
      const drop = markedBoilerplate(el, articles > 0) ||
        (strict && namedBoilerplate(el, m)) ||
        (strict && unmarked && LINK_BLOCKS.has(el.name) &&
          m.links > m.text * MAX_LINK_DENSITY);
      if (drop) {
        skip.add(el);
        dropped += m.text;
        return false;
      }
      if (el.name === "article") articles++;
      return true;
    },
    close(el) {
      if (el.name === "article") articles--;
    },
    text() {},
  });
  return { skip, dropped };
}

/**
 * Finds a page's main content in the tree of the parse: the root the page
 * marks (the `<main>` or `role="main"` element with the most text, else the
 * only `<article>`), else `<body>`; under it, navigation, asides, footers,
 * headers outside an article, ARIA landmarks of the same kinds, dialogs,
 * and blocks whose class or id names boilerplate (cookie, consent,
 * sidebar, share, related, ...) are left out, and, when the page marks no
 * root, blocks whose text is mostly links. When that leaves less than 5% of
 * the root's text (and under 500 characters), only tags and roles decide;
 * when even that leaves nothing, the whole root is kept. So a page with
 * text never gives none.
 *
 * @example An article in a shell
 * ```ts
 * import { parseDocument } from "htmlparser2";
 * import { mainContent } from "./main_content.ts";
 * import { render } from "./render.ts";
 * import assert from "node:assert/strict";
 *
 * const doc = parseDocument(
 *   "<body><nav><a href=/>Home</a></nav><article><h1>Title</h1><p>Text.</p></article><footer>(c)</footer></body>",
 * );
 * const { root, skip } = mainContent(doc);
 * assert.equal(render(root, "text", { skip }), "Title\n\nText.");
 * ```
 *
 * @param doc The page's tree.
 * @returns The root and what to leave out under it.
 */
export function mainContent(doc: Document): MainContent {
  const found = survey(doc);
  const sizes = found.sizes;
  const marked = found.main ??
    (found.articles === 1 ? found.article : undefined);
  const root = marked ?? bodyOf(doc);
  const total = root.type === "tag"
    ? sizes.get(root)?.text ?? 0
    : [...sizes.entries()].reduce(
      (n, [el, m]) => el.parent === root ? n + m.text : n,
      0,
    );
  if (total === 0) return { root, skip: new Set() };
  const unmarked = marked === undefined;
  const strict = dropsUnder(root, sizes, true, unmarked);
  const kept = total - strict.dropped;
  if (kept >= ENOUGH_TEXT || kept >= total * MIN_KEPT_SHARE) {
    return { root, skip: strict.skip };
  }
  const loose = dropsUnder(root, sizes, false, unmarked);
  if (total - loose.dropped > 0) return { root, skip: loose.skip };
  return { root, skip: new Set() };
}
