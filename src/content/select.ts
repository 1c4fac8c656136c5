/**
 * Selectors without code: named CSS selectors whose matches become a
 * result's `data`.
 *
 * @module
 */
import { compile, selectAll, selectOne } from "css-select";
import type { AnyNode, Element, ParentNode } from "domhandler";
import { type Rule, satisfying } from "../options/validate.ts";
import { type TextBudget, visibleText } from "./tree.ts";

/**
 * One named selector: `"css"` gives the first match's text (whitespace
 * collapsed) or `null`; `"css@attr"` gives the first match's attribute (URL
 * attributes resolved to absolute URLs) or `null`; a one-element array,
 * `["css"]` or `["css@attr"]`, gives every match's text or attribute, in
 * document order (matches without the attribute left out).
 */
export type Selector = string | readonly [string];

/** A selector's parts. */
export interface ParsedSelector {
  /** The CSS selector. */
  css: string;
  /** The attribute to read instead of the text. */
  attr?: string;
  /** Every match, not the first. */
  all: boolean;
}

/** A trailing `@attribute` (attribute names as HTML spells them). */
const ATTRIBUTE = /@([A-Za-z_:][-A-Za-z0-9_:.]*)$/;
/** Attributes holding a URL, resolved against the page. */
const URL_ATTRIBUTES: ReadonlySet<string> = new Set([
  "href",
  "src",
  "action",
  "cite",
  "poster",
  "data",
  "formaction",
]);

type Query = ReturnType<typeof compile<AnyNode, Element>>;

interface Compiled extends ParsedSelector {
  name: string;
  query: Query;
}

function compileCss(css: string): Query | undefined {
  try {
    return compile<AnyNode, Element>(css);
  } catch {
    return undefined;
  }
}

/**
 * Splits a selector into its CSS and attribute, and checks the CSS
 * compiles.
 *
 * @example
 * ```ts
 * import { parseSelector } from "./select.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(parseSelector("a.next@href"), { css: "a.next", attr: "href", all: false });
 * assert.deepEqual(parseSelector(["li"]), { css: "li", all: true });
 * assert.equal(parseSelector("h1["), undefined);
 * ```
 *
 * @param selector The selector.
 * @returns Its parts, or `undefined` when it is not a valid selector.
 */
export function parseSelector(selector: unknown): ParsedSelector | undefined {
  let all = false;
  let text = selector;
  if (Array.isArray(selector)) {
    if (selector.length !== 1) return undefined;
    all = true;
    text = selector[0];
  }
  if (typeof text !== "string" || text.trim() === "") return undefined;
  const m = ATTRIBUTE.exec(text);
  if (m !== null) {
    const css = text.slice(0, m.index);
    if (css.trim() === "") return undefined;
    if (compileCss(css) !== undefined) {
      return { css, attr: m[1].toLowerCase(), all };
    }
  }
  return compileCss(text) === undefined ? undefined : { css: text, all };
}

/**
 * The rule a selector follows (see {@linkcode Selector}); the library's
 * `select` option and the CLI's `--select` check with it.
 *
 * @example
 * ```ts
 * import { SELECTOR } from "./select.ts";
 * import { check } from "../options/validate.ts";
 * import assert from "node:assert/strict";
 *
 * assert.throws(() => check("crawl", "select.title", "h1[", SELECTOR), TypeError);
 * ```
 */
export const SELECTOR: Rule<Selector> = satisfying<Selector>(
  (v) => parseSelector(v) !== undefined,
  'a CSS selector, optionally followed by "@attribute" (alone, or alone in an array for every match)',
);

/**
 * Compiled selectors, ready to run on many pages.
 *
 * @example
 * ```ts
 * import { parseDocument } from "htmlparser2";
 * import { Selectors } from "./select.ts";
 * import assert from "node:assert/strict";
 *
 * const select = new Selectors({ title: "h1", next: "a[rel=next]@href", tags: [".tag"] });
 * const doc = parseDocument(
 *   '<h1> Hello\n world </h1><a rel=next href="/p2">next</a><i class=tag>a</i><i class=tag>b</i>',
 * );
 * assert.deepEqual(select.run(doc, "https://example.com/p1"), {
 *   title: "Hello world",
 *   next: "https://example.com/p2",
 *   tags: ["a", "b"],
 * });
 * ```
 */
export class Selectors {
  readonly #compiled: Compiled[] = [];

  /**
   * Compiles every selector.
   *
   * @param spec Names and selectors.
   * @throws {TypeError} When a selector is not valid.
   */
  constructor(spec: Readonly<Record<string, Selector>>) {
    for (const [name, selector] of Object.entries(spec)) {
      const parsed = parseSelector(selector);
      if (parsed === undefined) {
        throw new TypeError(
          `Cannot select '${name}' as ${SELECTOR.text}: current value is ${
            String(selector)
          }`,
        );
      }
      this.#compiled.push({ ...parsed, name, query: compileCss(parsed.css)! });
    }
  }

  /**
   * Runs the selectors on a page's tree. Given the page's size, the text
   * they read is bounded: elements entered plus characters read stay under
   * `(selectors + 1) × (size + 64 Ki)`, far above what a real page needs
   * (each selector may read the whole page) but linear, so nested matches
   * on a hostile page (each holding the next) cannot cost quadratic time;
   * past it, texts are cut.
   *
   * @param root The page's tree.
   * @param baseUrl What URL attributes resolve against.
   * @param size The page's length, to bound the work (none without).
   * @returns One value per name.
   */
  run(
    root: ParentNode,
    baseUrl?: string,
    size?: number,
  ): Record<string, unknown> {
    const base = baseUrl === undefined ? undefined : URL.parse(baseUrl);
    const data: Record<string, unknown> = {};
    const budget = {
      left: size === undefined
        ? Infinity
        : (this.#compiled.length + 1) * (size + 65_536),
    };
    for (const s of this.#compiled) {
      const read = (el: Element) =>
        valueOf(el, s.attr, base ?? undefined, budget);
      if (s.all) {
        const values: string[] = [];
        for (const el of selectAll<AnyNode, Element>(s.query, root)) {
          const value = read(el);
          if (value !== null) values.push(value);
        }
        data[s.name] = values;
      } else {
        const el = selectOne<AnyNode, Element>(s.query, root);
        data[s.name] = el === null ? null : read(el);
      }
    }
    return data;
  }
}

function valueOf(
  el: Element,
  attr: string | undefined,
  base: URL | undefined,
  budget: TextBudget,
): string | null {
  if (attr === undefined) {
    if (budget.left <= 0) return "";
    return visibleText(el, undefined, budget)
      .replace(/[\t\n\f\r \u00a0]+/g, " ").trim();
  }
  if (!Object.hasOwn(el.attribs, attr)) return null;
  const value = el.attribs[attr];
  if (!URL_ATTRIBUTES.has(attr)) return value;
  return URL.parse(value.trim(), base)?.href ?? value;
}
