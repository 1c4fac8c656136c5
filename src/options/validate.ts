/**
 * The rules option values must follow, each defined once: the library's
 * constructors check options with {@linkcode check}, and the CLI's flag
 * table parses a flag's text and checks the value with the same rule, so the
 * two accept exactly the same values.
 *
 * Messages follow the Deno standard library's style:
 * `Cannot crawl as 'concurrency' must be a positive integer: current value is 0`.
 *
 * @module
 */

/** A rule a value must follow, with the words that describe it. */
export interface Rule<T> {
  /** What the value must be, e.g. `"a positive integer"`. */
  readonly text: string;
  /** The error class a value breaking the rule gets. */
  readonly error: typeof TypeError | typeof RangeError;
  /** Whether `value` follows the rule. */
  test(value: unknown): value is T;
}

/**
 * Checks `value` against `rule`, throwing its `TypeError` or `RangeError`
 * with a message that names the operation, the option and the value.
 *
 * @example Checking an option
 * ```ts
 * import { check, POSITIVE_INT } from "./validate.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(check("crawl", "concurrency", 4, POSITIVE_INT), 4);
 * assert.throws(
 *   () => check("crawl", "concurrency", 0, POSITIVE_INT),
 *   RangeError,
 * );
 * ```
 *
 * @param action What was being done, e.g. `"crawl"` or `"create RobotsCache"`.
 * @param name The option's name.
 * @param value The value given.
 * @param rule The rule it must follow.
 * @returns `value`, typed by the rule.
 */
export function check<T>(
  action: string,
  name: string,
  value: unknown,
  rule: Rule<T>,
): T {
  if (!rule.test(value)) {
    throw new rule.error(
      `Cannot ${action} as '${name}' must be ${rule.text}: current value is ${
        describe(value)
      }`,
    );
  }
  return value;
}

/**
 * Like {@linkcode check}, but `undefined` gives `fallback`.
 *
 * @example An option with a default
 * ```ts
 * import { optional, POSITIVE_INT } from "./validate.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(optional("crawl", "concurrency", undefined, POSITIVE_INT, 16), 16);
 * ```
 *
 * @param action What was being done.
 * @param name The option's name.
 * @param value The value given, or `undefined`.
 * @param rule The rule it must follow.
 * @param fallback The value when none is given.
 * @returns `value`, or `fallback`.
 */
export function optional<T>(
  action: string,
  name: string,
  value: unknown,
  rule: Rule<T>,
  fallback: T,
): T {
  return value === undefined ? fallback : check(action, name, value, rule);
}

/** A value as a message shows it. */
function describe(value: unknown): string {
  try {
    return String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}

function rule<T>(
  text: string,
  test: (value: unknown) => boolean,
  error: typeof TypeError | typeof RangeError = RangeError,
): Rule<T> {
  return { text, error, test: test as (value: unknown) => value is T };
}

/** An integer of at least 1. */
export const POSITIVE_INT: Rule<number> = rule(
  "a positive integer",
  (v) => Number.isSafeInteger(v) && (v as number) >= 1,
);

/** An integer of at least 0. */
export const NON_NEGATIVE_INT: Rule<number> = rule(
  "a non-negative integer",
  (v) => Number.isSafeInteger(v) && (v as number) >= 0,
);

/** A number greater than 0 (`Infinity` included). */
export const POSITIVE_NUMBER: Rule<number> = rule(
  "a number greater than 0",
  (v) => typeof v === "number" && v > 0,
);

/** A number of at least 0 (`Infinity` included). */
export const NON_NEGATIVE_NUMBER: Rule<number> = rule(
  "a non-negative number",
  (v) => typeof v === "number" && v >= 0,
);

/** A positive integer, or `Infinity` for no limit. */
export const LIMIT: Rule<number> = rule(
  "a positive integer or Infinity",
  (v) => v === Infinity || POSITIVE_INT.test(v),
);

/** A non-negative integer, or `Infinity` for no limit. */
export const NON_NEGATIVE_LIMIT: Rule<number> = rule(
  "a non-negative integer or Infinity",
  (v) => v === Infinity || NON_NEGATIVE_INT.test(v),
);

/** A boolean. */
export const BOOLEAN: Rule<boolean> = rule(
  "a boolean",
  (v) => typeof v === "boolean",
  TypeError,
);

/** A function. */
export const FUNCTION: Rule<(...args: never[]) => unknown> = rule(
  "a function",
  (v) => typeof v === "function",
  TypeError,
);

/** A `Date` that holds a time (not an Invalid Date). */
export const VALID_DATE: Rule<Date> = rule(
  "a valid Date",
  (v) => v instanceof Date && !Number.isNaN(v.getTime()),
  TypeError,
);

/** A string that is not empty. */
export const NON_EMPTY_STRING: Rule<string> = rule(
  "a non-empty string",
  (v) => typeof v === "string" && v !== "",
  TypeError,
);

/**
 * An integer of at least `min`.
 *
 * @example
 * ```ts
 * import { check, intAtLeast } from "./validate.ts";
 * import assert from "node:assert/strict";
 *
 * assert.throws(() => check("run", "heap", 10, intAtLeast(64)), RangeError);
 * ```
 *
 * @param min The smallest value allowed.
 * @returns The rule.
 */
export function intAtLeast(min: number): Rule<number> {
  return rule(
    `an integer of at least ${min}`,
    (v) => Number.isSafeInteger(v) && (v as number) >= min,
  );
}

/**
 * A number of at least `min`.
 *
 * @example
 * ```ts
 * import { check, numberAtLeast } from "./validate.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(check("open", "leaseMs", 100, numberAtLeast(100)), 100);
 * ```
 *
 * @param min The smallest value allowed.
 * @returns The rule.
 */
export function numberAtLeast(min: number): Rule<number> {
  return rule(
    `a number of at least ${min}`,
    (v) => typeof v === "number" && Number.isFinite(v) && v >= min,
  );
}

/**
 * One of a fixed set of strings.
 *
 * @example
 * ```ts
 * import { check, oneOf } from "./validate.ts";
 * import assert from "node:assert/strict";
 *
 * const scope = oneOf(["host", "domain", "origin", "any"] as const);
 * assert.equal(check("crawl", "scope", "host", scope), "host");
 * ```
 *
 * @param allowed The values allowed.
 * @returns The rule, whose text lists them (`one of host, domain, origin, any`).
 */
export function oneOf<const T extends string>(
  allowed: readonly T[],
): Rule<T> {
  return rule(
    `one of ${allowed.join(", ")}`,
    (v) => allowed.includes(v as T),
    TypeError,
  );
}

/**
 * A string matching `pattern`, described by `text`.
 *
 * @example
 * ```ts
 * import { check, matching } from "./validate.ts";
 * import assert from "node:assert/strict";
 *
 * const name = matching(/^[a-z]+$/, "lowercase letters");
 * assert.throws(() => check("open", "crawl", "A:B", name), TypeError);
 * ```
 *
 * @param pattern What the whole string must match.
 * @param text What the rule says the value must be.
 * @returns The rule.
 */
export function matching(pattern: RegExp, text: string): Rule<string> {
  return rule(
    text,
    (v) => typeof v === "string" && pattern.test(v),
    TypeError,
  );
}

/**
 * A value for which `test` holds, described by `text`: for rules no other
 * factory here expresses (a CSS selector, a module specifier).
 *
 * @example
 * ```ts
 * import { check, satisfying } from "./validate.ts";
 * import assert from "node:assert/strict";
 *
 * const even = satisfying<number>((v) => v === 0 || v === 2, "0 or 2");
 * assert.throws(() => check("open", "n", 1, even), TypeError);
 * ```
 *
 * @param test Whether a value follows the rule; must not throw.
 * @param text What the rule says the value must be.
 * @param error The error class a value breaking the rule gets.
 * @returns The rule.
 */
export function satisfying<T>(
  test: (value: unknown) => boolean,
  text: string,
  error: typeof TypeError | typeof RangeError = TypeError,
): Rule<T> {
  return rule(text, test, error);
}
