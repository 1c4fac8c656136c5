/**
 * The parser workers' pool options, apart from `page_parser.ts` so that the
 * CLI's main thread can start a parser worker while the crawl thread loads
 * (see `crawl_thread.ts`) without loading the parser itself.
 *
 * @module
 */
import type { WorkerPoolOptions } from "../concurrency/worker_pool_options.ts";
import { traceVar } from "../telemetry/trace.ts";

/** The parser workers' module. */
export const PARSER_WORKER: URL = new URL(
  "../parse/parse_worker.ts",
  import.meta.url,
);

/**
 * The parser workers' heap: V8 would give each busy worker up to a 96 MiB
 * young generation and let its old generation grow to four times what
 * survives; a parse keeps little (a page's links), so a small young
 * generation costs no speed, and an old-generation limit under 2 GiB makes
 * V8 collect sooner (the live heap is a few MiB; the limit is never near).
 */
const PARSER_HEAP = {
  maxYoungGenerationSizeMb: 8,
  maxOldGenerationSizeMb: 1536,
} as const;

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
 * assert.equal(options.resourceLimits?.maxYoungGenerationSizeMb, 8);
 * assert.equal(parserPoolOptions(1, "none").resourceLimits, undefined);
 * ```
 *
 * @param workers How many workers (at least 1).
 * @param permissions Their permissions: `"none"` makes them Web Workers,
 * which take no heap limits.
 * @returns The pool's options.
 */
export function parserPoolOptions(
  workers: number,
  permissions: "inherit" | "none",
): WorkerPoolOptions {
  return {
    size: workers,
    maxQueue: workers * 4,
    pipeline: 2,
    permissions,
    context: traceVar,
    resourceLimits: permissions === "none" ? undefined : PARSER_HEAP,
  };
}
