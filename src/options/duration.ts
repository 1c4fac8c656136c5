/**
 * Durations as people write them: `90s`, `30m`, `12h`, `7d`, `2w`, or
 * several together (`1h30m`).
 *
 * @module
 */

/** Milliseconds in one of each unit. */
const UNITS: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/** One or more `NUMBER UNIT` pairs, largest first or not. */
const DURATION = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h|d|w))+$/;
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/g;

/**
 * Reads a duration: numbers each followed by a unit, `ms` (milliseconds),
 * `s` (seconds), `m` (minutes), `h` (hours), `d` (days) or `w` (weeks),
 * added up. Spaces and a bare number are not durations.
 *
 * @example Days, hours and minutes
 * ```ts
 * import { parseDuration } from "./duration.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(parseDuration("7d"), 7 * 86_400_000);
 * assert.equal(parseDuration("1h30m"), 90 * 60_000);
 * assert.equal(parseDuration("1.5s"), 1500);
 * assert.equal(parseDuration("30"), undefined);
 * ```
 *
 * @param text The duration.
 * @returns Milliseconds, or `undefined` when `text` is not a duration.
 */
export function parseDuration(text: string): number | undefined {
  const t = text.trim().toLowerCase();
  if (!DURATION.test(t)) return undefined;
  let ms = 0;
  for (const [, n, unit] of t.matchAll(PART)) ms += Number(n) * UNITS[unit];
  return ms;
}
