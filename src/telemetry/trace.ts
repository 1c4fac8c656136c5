/**
 * The request trace carried in a {@linkcode ContextVar} through every
 * request, its logs, and its parse task in the worker pool.
 *
 * @module
 */
import { ContextVar } from "../concurrency/context_var.ts";

/** The trace of one request. */
export interface Trace {
  /**
   * One id for the whole crawl; with OpenTelemetry on, the trace of this
   * URL's `trawl.page` span (one trace per URL).
   */
  traceId: string;
  /** This request's span (the exported `trawl.page` span's, when sampled). */
  spanId: string;
  /** The span of the page that linked here. */
  parentSpanId?: string;
  /** The URL being fetched. */
  url: string;
  /** Link depth from the seeds. */
  depth: number;
  /** Attempt number, from 1. */
  attempt: number;
  /**
   * The ids are an exported OpenTelemetry span's: work on the request in
   * other threads (the parse) adds its spans under it.
   */
  sampled?: boolean;
}

/**
 * The current request's trace: set by the crawler around each request, read
 * by the logger and carried to parse workers.
 *
 * @example Reading the trace inside a request
 * ```ts
 * import { traceVar } from "./trace.ts";
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
 * import { newId } from "./trace.ts";
 *
 * console.log(newId().length); // 16
 * ```
 *
 * @param bytes Random bytes in the id.
 * @returns A lowercase hex string.
 */
export function newId(bytes = 8): string {
  if (pool.length - used < bytes) {
    crypto.getRandomValues(pool);
    used = 0;
  }
  let s = "";
  for (let i = used; i < used + bytes; i++) s += HEX[pool[i]];
  used += bytes;
  return s;
}

/** Random bytes drawn 4 KiB at a time: one system call per 512 span ids. */
const pool = new Uint8Array(4096);
let used = pool.length;
const HEX = Array.from(
  { length: 256 },
  (_, i) => i.toString(16).padStart(2, "0"),
);
