/**
 * How the CLI reads a flag's text: numbers and names are read, then checked
 * with the library's own rule (`src/options/validate.ts`), so a flag accepts
 * exactly what the option accepts; the rest (patterns, headers, lists, file
 * names) are what only a command line has.
 *
 * @module
 */
import type { UrlFilter } from "../crawler/options.ts";
import { parseDuration } from "../options/duration.ts";
import type { Rule } from "../options/validate.ts";
import { parseW3cDatetime } from "../sitemap/w3c_datetime.ts";
import { normalizeUrl } from "../url/normalize_url.ts";
import { checkFlag, firstLine, UsageError } from "./usage_error.ts";

/**
 * Reads a flag's text into its value, or throws a {@linkcode UsageError}
 * naming `flag` and the text.
 */
export type FlagParser<T> = (text: string, flag: string) => T;

const INTEGER = /^\+?\d+$/;
const DECIMAL = /^\+?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

/**
 * An integer written in decimal digits, checked with `rule`.
 *
 * @example Usage
 * ```ts
 * import { integer } from "./flag_parsers.ts";
 * import { POSITIVE_INT } from "../options/validate.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(integer(POSITIVE_INT)("4", "--per-host"), 4);
 * assert.throws(() => integer(POSITIVE_INT)("1e3", "--per-host"));
 * ```
 *
 * @param rule The option's rule.
 * @returns The parser.
 */
export function integer(rule: Rule<number>): FlagParser<number> {
  return (text, flag) => {
    const n = INTEGER.test(text.trim()) ? Number(text) : NaN;
    return checkFlag(flag, text, n, rule);
  };
}

/**
 * A decimal number (`0.5`, `.25`, `1e1`, `Infinity`), checked with `rule`.
 *
 * @example Usage
 * ```ts
 * import { decimal } from "./flag_parsers.ts";
 * import { POSITIVE_NUMBER } from "../options/validate.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(decimal(POSITIVE_NUMBER)(".25", "--rate"), 0.25);
 * ```
 *
 * @param rule The option's rule.
 * @returns The parser.
 */
export function decimal(rule: Rule<number>): FlagParser<number> {
  return (text, flag) => {
    const trimmed = text.trim();
    const n = DECIMAL.test(trimmed) || trimmed === "Infinity"
      ? Number(trimmed)
      : NaN;
    return checkFlag(flag, text, n, rule);
  };
}

/**
 * A duration (`30m`, `12h`, `7d`, `1h30m`: see `parseDuration`) in
 * milliseconds, checked with `rule`.
 *
 * @example Usage
 * ```ts
 * import { duration } from "./flag_parsers.ts";
 * import { POSITIVE_NUMBER } from "../options/validate.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(duration(POSITIVE_NUMBER)("12h", "--recrawl-older-than"), 43_200_000);
 * assert.throws(() => duration(POSITIVE_NUMBER)("12", "--recrawl-older-than"));
 * ```
 *
 * @param rule The option's rule.
 * @returns The parser.
 */
export function duration(rule: Rule<number>): FlagParser<number> {
  return (text, flag) => {
    const ms = parseDuration(text);
    if (ms === undefined) {
      throw new UsageError(
        `${flag} must be a duration such as 30m, 12h, 7d or 1h30m (units ms, s, m, h, d, w): got ${
          JSON.stringify(text)
        }`,
      );
    }
    return checkFlag(flag, text, ms, rule);
  };
}

/**
 * A date or datetime in the W3C profile sitemaps use (`2024-06-01`,
 * `2024-06-01T12:00:00Z`, `2024-06-01T14:00+02:00`); a date without a zone
 * is UTC.
 *
 * @example Usage
 * ```ts
 * import { date } from "./flag_parsers.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(date("2024-06-01", "--since").toISOString(), "2024-06-01T00:00:00.000Z");
 * assert.throws(() => date("last week", "--since"));
 * ```
 *
 * @param text The flag's text.
 * @param flag The flag.
 * @returns The date.
 */
export function date(text: string, flag: string): Date {
  const ms = parseW3cDatetime(text);
  if (ms === undefined) {
    throw new UsageError(
      `${flag} must be a date such as 2024-06-01 or 2024-06-01T12:00:00Z: got ${
        JSON.stringify(text)
      }`,
    );
  }
  return new Date(ms);
}

/**
 * An absolute http(s) URL, in normal form (as the crawler reads seeds and
 * sitemaps).
 *
 * @example Usage
 * ```ts
 * import { httpUrl } from "./flag_parsers.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(httpUrl("HTTPS://A.test/s.xml", "--sitemap"), "https://a.test/s.xml");
 * assert.throws(() => httpUrl("s.xml", "--sitemap"));
 * ```
 *
 * @param text The flag's text.
 * @param flag The flag.
 * @returns The URL.
 */
export function httpUrl(text: string, flag: string): string {
  const url = normalizeUrl(text);
  if (url === undefined) {
    throw new UsageError(
      `${flag} must be an absolute http(s) URL: got ${JSON.stringify(text)}`,
    );
  }
  return url;
}

/**
 * The text itself, checked with `rule` (a choice or a name).
 *
 * @example Usage
 * ```ts
 * import { word } from "./flag_parsers.ts";
 * import { oneOf } from "../options/validate.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(word(oneOf(["a", "b"]))("a", "--letter"), "a");
 * ```
 *
 * @param rule The option's rule.
 * @returns The parser.
 */
export function word<T extends string>(rule: Rule<T>): FlagParser<T> {
  return (text, flag) => checkFlag(flag, text, text, rule);
}

/**
 * Text that is not blank (kept as given).
 *
 * @example Usage
 * ```ts
 * import { nonBlank } from "./flag_parsers.ts";
 * import assert from "node:assert/strict";
 *
 * assert.throws(() => nonBlank(" ", "--user-agent"));
 * ```
 *
 * @param text The flag's text.
 * @param flag The flag.
 * @returns `text`.
 */
export function nonBlank(text: string, flag: string): string {
  if (text.trim() === "") {
    throw new UsageError(`${flag} must not be empty: got ""`);
  }
  return text;
}

/**
 * A file name: any text but the empty one.
 *
 * @example Usage
 * ```ts
 * import { fileName } from "./flag_parsers.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(fileName("a file")("out.jsonl", "--out"), "out.jsonl");
 * assert.throws(() => fileName("a file")("", "--out"));
 * ```
 *
 * @param what What it names, for the message (`a file or "-"`).
 * @returns The parser.
 */
export function fileName(what: string): FlagParser<string> {
  return (text, flag) => {
    if (text === "") throw new UsageError(`${flag} must name ${what}: got ""`);
    return text;
  };
}

/**
 * A comma-separated list; blank items are dropped, so `""` is the empty list.
 *
 * @example Usage
 * ```ts
 * import { list } from "./flag_parsers.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(list("pdf, .zip,,"), ["pdf", ".zip"]);
 * ```
 *
 * @param text The flag's text.
 * @returns The items, trimmed.
 */
export function list(text: string): string[] {
  return text.split(",").map((e) => e.trim()).filter((e) => e !== "");
}

/**
 * A request header, `Name: value` (the value may be empty or hold colons).
 *
 * @example Usage
 * ```ts
 * import { header } from "./flag_parsers.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(header("X-Token: a:b ", "--header"), ["X-Token", "a:b"]);
 * ```
 *
 * @param text The flag's text.
 * @param flag The flag.
 * @returns The name and the value.
 */
export function header(text: string, flag: string): [string, string] {
  const colon = text.indexOf(":");
  const name = colon > 0 ? text.slice(0, colon).trim() : "";
  const value = colon > 0 ? text.slice(colon + 1).trim() : "";
  try {
    if (name === "") throw new TypeError("missing name");
    new Headers([[name, value]]);
  } catch (err) {
    throw new UsageError(
      `${flag} must be "Name: value": got ${JSON.stringify(text)}`,
      { cause: err },
    );
  }
  return [name, value];
}

/**
 * Headers given one `--header` each, merged as `Headers` merges them
 * (names lower-cased, repeated names joined with `, `).
 *
 * @example Usage
 * ```ts
 * import { mergeHeaders } from "./flag_parsers.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(mergeHeaders([["X-A", "1"], ["x-a", "2"]]), { "x-a": "1, 2" });
 * ```
 *
 * @param pairs Names and values, in order.
 * @returns The headers as a record.
 */
export function mergeHeaders(
  pairs: readonly (readonly [string, string])[],
): Record<string, string> {
  const headers = new Headers();
  for (const [name, value] of pairs) headers.append(name, value);
  return Object.fromEntries(headers);
}

/**
 * Parses an `--include`/`--exclude` value: `/source/flags` is a `RegExp`
 * (tested on the full URL); otherwise a `URLPattern`, from the full-URL
 * pattern syntax when it parses as one, else as a pathname pattern.
 *
 * @example Usage
 * ```ts
 * import { parseUrlFilter } from "./flag_parsers.ts";
 * import assert from "node:assert/strict";
 *
 * assert.ok(parseUrlFilter("--include", "/\\.pdf$/i") instanceof RegExp);
 * const pattern = parseUrlFilter("--include", "/blog/*") as URLPattern;
 * assert.ok(pattern.test("https://example.com/blog/post"));
 * ```
 *
 * @param flag The flag name, for error messages.
 * @param value The pattern text.
 * @returns The filter.
 * @throws {UsageError} When the value is neither a valid RegExp nor a valid URLPattern.
 */
export function parseUrlFilter(flag: string, value: string): UrlFilter {
  const regex = /^\/(.+)\/([dgimsuvy]*)$/s.exec(value);
  if (regex) {
    try {
      return new RegExp(regex[1], regex[2]);
    } catch (err) {
      throw new UsageError(
        `${flag} is not a valid regular expression: got ${
          JSON.stringify(value)
        } (${firstLine(err)})`,
        { cause: err },
      );
    }
  }
  if (value === "") {
    throw new UsageError(`${flag} must not be empty: got ""`);
  }
  try {
    return new URLPattern(value);
  } catch {
    // Not a full-URL pattern: a pathname pattern.
  }
  try {
    return new URLPattern({ pathname: value });
  } catch (err) {
    throw new UsageError(
      `${flag} is not a valid URL pattern: got ${JSON.stringify(value)} (${
        firstLine(err)
      })`,
      { cause: err },
    );
  }
}
