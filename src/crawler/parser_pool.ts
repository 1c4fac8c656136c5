/**
 * The parser workers' pool options, apart from `page_parser.ts` so that the
 * CLI's main thread can start a parser worker while the crawl thread loads
 * (see `crawl_thread.ts`) without loading the parser itself.
 *
 * @module
 */
import type { WorkerPoolOptions } from "../concurrency/worker_pool_options.ts";
import type { ContentOptions } from "../content/page_content.ts";
import { needsTree } from "../content/needs_tree.ts";
import { traceVar } from "../telemetry/trace.ts";

/** The parser workers' module. */
export const PARSER_WORKER: URL = new URL(
  "../parse/parse_worker.ts",
  import.meta.url,
);

/**
 * The heap of parser workers that only scan pages for links: V8 would give
 * each busy worker up to a 96 MiB young generation and let its old
 * generation grow to four times what survives. A scan keeps little (a
 * page's links), so a 4 MiB young generation costs no speed (on the
 * 10,000-page benchmark it spent less CPU a page than 8 MiB: 0.368 ms
 * against 0.398) and an old-generation limit under 2 GiB makes V8 collect
 * sooner (the live heap is a few MiB; the limit is never near).
 */
const SCAN_HEAP = {
  maxYoungGenerationSizeMb: 4,
  maxOldGenerationSizeMb: 1536,
} as const;

/**
 * The heap of parser workers that do more with each page: build its tree
 * (content options, an extraction hook) or its WARC block. A tree outlives
 * more of a small young generation's collections, so they keep 8 MiB (with
 * 4, `--content markdown` ran 10 % slower and `--select` 27 %, and both
 * peaked 35 MiB higher; with `--warc` the parser spent 2-7 % more CPU).
 */
const WORK_HEAP = {
  maxYoungGenerationSizeMb: 8,
  maxOldGenerationSizeMb: 1536,
} as const;

/** The crawl options that decide what parser workers do with a page. */
export interface ParsedPages extends ContentOptions {
  /** An extraction hook's module. */
  extract?: unknown;
  /** The WARC files the pages go to (the parser prepares their blocks). */
  warc?: unknown;
}

/**
 * The options of the pool of `workers` parser workers.
 *
 * @example Usage
 * ```ts
 * import { parserPoolOptions } from "./parser_pool.ts";
 * import assert from "node:assert/strict";
 *
 * const options = parserPoolOptions(2, "inherit");
 * assert.equal(options.size, 2);
 * assert.equal(options.resourceLimits?.maxYoungGenerationSizeMb, 4);
 * const trees = parserPoolOptions(2, "inherit", { content: "markdown" });
 * assert.equal(trees.resourceLimits?.maxYoungGenerationSizeMb, 8);
 * const warc = parserPoolOptions(2, "inherit", { warc: "crawl.warc.gz" });
 * assert.equal(warc.resourceLimits?.maxYoungGenerationSizeMb, 8);
 * assert.equal(parserPoolOptions(1, "none").resourceLimits, undefined);
 * ```
 *
 * @param workers How many workers (at least 1).
 * @param permissions Their permissions: `"none"` makes them Web Workers,
 * which take no heap limits.
 * @param pages The crawl's content options, extraction hook and WARC
 * files, which decide whether the workers only scan pages for links (a
 * smaller young generation).
 * @returns The pool's options.
 */
export function parserPoolOptions(
  workers: number,
  permissions: "inherit" | "none",
  pages: ParsedPages = {},
): WorkerPoolOptions {
  const scan = pages.extract === undefined && pages.warc === undefined &&
    !needsTree(pages);
  return {
    size: workers,
    maxQueue: workers * 4,
    pipeline: 2,
    permissions,
    context: traceVar,
    resourceLimits: permissions === "none"
      ? undefined
      : scan
      ? SCAN_HEAP
      : WORK_HEAP,
  };
}
