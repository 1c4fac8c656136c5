/**
 * The errors of the extraction hook: one page's hook failed, or the module
 * could not be used at all.
 *
 * @module
 */

/** What went wrong with one page's hook. */
export type ExtractFailure =
  /** The hook threw (or its promise rejected). */
  | "threw"
  /**
   * What it returned cannot be structured-cloned (a function, a symbol) or
   * written as JSON (a BigInt, a cycle).
   */
  | "uncloneable"
  /** It ran past `extractTimeoutMs`. */
  | "timeout"
  /** Its worker died while it ran (it was replaced). */
  | "crashed"
  /** The module could not be loaded in the worker. */
  | "unloadable"
  /** With `select`, it returned something other than an object. */
  | "not-an-object";

/**
 * The extraction hook failed on one page. The page's result carries it as
 * `error: { name: "ExtractError", message }`; the page still counts as
 * fetched and its links are followed.
 *
 * @example Usage
 * ```ts
 * import { ExtractError } from "./extract_error.ts";
 *
 * const err = new ExtractError("https://example.com/", "threw", "the extract hook threw: TypeError: x is undefined");
 * console.log(err.name, err.reason, err.url);
 * ```
 */
export class ExtractError extends Error {
  /** The page's URL. */
  readonly url: string;
  /** What went wrong. */
  readonly reason: ExtractFailure;
  /**
   * Creates the error.
   *
   * @param url The page's URL.
   * @param reason What went wrong.
   * @param message The message, naming the cause.
   * @param options The underlying error.
   */
  constructor(
    url: string,
    reason: ExtractFailure,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = "ExtractError";
    this.url = url;
    this.reason = reason;
  }
}

/**
 * The `extract` module cannot be used: the crawl does not start. The CLI
 * reports it before crawling and exits with status 2; `flag` names the
 * permission to add when one is missing.
 *
 * @example Usage
 * ```ts
 * import { ExtractModuleError } from "@trawl/trawl";
 *
 * const err = new ExtractModuleError(
 *   "file:///app/hook.ts",
 *   "permission",
 *   "read access is missing: run again with --allow-read=/app",
 *   "--allow-read=/app",
 * );
 * console.log(err.name, err.problem, err.flag);
 * ```
 */
export class ExtractModuleError extends Error {
  /** The module's URL. */
  readonly specifier: string;
  /**
   * What is wrong: `"not-found"` (no module there), `"permission"` (read
   * access to it, or to a module it imports, is not granted), `"load"` (it
   * does not parse, or its top level threw) or `"no-default"` (its default
   * export is not a function).
   */
  readonly problem: "not-found" | "permission" | "load" | "no-default";
  /** The permission flag to add, for `"permission"`. */
  readonly flag?: string;
  /**
   * Creates the error.
   *
   * @param specifier The module's URL.
   * @param problem What is wrong.
   * @param detail The details, appended to the message.
   * @param flag The permission flag to add, if one is missing.
   * @param options The underlying error.
   */
  constructor(
    specifier: string,
    problem: ExtractModuleError["problem"],
    detail: string,
    flag?: string,
    options?: ErrorOptions,
  ) {
    super(`Cannot use extract module '${specifier}': ${detail}`, options);
    this.name = "ExtractModuleError";
    this.specifier = specifier;
    this.problem = problem;
    if (flag !== undefined) this.flag = flag;
  }
}
