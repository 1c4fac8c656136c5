/**
 * The parse worker: runs {@linkcode parseHtml} on page bodies sent by the
 * crawler's `WorkerPool`, with the request's trace carried in `traceVar`.
 *
 * @module
 */
import { serveWorker } from "../concurrency/serve_worker.ts";
import { traceVar } from "../trace.ts";
import { parseHtml, type ParseInput } from "./parse_html.ts";

serveWorker(
  (input: ParseInput) => parseHtml(new Uint8Array(input.body), input),
  { context: traceVar },
);
