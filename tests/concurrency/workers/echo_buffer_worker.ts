/**
 * A worker that sends each ArrayBuffer it gets straight back, transferred.
 *
 * @module
 */
import { serveWorker } from "../../../src/concurrency/serve_worker.ts";

serveWorker((buffer: ArrayBuffer) => buffer, {
  transfer: (buffer) => [buffer],
});
