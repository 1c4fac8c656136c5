/**
 * The crawl options about page content, checked with the shared rules:
 * `extract`, `extractTimeoutMs`, `select`, `content` and `mainContent`.
 *
 * @module
 */
import {
  BOOLEAN,
  check,
  oneOf,
  optional,
  POSITIVE_NUMBER,
  type Rule,
  satisfying,
} from "../options/validate.ts";
import { extractModuleUrl } from "./extract_module.ts";
import type { ContentFormat } from "./page_content.ts";
import { SELECTOR, type Selector } from "./selector_rule.ts";

/** The content formats. */
export const CONTENT_FORMAT: Rule<ContentFormat> = oneOf(
  ["text", "markdown", "html"] as const,
);

/** An extract module: a path, a specifier or a `URL`. */
export const EXTRACT_MODULE: Rule<string | URL> = satisfying<string | URL>(
  (v) => (typeof v === "string" && v.trim() !== "") || v instanceof URL,
  "a module path, specifier or URL",
);

/** A `select` option: an object of named selectors. */
export const SELECT: Rule<Record<string, Selector>> = satisfying<
  Record<string, Selector>
>(
  (v) =>
    typeof v === "object" && v !== null && !Array.isArray(v) &&
    Object.keys(v).length > 0,
  "an object of named selectors",
);

/** The content options as the crawl uses them. */
export interface ResolvedContent {
  /** The extract module's URL. */
  extract?: string;
  /** How long one page's hook may run, ms. */
  extractTimeoutMs: number;
  /** The named selectors. */
  select?: Readonly<Record<string, Selector>>;
  /** The content format. */
  content?: ContentFormat;
  /** Keep only the main content. */
  mainContent: boolean;
}

/**
 * Checks the content options and fills in their defaults.
 *
 * @example
 * ```ts
 * import { resolveContentOptions } from "./content_options.ts";
 * import assert from "node:assert/strict";
 *
 * const o = resolveContentOptions({ select: { title: "h1" } }, { extractTimeoutMs: 10_000, mainContent: false });
 * assert.deepEqual(o.select, { title: "h1" });
 * assert.throws(() => resolveContentOptions({ select: { title: "h1[" } }, { extractTimeoutMs: 1, mainContent: false }), TypeError);
 * ```
 *
 * @param options The crawl's options.
 * @param defaults The defaults (from the crawl's `DEFAULTS`).
 * @returns The options checked.
 * @throws {TypeError} When an option has the wrong type or a selector is
 *   not valid, or `extract` is given with sandboxed workers.
 * @throws {RangeError} When `extractTimeoutMs` is not a positive number.
 */
export function resolveContentOptions(
  options: {
    extract?: unknown;
    extractTimeoutMs?: unknown;
    select?: unknown;
    content?: unknown;
    mainContent?: unknown;
    workerPermissions?: unknown;
  },
  defaults: { extractTimeoutMs: number; mainContent: boolean },
): ResolvedContent {
  const o: ResolvedContent = {
    extractTimeoutMs: optional(
      "crawl",
      "extractTimeoutMs",
      options.extractTimeoutMs,
      POSITIVE_NUMBER,
      defaults.extractTimeoutMs,
    ),
    mainContent: optional(
      "crawl",
      "mainContent",
      options.mainContent,
      BOOLEAN,
      defaults.mainContent,
    ),
  };
  if (options.extract !== undefined) {
    o.extract = extractModuleUrl(
      check("crawl", "extract", options.extract, EXTRACT_MODULE),
    );
    if (options.workerPermissions === "none") {
      throw new TypeError(
        "Cannot crawl as 'extract' needs 'workerPermissions' \"inherit\": sandboxed parser workers cannot load the module",
      );
    }
  }
  if (options.select !== undefined) {
    const select = check("crawl", "select", options.select, SELECT);
    for (const [name, selector] of Object.entries(select)) {
      check("crawl", `select.${name}`, selector, SELECTOR);
    }
    o.select = structuredClone(select);
  }
  if (options.content !== undefined) {
    o.content = check("crawl", "content", options.content, CONTENT_FORMAT);
  }
  return o;
}
