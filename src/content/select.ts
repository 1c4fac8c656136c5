/**
 * Selectors without code: named CSS selectors whose matches become a
 * result's `data`.
 *
 * @module
 */
import { compile, selectAll, selectOne } from "css-select";
import type { AnyNode, Element, ParentNode } from "domhandler";
import {
  type ParsedSelector,
  parseSelector,
  SELECTOR,
  type Selector,
} from "./selector_rule.ts";
import { type TextBudget, visibleText } from "./tree.ts";

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

function compileCss(css: string): Query | Error {
  try {
    return compile<AnyNode, Element>(css);
  } catch (err) {
    return err instanceof Error ? err : new Error(String(err));
  }
}

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
   * @throws {TypeError} When a selector is not valid, naming it and the
   * engine's reason.
   */
  constructor(spec: Readonly<Record<string, Selector>>) {
    for (const [name, selector] of Object.entries(spec)) {
      let failure: Error | undefined;
      let query: Query | undefined;
      const parsed = parseSelector(selector, (css) => {
        const compiled = compileCss(css);
        if (compiled instanceof Error) failure = compiled;
        else query = compiled;
        return query !== undefined;
      });
      if (parsed === undefined || query === undefined) {
        const why = failure === undefined ? "" : ` (${failure.message})`;
        throw new TypeError(
          `Cannot crawl as 'select.${name}' must be ${SELECTOR.text}: current value is ${
            JSON.stringify(selector)
          }${why}`,
          { cause: failure },
        );
      }
      this.#compiled.push({ ...parsed, name, query });
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
