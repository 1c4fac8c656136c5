/**
 * The request trace carried in a {@linkcode ContextVar} through every
 * request, its logs, and its parse task in the worker pool.
 *
 * @module
 */
import { ContextVar } from "./concurrency/context_var.ts";

/** The trace of one request. */
export interface Trace {
  /** One id for the whole crawl. */
  traceId: string;
  /** This request's span. */
  spanId: string;
  /** The span of the page that linked here. */
  parentSpanId?: string;
  /** The URL being fetched. */
  url: string;
  /** Link depth from the seeds. */
  depth: number;
  /** Attempt number, from 1. */
  attempt: number;
}

/**
 * The current request's trace: set by the crawler around each request, read
 * by the logger and carried to parse workers.
 *
 * @example Reading the trace inside a request
 * ```ts
 * import { traceVar } from "@trawl/trawl";
 *
 * console.log(traceVar.get()?.traceId ?? "outside any request");
 * ```
 */
export const traceVar: ContextVar<Trace> = new ContextVar<Trace>("trawl.trace");

/**
 * A random 16-hex-digit span id (64 bits), or 32 digits for a trace id.
 *
 * @example Usage
 * ```ts
 * import { newId } from "@trawl/trawl";
 *
 * console.log(newId().length); // 16
 * ```
 *
 * @param bytes Random bytes in the id.
 * @returns A lowercase hex string.
 */
export function newId(bytes = 8): string {
  const b = crypto.getRandomValues(new Uint8Array(bytes));
  let s = "";
  for (const x of b) s += x.toString(16).padStart(2, "0");
  return s;
}
