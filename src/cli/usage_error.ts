/**
 * Bad command-line input, and the messages it is reported with.
 *
 * @module
 */
import type { Rule } from "../options/validate.ts";

/**
 * Bad command-line input: the CLI prints `trawl: error: <message>` and exits
 * with code 2.
 *
 * @example Usage
 * ```ts
 * import { UsageError } from "./usage_error.ts";
 *
 * const err = new UsageError("no seed URLs given (try --help)");
 * console.log(err.name, err.message);
 * ```
 */
export class UsageError extends Error {
  /**
   * Creates a usage error.
   *
   * @param message One line saying what was wrong.
   * @param options The underlying error.
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "UsageError";
  }
}

/**
 * Checks a flag's value against one of the library's rules: the CLI accepts
 * exactly what the library accepts, and says so in the library's words,
 * `--per-host must be a positive integer: got "0"`.
 *
 * @example Usage
 * ```ts
 * import { checkFlag } from "./usage_error.ts";
 * import { POSITIVE_INT } from "../options/validate.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(checkFlag("--per-host", "4", 4, POSITIVE_INT), 4);
 * assert.throws(() => checkFlag("--per-host", "0", 0, POSITIVE_INT));
 * ```
 *
 * @param flag The flag, e.g. `--per-host`.
 * @param text The text given, as the message quotes it.
 * @param value The value read from `text`.
 * @param rule The rule it must follow.
 * @returns `value`, typed by the rule.
 * @throws {UsageError} When `value` breaks the rule.
 */
export function checkFlag<T>(
  flag: string,
  text: string,
  value: unknown,
  rule: Rule<T>,
): T {
  if (!rule.test(value)) {
    throw new UsageError(
      `${flag} must be ${rule.text}: got ${JSON.stringify(text)}`,
    );
  }
  return value;
}

/**
 * The usage error for an error of `node:util`'s `parseArgs`, in the CLI's
 * words.
 *
 * @example Usage
 * ```ts
 * import { parseArgsError } from "./usage_error.ts";
 * import assert from "node:assert/strict";
 *
 * const err = parseArgsError(new TypeError("Unknown option '--nope'"));
 * assert.equal(err.message, "unknown flag --nope (try --help)");
 * ```
 *
 * @param err What `parseArgs` threw.
 * @returns The usage error, with `err` as its cause.
 */
export function parseArgsError(err: unknown): UsageError {
  return new UsageError(describeParseError(err), { cause: err });
}

function describeParseError(err: unknown): string {
  const message = firstLine(err);
  const unknown = /^Unknown option '([^']+)'/.exec(message);
  if (unknown) return `unknown flag ${unknown[1]} (try --help)`;
  const missing = /^Option '(?:-\w, )?(-[^' ]+)[^']*' argument missing/
    .exec(message);
  if (missing) return `${missing[1]} needs a value`;
  const ambiguous = /^Option '(?:-\w, )?(-[^' ]+)[^']*' argument is ambiguous/
    .exec(message);
  if (ambiguous) {
    return `${ambiguous[1]} needs a value (write ${
      ambiguous[1]
    }=VALUE for a value starting with "-")`;
  }
  const noValue = /^Option '(?:-\w, )?(-[^' ]+)[^']*' does not take/.exec(
    message,
  );
  if (noValue) return `${noValue[1]} does not take a value`;
  return message;
}

/**
 * The first line of an error's message.
 *
 * @example Usage
 * ```ts
 * import { firstLine } from "./usage_error.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(firstLine(new Error("a\nb")), "a");
 * ```
 *
 * @param err Any thrown value.
 * @returns Its message's first line, trimmed.
 */
export function firstLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.split("\n")[0].trim();
}
