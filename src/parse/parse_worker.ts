/**
 * The parse worker: runs {@linkcode parseHtml} on page bodies sent by the
 * crawler's `WorkerPool`, with the request's trace carried in `traceVar`,
 * and replies with the page packed (see {@linkcode packPage}).
 *
 * @module
 */
import { serveWorker } from "../concurrency/serve_worker.ts";
import { traceVar } from "../trace.ts";
import { packPage, parseHtml, type ParseInput } from "./parse_html.ts";

serveWorker(
  (input: ParseInput) => {
    const page = packPage(parseHtml(new Uint8Array(input.body), input));
    // Free the body now rather than at the next GC: bodies are most of the
    // memory a crawl holds, and an ArrayBuffer's bytes live outside the heap.
    input.body.transfer?.(0);
    return page;
  },
  { context: traceVar },
);
