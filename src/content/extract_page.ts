/**
 * The parse of a page whose crawl has an extraction hook: the usual parse,
 * then the hook on a {@linkcode PageView}, its value merged into the page's
 * `data`. Runs in a parse worker, or inline with `workers: 0`.
 *
 * @module
 */
import type { Clock } from "../concurrency/clock.ts";
import { decodeHtml } from "../parse/charset.ts";
import {
  type ParsedPage,
  type ParseInput,
  parseText,
} from "../parse/parse_html.ts";
import { ExtractError, type ExtractFailure } from "./extract_error.ts";
import { runHook } from "./extract_hook.ts";
import { loadExtract } from "./extract_module.ts";
import { type DomDocument, PageView } from "./page.ts";

/** What the hook of one page needs besides the body (plain data). */
export interface ExtractInput {
  /** The module's URL. */
  module: string;
  /** The `extractTimeoutMs` option. */
  timeoutMs: number;
  /** The URL as discovered. */
  url: string;
  /** The HTTP status. */
  status: number;
  /** The response headers. */
  headers: [string, string][];
  /**
   * Set when the hook already failed on this page in a way that ended its
   * worker (a crash, or a run past the limit the worker could not end): the
   * page is parsed again without it, and carries this error.
   */
  failed?: { reason: ExtractFailure; message: string };
}

let domParser: Promise<(html: string) => DomDocument> | undefined;

/** linkedom's `parseHTML`, loaded once per thread when a hook first runs. */
function loadDomParser(): Promise<(html: string) => DomDocument> {
  // linkedom types its window with the DOM library's types, which Deno's
  // default libraries lack: read `document` through a structural type.
  domParser ??= import("linkedom").then(({ parseHTML }) => (html: string) =>
    (parseHTML(html) as unknown as { document: DomDocument }).document
  );
  return domParser;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function fail(page: ParsedPage, error: ExtractError): void {
  page.extractError = { name: error.name, message: error.message };
}

/** Puts the hook's value into `page.data`, over the selectors' values. */
function merge(page: ParsedPage, url: string, value: unknown): void {
  if (page.data === undefined) {
    if (value !== undefined) page.data = value;
  } else if (isPlainObject(value)) {
    page.data = { ...(page.data as Record<string, unknown>), ...value };
  } else if (value !== undefined) {
    fail(
      page,
      new ExtractError(
        url,
        "not-an-object",
        "the extract hook must return an object (or undefined) when select is set: it returned " +
          (Array.isArray(value) ? "an array" : typeof value),
      ),
    );
  }
}

/**
 * Parses a page, then runs the crawl's hook on it. The hook's failures
 * become the page's `extractError` (the page is parsed all the same);
 * URLs it follows become `follow`.
 *
 * @example
 * ```ts ignore
 * const page = await parseWithHook(bytes, input, systemClock, () => progress(i));
 * ```
 *
 * @param bytes The body.
 * @param input The page and its `extract` part.
 * @param clock Times the hook.
 * @param onHook Called when the hook starts (after the parse, and after
 *   the module is loaded).
 * @returns The parsed page.
 */
export async function parseWithHook(
  bytes: Uint8Array,
  input: ParseInput & { extract: ExtractInput },
  clock?: Clock,
  onHook?: () => void,
): Promise<ParsedPage> {
  const { text, charset } = decodeHtml(bytes, input.contentType);
  const page = parseText(text, charset, input);
  const ex = input.extract;
  if (ex.failed !== undefined) {
    fail(page, new ExtractError(ex.url, ex.failed.reason, ex.failed.message));
    return page;
  }
  let hook;
  let parseDocument;
  try {
    [hook, parseDocument] = await Promise.all([
      loadExtract(ex.module),
      loadDomParser(),
    ]);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    fail(page, new ExtractError(ex.url, "unloadable", message));
    return page;
  }
  // Loading the module (once per thread) is not the hook's time.
  onHook?.();
  const view = new PageView({
    url: ex.url,
    finalUrl: input.url,
    status: ex.status,
    headers: new Headers(ex.headers),
    html: text,
    links: page.links,
    base: page.base ?? input.url,
    parseDocument,
  });
  const out = await runHook(hook, view, ex.timeoutMs, clock);
  const followed = view.followed;
  if (followed.length > 0) page.follow = followed;
  if ("error" in out) fail(page, out.error);
  else merge(page, ex.url, out.data);
  return page;
}
