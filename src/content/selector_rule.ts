/**
 * The rule a named selector follows, light enough for the CLI's flag table
 * and the crawl's option checks: it parses the CSS (css-what) but does not
 * load the selector engine (css-select, with its DOM helpers). What only
 * the engine can tell (an unknown pseudo-class, a pseudo-element) is
 * checked by {@linkcode compileSelectors} when a crawl starts.
 *
 * @module
 */
import { parse } from "css-what";
import { type Rule, satisfying } from "../options/validate.ts";

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

/**
 * Splits a selector into its CSS and attribute, and checks the CSS parses.
 * A trailing `@name` is an attribute only when the CSS before it parses;
 * otherwise the whole text is taken as CSS.
 *
 * @example
 * ```ts
 * import { parseSelector } from "./selector_rule.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(parseSelector("a.next@href"), { css: "a.next", attr: "href", all: false });
 * assert.deepEqual(parseSelector(["li"]), { css: "li", all: true });
 * assert.equal(parseSelector("h1["), undefined);
 * ```
 *
 * @param selector The selector.
 * @param valid Whether a CSS text is valid.
 * @default {valid} CSS that parses
 * @returns Its parts, or `undefined` when it is not a valid selector.
 */
export function parseSelector(
  selector: unknown,
  valid: (css: string) => boolean = parses,
): ParsedSelector | undefined {
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
    if (valid(css)) return { css, attr: m[1].toLowerCase(), all };
  }
  return valid(text) ? { css: text, all } : undefined;
}

function parses(css: string): boolean {
  try {
    parse(css);
    return true;
  } catch {
    return false;
  }
}

/**
 * The rule a selector follows (see {@linkcode Selector}); the library's
 * `select` option and the CLI's `--select` check with it.
 *
 * @example
 * ```ts
 * import { SELECTOR } from "./selector_rule.ts";
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
 * Compiles each selector with the selector engine, which it loads: a
 * selector that parses but that the engine cannot run (an unknown
 * pseudo-class, a pseudo-element, a namespace) is refused before the crawl
 * starts.
 *
 * @example
 * ```ts
 * import { compileSelectors } from "./selector_rule.ts";
 * import assert from "node:assert/strict";
 *
 * await compileSelectors({ title: "h1", next: "a[rel=next]@href" });
 * await assert.rejects(compileSelectors({ x: "p:hovering" }), TypeError);
 * ```
 *
 * @param select The named selectors, each following {@linkcode SELECTOR}.
 * @throws {TypeError} Naming the first selector the engine refuses, and why.
 */
export async function compileSelectors(
  select: Readonly<Record<string, Selector>>,
): Promise<void> {
  const { Selectors } = await import("./select.ts");
  new Selectors(select);
}
