/**
 * The W3C datetime profile of ISO 8601 (https://www.w3.org/TR/NOTE-datetime)
 * that sitemaps use for `<lastmod>`, and that `--since` takes.
 *
 * @module
 */

/**
 * `YYYY`, `YYYY-MM`, `YYYY-MM-DD`, then optionally `Thh:mm`, `:ss`, a
 * fraction, and `Z` or `±hh:mm` (a space instead of `T`, and a missing zone,
 * are tolerated: both are common in the wild).
 */
const W3C = new RegExp(
  "^(\\d{4})(?:-(\\d{2})(?:-(\\d{2})" +
    "(?:[T ](\\d{2}):(\\d{2})(?::(\\d{2})(?:[.,](\\d+))?)?" +
    "(Z|[+-]\\d{2}:?\\d{2})?)?)?)?$",
  "i",
);

/**
 * Reads a W3C datetime as epoch milliseconds. A date without a time is
 * midnight UTC; a time without a zone is taken as UTC.
 *
 * @example Dates and datetimes
 * ```ts
 * import { parseW3cDatetime } from "./w3c_datetime.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(parseW3cDatetime("2024-03-01"), Date.UTC(2024, 2, 1));
 * assert.equal(
 *   parseW3cDatetime("2024-03-01T10:30:00+01:00"),
 *   Date.UTC(2024, 2, 1, 9, 30),
 * );
 * assert.equal(parseW3cDatetime("yesterday"), undefined);
 * ```
 *
 * @param text The value, surrounding whitespace ignored.
 * @returns Epoch milliseconds, or `undefined` when `text` is not one.
 */
export function parseW3cDatetime(text: string): number | undefined {
  const m = W3C.exec(text.trim());
  if (m === null) return undefined;
  const [, y, mo = "01", d = "01", h = "00", mi = "00", s = "00", f, zone] = m;
  const month = Number(mo), day = Number(d);
  const hour = Number(h), minute = Number(mi), second = Number(s);
  if (month < 1 || month > 12 || day < 1 || day > 31) return undefined;
  if (hour > 24 || minute > 59 || second > 60) return undefined;
  const ms = f === undefined ? 0 : Math.floor(Number(`0.${f}`) * 1000);
  let t = Date.UTC(Number(y), month - 1, day, hour, minute, second, ms);
  if (zone !== undefined && zone.toUpperCase() !== "Z") {
    const sign = zone[0] === "-" ? -1 : 1;
    const digits = zone.slice(1).replace(":", "");
    const offset = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2));
    t -= sign * offset * 60_000;
  }
  return Number.isFinite(t) ? t : undefined;
}
