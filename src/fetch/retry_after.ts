/**
 * Parsing of the `Retry-After` header and the retry back-off schedule.
 *
 * @module
 */

/**
 * Reads a `Retry-After` value (delay-seconds or an HTTP-date) as milliseconds
 * from `now`.
 *
 * @example Usage
 * ```ts
 * import { parseRetryAfter } from "@trawl/trawl";
 * import assert from "node:assert/strict";
 *
 * assert.equal(parseRetryAfter("120"), 120_000);
 * assert.equal(parseRetryAfter("soon"), undefined);
 * ```
 *
 * @param value The header value.
 * @param now The current epoch time, for HTTP-dates.
 * @returns Milliseconds to wait (never negative), or `undefined` when absent or invalid.
 */
export function parseRetryAfter(
  value: string | null | undefined,
  now: number = Date.now(),
): number | undefined {
  if (!value) return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}

/**
 * The delay before retry number `retry` (1 for the first retry):
 * exponential, capped, with "equal jitter" (half fixed, half random), so
 * retries from many tasks spread out but never come back at once.
 *
 * @example Usage
 * ```ts
 * import { backoffDelay } from "./retry_after.ts";
 *
 * const ms = backoffDelay(3, { baseMs: 500, maxMs: 60_000 }); // 1000..2000
 * console.log(ms);
 * ```
 *
 * @param retry The retry number, from 1.
 * @param options Base and cap, ms.
 * @param random A source of numbers in [0, 1).
 * @returns Milliseconds to wait.
 */
export function backoffDelay(
  retry: number,
  options: { baseMs: number; maxMs: number },
  random: () => number = Math.random,
): number {
  const exp = Math.min(
    options.maxMs,
    options.baseMs * 2 ** Math.max(0, retry - 1),
  );
  return exp / 2 + random() * (exp / 2);
}
