/**
 * HTML of a part of the page, cleaned of what a reader never sees.
 *
 * @module
 */
import type { AnyNode, ParentNode } from "domhandler";
import { isHidden, walk } from "./tree.ts";

/** Elements without content or end tag. */
const VOID: ReadonlySet<string> = new Set([
  "area",
  "base",
  "br",
  "col",
  "embed",
  "hr",
  "img",
  "input",
  "link",
  "meta",
  "source",
  "track",
  "wbr",
]);

/** Attribute names that serialize safely (no controls, quotes, `<>/=`). */
// deno-lint-ignore no-control-regex
const ATTRIBUTE_NAME = /^[^\s"'<>/=\u0000-\u001f]+$/;

function escapeText(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;");
}

function escapeAttribute(value: string): string {
  return value.replaceAll("&", "&amp;").replaceAll('"', "&quot;");
}

/**
 * The HTML of `root`'s content without hidden elements, scripts, styles,
 * templates, comments and the elements in `skip`: what main content gives
 * as `"html"`. Written without recursion, so any depth of nesting is fine.
 *
 * @example
 * ```ts
 * import { parseDocument } from "htmlparser2";
 * import { cleanHtml } from "./clean_html.ts";
 * import assert from "node:assert/strict";
 *
 * const doc = parseDocument('<p class=a>x &amp; y<script>1</script><br><span hidden>no</span></p>');
 * assert.equal(cleanHtml(doc), '<p class="a">x &amp; y<br></p>');
 * ```
 *
 * @param root The document or element.
 * @param skip Elements left out.
 * @returns The markup.
 */
export function cleanHtml(
  root: ParentNode,
  skip?: ReadonlySet<AnyNode>,
): string {
  const parts: string[] = [];
  walk(root, {
    open(el) {
      if (isHidden(el)) return false;
      let tag = `<${el.name}`;
      for (const [name, value] of Object.entries(el.attribs)) {
        if (ATTRIBUTE_NAME.test(name)) {
          tag += ` ${name}="${escapeAttribute(value)}"`;
        }
      }
      parts.push(tag + ">");
      return !VOID.has(el.name);
    },
    close(el) {
      parts.push(`</${el.name}>`);
    },
    text(data) {
      parts.push(escapeText(data));
    },
  }, skip);
  return parts.join("");
}
