/**
 * The one constructor of a {@linkcode CrawlResult}: a URL's result before
 * anything happened to it (no response, nothing read). Pages fill it in as
 * they are fetched and parsed; URLs settled without a request add their
 * `skipped` reason.
 *
 * @module
 */
import type { FrontierEntry } from "../frontier/store.ts";
import type { CrawlResult } from "./result.ts";

/**
 * A result with status 0, no bytes, no attempts, and the entry's place in
 * the crawl (`referrer`, `via`, `lastmod`, `trace.parentSpanId` and
 * `trace.parentTraceId` only when it has them).
 *
 * @example A seed's result
 * ```ts
 * import { baseResult } from "./base_result.ts";
 * import assert from "node:assert/strict";
 *
 * const r = baseResult(
 *   { url: "https://a.test/", depth: 0 },
 *   { traceId: "t", spanId: "s" },
 *   1_700_000_000_000,
 * );
 * assert.equal(r.finalUrl, "https://a.test/");
 * assert.equal("referrer" in r, false);
 * ```
 *
 * @param entry The URL, its depth, and the page and span that linked to it.
 * @param span The crawl's trace id and this URL's span id.
 * @param start When work on the URL started, as epoch ms.
 * @returns A new result.
 */
export function baseResult(
  entry: Pick<
    FrontierEntry,
    | "url"
    | "depth"
    | "referrer"
    | "parentSpanId"
    | "parentTraceId"
    | "via"
    | "lastmod"
  >,
  span: { traceId: string; spanId: string },
  start: number = Date.now(),
): CrawlResult {
  const { url, depth, referrer, parentSpanId, parentTraceId, via, lastmod } =
    entry;
  const result: CrawlResult = {
    url,
    finalUrl: url,
    status: 0,
    depth,
    ...(referrer !== undefined ? { referrer } : {}),
    ...(via !== undefined ? { via } : {}),
    ...(lastmod !== undefined ? { lastmod } : {}),
    links: 0,
    bytes: 0,
    attempts: 0,
    timings: { start, ttfb: 0, total: 0 },
    trace: {
      traceId: span.traceId,
      spanId: span.spanId,
      ...(parentSpanId !== undefined ? { parentSpanId } : {}),
    },
  };
  if (parentTraceId !== undefined) result.trace.parentTraceId = parentTraceId;
  return result;
}

/**
 * A duration as results carry it: rounded to 0.1 ms (a clock's float noise,
 * `55.676750999999996`, says nothing).
 *
 * @example
 * ```ts
 * import { roundMs } from "./base_result.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(roundMs(55.676750999999996), 55.7);
 * ```
 *
 * @param ms Milliseconds.
 * @returns `ms` rounded to one decimal.
 */
export function roundMs(ms: number): number {
  return Math.round(ms * 10) / 10;
}
