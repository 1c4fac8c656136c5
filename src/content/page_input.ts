/**
 * The crawl's side of content: what each page's parse is asked for, and
 * what its result gets back.
 *
 * @module
 */
import type { CrawlLog } from "../crawler/crawl_log.ts";
import type { CrawlFrontier } from "../frontier/store.ts";
import type { CrawlResult } from "../crawler/result.ts";
import type { FetchOutcome } from "../fetch/fetcher.ts";
import type { PackedPage } from "../parse/parse_html.ts";
import type { ResolvedContent } from "./content_options.ts";
import type { ExtractInput } from "./extract_page.ts";
import type { ContentOptions } from "./page_content.ts";

/**
 * What every page's parse is asked for (selectors, content), or nothing
 * when the crawl asks for neither: then no page builds a tree.
 *
 * @example
 * ```ts
 * import { contentInput } from "./page_input.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(contentInput({ extractTimeoutMs: 1, mainContent: true }), undefined);
 * assert.deepEqual(
 *   contentInput({ extractTimeoutMs: 1, mainContent: true, content: "text" }),
 *   { content: "text", mainContent: true },
 * );
 * ```
 *
 * @param o The crawl's content options.
 * @returns The options each parse gets.
 */
export function contentInput(
  o: ResolvedContent | undefined,
): ContentOptions | undefined {
  if (o === undefined) return undefined;
  if (o.select === undefined && o.content === undefined) return undefined;
  const input: ContentOptions = {};
  if (o.select !== undefined) input.select = o.select;
  if (o.content !== undefined) {
    input.content = o.content;
    input.mainContent = o.mainContent;
  }
  return input;
}

/**
 * What one page's hook needs: the module, its limit, and the response.
 *
 * @example
 * ```ts
 * import { extractInput } from "./page_input.ts";
 * import assert from "node:assert/strict";
 *
 * const input = extractInput(
 *   "https://example.com/",
 *   { status: 200, finalUrl: "https://example.com/", bytes: 0, attempts: 1, ttfb: 1, headers: new Headers({ "x-a": "1" }) },
 *   { extract: "file:///hook.ts", extractTimeoutMs: 5000, mainContent: false },
 * );
 * assert.deepEqual(input.headers, [["x-a", "1"]]);
 * ```
 *
 * @param url The URL as discovered.
 * @param out The fetch's outcome.
 * @param o The crawl's content options (with `extract`).
 * @returns The hook's input.
 */
export function extractInput(
  url: string,
  out: FetchOutcome,
  o: ResolvedContent,
): ExtractInput {
  return {
    module: o.extract!,
    timeoutMs: o.extractTimeoutMs,
    url,
    status: out.status,
    headers: out.headers ? [...out.headers] : [],
  };
}

/**
 * Puts a parsed page's description, language, data, content and hook error
 * into its result (an `ExtractError` is logged as a warning).
 *
 * @example
 * ```ts ignore
 * readContent(result, page, log);
 * ```
 *
 * @param result The page's result.
 * @param page The parsed page.
 * @param log The crawl's log.
 */
export function readContent(
  result: CrawlResult,
  page: PackedPage,
  log: CrawlLog,
): void {
  if (page.description !== undefined) result.description = page.description;
  if (page.lang !== undefined) result.lang = page.lang;
  if (page.data !== undefined) result.data = page.data;
  if (page.content !== undefined) result.content = page.content;
  if (page.extractError !== undefined) {
    result.error = page.extractError;
    log.write("warn", page.extractError.message, {
      error: page.extractError.name,
    });
  }
}

/**
 * The URLs a page's hook followed that are new: session ids stripped, once,
 * not among the page's own new links, and not seen by `frontier`.
 *
 * @example
 * ```ts
 * import { followedLinks } from "./page_input.ts";
 * import assert from "node:assert/strict";
 *
 * const frontier = { has: (url: string) => url === "https://a.test/old" };
 * assert.deepEqual(
 *   followedLinks(
 *     ["https://a.test/old", "https://a.test/x", "https://a.test/y", "https://a.test/y"],
 *     ["https://a.test/x"],
 *     frontier,
 *     (url) => url,
 *   ),
 *   ["https://a.test/y"],
 * );
 * ```
 *
 * @param follow The URLs the hook followed.
 * @param links The page's own new links.
 * @param frontier Knows the URLs already accepted.
 * @param strip Strips session ids.
 * @returns The new URLs, in order.
 */
export function followedLinks(
  follow: readonly string[],
  links: readonly string[],
  frontier: Pick<CrawlFrontier, "has">,
  strip: (url: string) => string,
): string[] {
  const taken = new Set(links);
  const out: string[] = [];
  for (const raw of follow) {
    const url = strip(raw);
    if (taken.has(url) || frontier.has(url)) continue;
    taken.add(url);
    out.push(url);
  }
  return out;
}
