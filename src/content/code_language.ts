/**
 * The language of a code block, from the classes highlighters put on it.
 *
 * @module
 */
import type { Element } from "domhandler";

/**
 * `language-x` (HTML spec, Prism, highlight.js), `lang-x` (Prettify),
 * `highlight-x` and `highlight-source-x` (Sphinx, GitHub), `brush: x`
 * (SyntaxHighlighter), `sourceCode x` (Pandoc).
 */
const LANGUAGE_CLASS =
  /(?:^|\s)(?:(?:language|lang|highlight(?:-source)?)[-_]|brush:\s*|sourceCode\s+)([A-Za-z0-9_+#.-]+)/i;

/** Class names that name no language. */
const NOT_A_LANGUAGE: ReadonlySet<string> = new Set([
  "default",
  "none",
  "plain",
  "plaintext",
  "nohighlight",
  "notranslate",
]);

/** How many ancestors of a `<pre>` may carry its language (Sphinx: two). */
const ANCESTORS = 3;

function fromClass(el: Element): string | undefined {
  const cls = el.attribs.class;
  if (cls === undefined) return undefined;
  const m = LANGUAGE_CLASS.exec(cls);
  if (m === null) return undefined;
  const lang = m[1].toLowerCase();
  return NOT_A_LANGUAGE.has(lang) ? undefined : lang;
}

/**
 * The language a code block's classes name: on the `<pre>`, its first
 * `<code>` child, or one of its three nearest ancestors.
 *
 * @example A Sphinx block
 * ```ts
 * import { parseDocument } from "htmlparser2";
 * import { selectOne } from "css-select";
 * import type { AnyNode, Element } from "domhandler";
 * import { codeLanguage } from "./code_language.ts";
 * import assert from "node:assert/strict";
 *
 * const doc = parseDocument(
 *   '<div class="highlight-python3 notranslate"><div class="highlight"><pre>x = 1</pre></div></div>',
 * );
 * assert.equal(codeLanguage(selectOne<AnyNode, Element>("pre", doc)!), "python3");
 * ```
 *
 * @param pre The `<pre>` element.
 * @returns The language, lowercased, or `undefined`.
 */
export function codeLanguage(pre: Element): string | undefined {
  const own = fromClass(pre);
  if (own !== undefined) return own;
  for (const child of pre.children) {
    if (child.type === "tag") {
      if (child.name === "code") {
        const lang = fromClass(child);
        if (lang !== undefined) return lang;
      }
      break;
    }
  }
  let parent = pre.parent;
  for (let i = 0; i < ANCESTORS && parent?.type === "tag"; i++) {
    const lang = fromClass(parent);
    if (lang !== undefined) return lang;
    parent = parent.parent;
  }
  return undefined;
}
