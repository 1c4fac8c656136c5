/**
 * The statuses a link check accepts, as ranges: `--accept 200-299,403`.
 *
 * @module
 */
import { check, matching, type Rule } from "../options/validate.ts";

/** An inclusive range of HTTP statuses. */
export interface StatusRange {
  /** The lowest status in the range. */
  from: number;
  /** The highest status in the range. */
  to: number;
}

/** Comma-separated statuses and ranges of three-digit statuses. */
export const STATUS_RANGES: Rule<string> = matching(
  /^\s*\d{3}(\s*-\s*\d{3})?(\s*,\s*\d{3}(\s*-\s*\d{3})?)*\s*$/,
  "statuses and ranges like 200-299,403",
);

/**
 * Parses `200-299,403` into ranges.
 *
 * @example
 * ```ts
 * import { parseStatusRanges } from "./status_ranges.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(parseStatusRanges("200-299,403"), [
 *   { from: 200, to: 299 },
 *   { from: 403, to: 403 },
 * ]);
 * ```
 *
 * @param text The ranges.
 * @param name The option's name, for the error message.
 * @returns The ranges.
 * @throws {TypeError} When `text` is not a list of statuses and ranges.
 * @throws {RangeError} When a range runs backwards.
 */
export function parseStatusRanges(
  text: string,
  name = "accept",
): StatusRange[] {
  check("check links", name, text, STATUS_RANGES);
  return text.split(",").map((part) => {
    const [a, b = a] = part.split("-").map((s) => Number(s.trim()));
    if (b < a) {
      throw new RangeError(
        `Cannot check links as '${name}' has a range that runs backwards: current value is ${part.trim()}`,
      );
    }
    return { from: a, to: b };
  });
}

/**
 * Whether `status` is in one of `ranges`.
 *
 * @example
 * ```ts
 * import { accepts } from "./status_ranges.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(accepts([{ from: 200, to: 299 }], 204), true);
 * assert.equal(accepts([{ from: 200, to: 299 }], 404), false);
 * ```
 *
 * @param ranges The accepted ranges.
 * @param status An HTTP status.
 * @returns `true` when accepted.
 */
export function accepts(
  ranges: readonly StatusRange[],
  status: number,
): boolean {
  return ranges.some((r) => status >= r.from && status <= r.to);
}
