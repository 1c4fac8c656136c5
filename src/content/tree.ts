/**
 * The page's tree (htmlparser2's `domhandler` nodes, built in the parse that
 * finds the links) and how content is read from it: an iterative walk, so
 * no depth of nesting overflows the stack, that leaves out what a reader
 * never sees.
 *
 * @module
 */
import type { AnyNode, Element, ParentNode } from "domhandler";

/** Elements whose content is never page content. */
const NEVER_CONTENT: ReadonlySet<string> = new Set([
  "head",
  "script",
  "style",
  "template",
  "noscript",
  "iframe",
  "object",
  "embed",
  "svg",
  "canvas",
  "audio",
  "video",
  "select",
  "button",
  "input",
  "textarea",
  "title",
  "meta",
  "link",
  "base",
]);

const HIDING_STYLE =
  /(?:^|;)\s*(?:display\s*:\s*none|visibility\s*:\s*hidden)/i;

/**
 * Whether an element and its content are left out of text and Markdown:
 * scripts, styles, `<template>`, `<head>`, embedded objects, form
 * controls, and elements that are `hidden`, `aria-hidden="true"` or styled
 * `display: none` / `visibility: hidden`.
 *
 * @example
 * ```ts
 * import { isHidden } from "./tree.ts";
 * import { Element } from "domhandler";
 * import assert from "node:assert/strict";
 *
 * assert.ok(isHidden(new Element("div", { style: "display: none" })));
 * assert.ok(!isHidden(new Element("div", {})));
 * ```
 *
 * @param el The element.
 * @returns `true` when nothing of it is content.
 */
export function isHidden(el: Element): boolean {
  if (NEVER_CONTENT.has(el.name)) return true;
  const a = el.attribs;
  if (a.hidden !== undefined) return true;
  const aria = a["aria-hidden"];
  if (aria !== undefined && aria.trim().toLowerCase() === "true") return true;
  const style = a.style;
  return style !== undefined && HIDING_STYLE.test(style);
}

/**
 * Whether a link is a heading's or definition's permalink (Sphinx's `¶`,
 * `#`, `§`): its only content is one or two symbols, no letter or digit.
 * Text and Markdown leave it out.
 *
 * @example
 * ```ts
 * import { parseDocument } from "htmlparser2";
 * import { isPermalink } from "./tree.ts";
 * import assert from "node:assert/strict";
 *
 * const [a] = parseDocument('<a href="#x">¶</a>').children;
 * assert.ok(a.type === "tag" && isPermalink(a));
 * ```
 *
 * @param a The `<a>` element.
 * @returns `true` for a permalink.
 */
export function isPermalink(a: Element): boolean {
  if (a.children.length !== 1) return false;
  const child = a.children[0];
  if (child.type !== "text") return false;
  const text = child.data.trim();
  return text.length > 0 && text.length <= 2 && !/[\p{L}\p{N}]/u.test(text);
}

/** What a walk over a tree reports. */
export interface TreeVisitor {
  /**
   * An element starts; `false` skips its content (and its `close`).
   *
   * @param el The element.
   */
  open(el: Element): boolean;
  /**
   * An element that was opened ends.
   *
   * @param el The element.
   */
  close(el: Element): void;
  /**
   * Text (entities decoded).
   *
   * @param data The text.
   */
  text(data: string): void;
}

/**
 * Walks `root`'s descendants in document order without recursion. Comments,
 * CDATA and directives are passed over; elements in `skip` are not entered.
 *
 * @example Collecting text
 * ```ts
 * import { parseDocument } from "htmlparser2";
 * import { walk } from "./tree.ts";
 * import assert from "node:assert/strict";
 *
 * let text = "";
 * walk(parseDocument("<p>a<b>b</b></p>"), {
 *   open: () => true,
 *   close() {},
 *   text: (t) => void (text += t),
 * });
 * assert.equal(text, "ab");
 * ```
 *
 * @param root Where to start (not reported itself).
 * @param visitor What to call.
 * @param skip Elements not to enter.
 */
export function walk(
  root: ParentNode,
  visitor: TreeVisitor,
  skip?: ReadonlySet<AnyNode>,
): void {
  const parents: ParentNode[] = [root];
  const indexes: number[] = [0];
  while (parents.length > 0) {
    const top = parents.length - 1;
    const parent = parents[top];
    const i = indexes[top];
    if (i >= parent.children.length) {
      parents.pop();
      indexes.pop();
      if (parents.length > 0) visitor.close(parent as Element);
      continue;
    }
    indexes[top] = i + 1;
    const node = parent.children[i];
    if (node.type === "text") {
      visitor.text(node.data);
    } else if (
      (node.type === "tag" || node.type === "script" ||
        node.type === "style") && !skip?.has(node)
    ) {
      if (visitor.open(node)) {
        parents.push(node);
        indexes.push(0);
      }
    }
  }
}

/**
 * The visible text of `root` as it appears in the page: every text node not
 * inside a hidden element (see {@linkcode isHidden}), concatenated;
 * `<br>` gives `"\n"`.
 *
 * @example
 * ```ts
 * import { parseDocument } from "htmlparser2";
 * import { visibleText } from "./tree.ts";
 * import assert from "node:assert/strict";
 *
 * const doc = parseDocument("<pre>a<script>x</script><br>b</pre>");
 * assert.equal(visibleText(doc), "a\nb");
 * ```
 *
 * @param root The subtree.
 * @param skip Elements left out as well.
 * @param budget Work allowed, shared across calls (unlimited without).
 * @returns The text.
 */
export function visibleText(
  root: ParentNode,
  skip?: ReadonlySet<AnyNode>,
  budget?: TextBudget,
): string {
  const parts: string[] = [];
  walk(root, {
    open: (el) => {
      if (budget !== undefined && --budget.left < 0) return false;
      if (el.name === "br") parts.push("\n");
      return !isHidden(el);
    },
    close() {},
    text: (data) => {
      if (budget === undefined) return void parts.push(data);
      if (budget.left <= 0) return;
      const kept = data.length <= budget.left
        ? data
        : data.slice(0, budget.left);
      budget.left -= kept.length;
      parts.push(kept);
    },
  }, skip);
  return parts.join("");
}

/**
 * Work left for {@linkcode visibleText}: each element entered costs one,
 * each character one. Shared by many calls, it keeps text of nested matches
 * (each holding the next) from costing quadratic time.
 */
export interface TextBudget {
  /** Units left; at 0, text is cut and elements are not entered. */
  left: number;
}
