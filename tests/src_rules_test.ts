// Rules about how trawl's source is written that no type check catches.
import assert from "node:assert/strict";

const SRC = new URL("../src/", import.meta.url);

/** Every `.ts` file under `dir`, with its text. */
async function* sources(dir: URL): AsyncGenerator<[string, string]> {
  for await (const entry of Deno.readDir(dir)) {
    const url = new URL(entry.name + (entry.isDirectory ? "/" : ""), dir);
    if (entry.isDirectory) yield* sources(url);
    else if (entry.name.endsWith(".ts")) {
      yield [url.pathname, await Deno.readTextFile(url)];
    }
  }
}

/**
 * A function literal written into a property of `this` (`this.x = () =>`,
 * `this.#x = function`): not an IIFE, whose call is what is written.
 */
const FUNCTION_INTO_THIS =
  /this\.#?[\w$]+\s*(?:\?\?|\|\||&&)?=\s*(?:async\s+)?(?:function\b|\([^()]*\)\s*(?::\s*[^=;]+)?=>|[\w$]+\s*=>)/;

Deno.test("src/ writes no function literal into a property of this (V8 would make each in its old generation)", async () => {
  // V8 takes such a function for a method that lives long and makes it in
  // its old generation. One made per page (or per request) keeps what it
  // closes over alive until the next full collection: a scanner's closure
  // did so for every page's document, and the parser promoted about 0.9 MB
  // at every scavenge. Write it as a class field, or bind a method.
  const found: string[] = [];
  let files = 0;
  for await (const [path, text] of sources(SRC)) {
    files++;
    text.split("\n").forEach((line, i) => {
      const code = line.replace(/\/\/.*$/, "");
      if (/^\s*\*/.test(code)) return; // doc comments
      if (FUNCTION_INTO_THIS.test(code)) {
        found.push(`${path}:${i + 1}: ${line.trim()}`);
      }
    });
  }
  assert.ok(files > 100, `read ${files} files`);
  assert.deepEqual(found, []);
});

Deno.test("the rule's pattern finds the shapes it is meant to find, and not an IIFE", () => {
  for (
    const line of [
      "this.#ontext = (text) => scan.ontext(text);",
      "this.onAbort = () => this.#abort(task);",
      "this.#f = async (a: number): Promise<void> => {",
      "this.cb = function () {};",
      "this.g ??= x => x;",
    ]
  ) assert.ok(FUNCTION_INTO_THIS.test(line), line);
  for (
    const line of [
      "this.#loop = (async () => {",
      "this.#settled ??= (async () => {",
      "this.#ontext = scan.ontext.bind(scan);",
      "readonly #onParentAbort = (): void =>",
      "pending.onAbort = () => {",
    ]
  ) assert.ok(!FUNCTION_INTO_THIS.test(line), line);
});
