/**
 * Seed URLs: checked as the command line and seeds files give them, and the
 * hosts they need network access to.
 *
 * @module
 */
import { UsageError } from "./usage_error.ts";

/**
 * Checks that `value` is an http(s) URL.
 *
 * @example Usage
 * ```ts
 * import { checkSeed } from "./seeds.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(checkSeed("HTTPS://Example.COM"), "https://example.com/");
 * ```
 *
 * @param value The seed as given.
 * @param where Where it came from, for the message (`seeds.txt line 3`).
 * @returns The URL, serialized.
 * @throws {UsageError} When it is not an http(s) URL.
 */
export function checkSeed(value: string, where?: string): string {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    // reported below
  }
  if (
    url === undefined || (url.protocol !== "http:" && url.protocol !== "https:")
  ) {
    const at = where === undefined ? "" : ` (${where})`;
    throw new UsageError(
      `seed ${JSON.stringify(value)}${at} is not an http(s) URL`,
    );
  }
  return url.href;
}

/**
 * Parses the text of a seeds file: one URL a line; blank lines and lines
 * starting with `#` are ignored; each URL must be http(s).
 *
 * @example Usage
 * ```ts
 * import { parseSeedList } from "./seeds.ts";
 * import assert from "node:assert/strict";
 *
 * const seeds = parseSeedList("# mine\nhttps://example.com/\n\n", "seeds.txt");
 * assert.deepEqual(seeds, ["https://example.com/"]);
 * ```
 *
 * @param text The file's contents.
 * @param source The file's name, for error messages (`-` is shown as stdin).
 * @returns The seed URLs, in order.
 * @throws {UsageError} When a line is not an http(s) URL.
 */
export function parseSeedList(text: string, source: string): string[] {
  const seeds: string[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === "" || line.startsWith("#")) continue;
    const where = source === "-" ? "stdin" : source;
    seeds.push(checkSeed(line, `${where} line ${i + 1}`));
  }
  return seeds;
}

/**
 * The distinct host names of the seeds (what `--allow-net=` needs).
 *
 * @example Usage
 * ```ts
 * import { seedHosts } from "./seeds.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(
 *   seedHosts(["https://a.example/", "http://a.example:8080/x", "https://b.example/"]),
 *   ["a.example", "b.example"],
 * );
 * ```
 *
 * @param seeds Valid http(s) URLs.
 * @returns Host names without ports, in first-seen order.
 */
export function seedHosts(seeds: readonly string[]): string[] {
  return [...new Set(seeds.map((s) => new URL(s).hostname))];
}
