/**
 * Whether a page's parse builds its document tree, on its own so that the
 * CLI's main thread can size the parser workers' heap (see
 * `parser_pool.ts`) without loading the content code.
 *
 * @module
 */
import type { ContentOptions } from "./page_content.ts";

/**
 * Whether the page's tree must be built in its parse: for selectors, text,
 * Markdown, and the main content's HTML (a page's whole HTML is its text).
 *
 * @example
 * ```ts
 * import { needsTree } from "./needs_tree.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(needsTree({ content: "html" }), false);
 * assert.equal(needsTree({ content: "html", mainContent: true }), true);
 * assert.equal(needsTree(undefined), false);
 * ```
 *
 * @param options The content options, if any.
 * @returns `true` when a tree is needed.
 */
export function needsTree(options: ContentOptions | undefined): boolean {
  if (options === undefined) return false;
  if (options.select !== undefined) return true;
  const format = options.content;
  return format === "text" || format === "markdown" ||
    (format === "html" && options.mainContent === true);
}
