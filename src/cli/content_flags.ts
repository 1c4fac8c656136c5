/**
 * The flags about page content: `--extract`, `--extract-timeout`,
 * `--select`, `--content` and `--main-content`, rows of the flag table
 * checked with the library's own rules.
 *
 * @module
 */
import { CONTENT_FORMAT } from "../content/content_options.ts";
import { SELECTOR, type Selector } from "../content/selector_rule.ts";
import { DEFAULTS } from "../crawler/defaults.ts";
import { POSITIVE_INT } from "../options/validate.ts";
import { fileName, integer, word } from "./flag_parsers.ts";
import { OFF } from "./flag_defaults.ts";
import type { Flag } from "./flags.ts";
import { checkFlag, UsageError } from "./usage_error.ts";

/** `NAME=CSS`, `NAME=CSS@ATTR`, or `NAME[]=…` for every match. */
const NAMED = /^([^=\s[\]]+)(\[\])?=(.*)$/s;

/**
 * Reads one `--select` value: `NAME=CSS` (the first match's text),
 * `NAME=CSS@ATTR` (its attribute), and `NAME[]=CSS` or `NAME[]=CSS@ATTR`
 * (every match).
 *
 * @example Usage
 * ```ts
 * import { selectPair } from "./content_flags.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(selectPair("title=h1", "--select"), ["title", "h1"]);
 * assert.deepEqual(selectPair("tags[]=a.tag@href", "--select"), ["tags", ["a.tag@href"]]);
 * assert.throws(() => selectPair("title=h1[", "--select"));
 * ```
 *
 * @param text The flag's text.
 * @param flag The flag.
 * @returns The name and its selector.
 */
export function selectPair(text: string, flag: string): [string, Selector] {
  const m = NAMED.exec(text);
  if (m === null) {
    throw new UsageError(
      `${flag} must be NAME=CSS, NAME=CSS@ATTR, or NAME[]=… for every match: got ${
        JSON.stringify(text)
      }`,
    );
  }
  const [, name, all, css] = m;
  const selector: Selector = all ? [css] : css;
  checkFlag(`${flag} ${name}`, css, selector, SELECTOR);
  return [name, selector];
}

/**
 * The `--select` values as the `select` option; a name given twice is a
 * usage error.
 *
 * @example Usage
 * ```ts
 * import { collectSelectors } from "./content_flags.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(collectSelectors([["a", "h1"], ["b", ["li"]]]), { a: "h1", b: ["li"] });
 * ```
 *
 * @param pairs Names and selectors, in order.
 * @returns The selectors by name.
 */
export function collectSelectors(
  pairs: readonly unknown[],
): Record<string, Selector> {
  const select: Record<string, Selector> = {};
  for (const [name, selector] of pairs as [string, Selector][]) {
    if (Object.hasOwn(select, name)) {
      throw new UsageError(`--select ${name} is given twice`);
    }
    select[name] = selector;
  }
  return select;
}

/** The content flags, in the order `--help` lists them. */
export const CONTENT_FLAGS: readonly Flag[] = [
  {
    name: "content",
    arg: "FORMAT",
    group: "Content",
    sets: "options.content",
    parse: word(CONTENT_FORMAT),
    help: `put each page in its result's "content": ${CONTENT_FORMAT.text} ` +
      "(Markdown keeps headings, links made absolute, lists, tables, code " +
      "with its language, images and quotes; html is the decoded page)",
    default: "none",
  },
  {
    name: "main-content",
    group: "Content",
    sets: "options.mainContent",
    value: true,
    needs: { oneOf: ["content"], text: "--content FORMAT" },
    help: "keep only the main content: navigation, headers, footers, " +
      "asides, cookie banners and link lists left out, never everything",
    default: OFF,
  },
  {
    name: "select",
    arg: "NAME=CSS",
    multiple: true,
    group: "Content",
    sets: "options.select",
    parse: selectPair,
    collect: collectSelectors,
    help: 'put the first match\'s text in "data".NAME (null when none; ' +
      "repeatable); NAME=CSS@ATTR gives an attribute (URLs made " +
      "absolute); NAME[]=CSS or NAME[]=CSS@ATTR gives every match",
    default: "none",
  },
  {
    name: "extract",
    arg: "FILE",
    group: "Content",
    sets: "options.extract",
    parse: fileName("a module"),
    help: "run this module's default export (page) => data on every page, " +
      'in the parser workers; what it returns goes in "data" (merged over ' +
      "--select's); needs --allow-read for FILE",
    default: "none",
  },
  {
    name: "extract-timeout",
    arg: "MS",
    group: "Content",
    sets: "options.extractTimeoutMs",
    parse: integer(POSITIVE_INT),
    needs: { oneOf: ["extract"], text: "--extract FILE" },
    help: "how long the --extract hook may run on one page; past it the " +
      "page gets an ExtractError (its links are still followed)",
    default: String(DEFAULTS.extractTimeoutMs),
  },
];
