/**
 * Run with read access to `src/` only: tries a crawl with the extract
 * module given as argument and prints the error it stops with, as JSON.
 */
import { crawl } from "../../../src/crawler/crawler.ts";
import type { ExtractModuleError } from "../../../src/content/extract_error.ts";

try {
  for await (
    const _ of crawl(["http://127.0.0.1:9/"], { extract: Deno.args[0] })
  ) {
    // never reached: the module cannot be read
  }
  console.log(JSON.stringify({ name: "none" }));
} catch (error) {
  const e = error as ExtractModuleError;
  console.log(
    JSON.stringify({ name: e.name, problem: e.problem, flag: e.flag }),
  );
}
