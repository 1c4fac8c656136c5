/**
 * A worker that parses HTML with htmlparser2 and reports whether it may read
 * files, to check what a permission-less worker can still do.
 *
 * @module
 */
import { parseDocument } from "htmlparser2";
import { serveWorker } from "../../../src/concurrency/serve_worker.ts";

serveWorker((html: string) => {
  let read: string;
  try {
    Deno.readTextFileSync(new URL(import.meta.url));
    read = "allowed";
  } catch (error) {
    read = (error as Error).name;
  }
  return { children: parseDocument(html).children.length, read };
});
