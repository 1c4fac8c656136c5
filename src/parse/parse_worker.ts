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
  (input: ParseInput) => packPage(parseHtml(new Uint8Array(input.body), input)),
  { context: traceVar },
);
