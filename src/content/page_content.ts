/**
 * What a crawl asks of each page's content, and the step that gives it
 * from the tree built in the page's parse: selector values and the page as
 * text, Markdown or HTML.
 *
 * @module
 */
import type { AnyNode, Document, ParentNode } from "domhandler";
import { cleanHtml } from "./clean_html.ts";
import { mainContent } from "./main_content.ts";
import { render } from "./render.ts";
import { Selectors } from "./select.ts";
import type { Selector } from "./selector_rule.ts";

/** The formats of a result's `content`. */
export type ContentFormat = "text" | "markdown" | "html";

/**
 * What to take from every page, besides its links (plain data: it travels
 * to the parse workers).
 */
export interface ContentOptions {
  /** Put the page in `result.content` in this format. */
  content?: ContentFormat;
  /** Keep only the main content (see `mainContent`). */
  mainContent?: boolean;
  /** Named selectors whose values fill `result.data`. */
  select?: Readonly<Record<string, Selector>>;
}

/** What {@linkcode pageContent} gives. */
export interface PageContent {
  /** The selectors' values, when there are selectors. */
  data?: Record<string, unknown>;
  /** The content, when a format was asked for. */
  content?: string;
}

/** Compiled selectors by their spec (a crawl has one; tests have a few). */
const compiled = new Map<string, Selectors>();
const MAX_COMPILED = 16;

function selectorsFor(spec: Readonly<Record<string, Selector>>): Selectors {
  const key = JSON.stringify(spec);
  let selectors = compiled.get(key);
  if (selectors === undefined) {
    selectors = new Selectors(spec);
    if (compiled.size >= MAX_COMPILED) compiled.clear();
    compiled.set(key, selectors);
  }
  return selectors;
}

/**
 * The content a crawl asks of one page. Selectors run on the whole tree;
 * the content is the whole page or, with `mainContent`, its main content.
 *
 * @example Markdown of the main content, and a selector
 * ```ts
 * import { DomHandler } from "domhandler";
 * import { scanPage } from "../parse/extract_links.ts";
 * import { pageContent } from "./page_content.ts";
 * import assert from "node:assert/strict";
 *
 * const html = "<nav><a href=/>Home</a></nav><main><h1>Hi</h1><p>Text</p></main>";
 * const tree = new DomHandler();
 * scanPage(html, "https://example.com/", {}, tree);
 * assert.deepEqual(
 *   pageContent(tree.root, html, "https://example.com/", {
 *     content: "markdown",
 *     mainContent: true,
 *     select: { title: "h1" },
 *   }),
 *   { data: { title: "Hi" }, content: "# Hi\n\nText" },
 * );
 * ```
 *
 * @param tree The page's tree (needed when `needsTree` says so).
 * @param html The page's decoded text.
 * @param baseUrl The page's `<base href>`, else its final URL.
 * @param options What to take.
 * @returns The selector values and the content.
 */
export function pageContent(
  tree: Document | undefined,
  html: string,
  baseUrl: string,
  options: ContentOptions,
): PageContent {
  const out: PageContent = {};
  if (options.select !== undefined && tree !== undefined) {
    out.data = selectorsFor(options.select).run(tree, baseUrl, html.length);
  }
  const format = options.content;
  if (format === undefined) return out;
  // A whole page's HTML is its decoded text.
  if (format === "html" && !options.mainContent) {
    out.content = html;
    return out;
  }
  if (tree === undefined) return out;
  const write = (root: ParentNode, skip?: ReadonlySet<AnyNode>) =>
    format === "html"
      ? cleanHtml(root, skip)
      : render(root, format, { baseUrl, skip });
  if (!options.mainContent) {
    out.content = write(tree);
    return out;
  }
  const main = mainContent(tree);
  out.content = write(main.root, main.skip);
  // Never nothing for a page that has content.
  if (out.content.trim() === "") out.content = write(tree);
  return out;
}
