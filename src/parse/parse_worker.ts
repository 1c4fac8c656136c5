/**
 * The parse worker: runs {@linkcode parseHtml} on page bodies sent by the
 * crawler's `WorkerPool`, and replies with each page packed (see
 * {@linkcode packPage}). A task is one page, or a batch of pages each with
 * its own trace, run inside `traceVar` so worker-side code sees the trace
 * of the request it works for.
 *
 * @module
 */
import { serveWorker } from "../concurrency/serve_worker.ts";
import { parseInSpan } from "../telemetry/parse_span.ts";
import { type Trace, traceVar } from "../telemetry/trace.ts";
import {
  type PackedPage,
  packPage,
  parseHtml,
  type ParseInput,
} from "./parse_html.ts";

/** One page of a batch, with the trace of its request. */
export interface BatchItem extends ParseInput {
  /** The request's trace (restored around the parse). */
  trace?: Trace;
}

/** A page's outcome in a batch: the page, or why it failed. */
export type BatchResult = PackedPage | {
  error: { name: string; message: string };
};

function parseOne(input: ParseInput): PackedPage {
  try {
    return packPage(
      parseHtml(new Uint8Array(input.body), input),
      input.sessionParams,
    );
  } finally {
    // Free the body now rather than at the next GC: bodies are most of the
    // memory a crawl holds, and an ArrayBuffer's bytes live outside the heap.
    input.body.transfer?.(0);
  }
}

function parseBatch(batch: BatchItem[]): BatchResult[] {
  return batch.map((item) => {
    try {
      const trace = item.trace;
      return trace
        ? traceVar.run(
          trace,
          () => parseInSpan(trace, item, "worker", () => parseOne(item)),
        )
        : parseOne(item);
    } catch (err) {
      const e = err instanceof Error ? err : new Error(String(err));
      return { error: { name: e.name, message: e.message } };
    }
  });
}

serveWorker(
  (input: ParseInput | BatchItem[]) =>
    Array.isArray(input) ? parseBatch(input) : parseOne(input),
  { context: traceVar },
);
