/**
 * Copying what a response said onto a URL's result.
 *
 * @module
 */
import type { Validators } from "../fetch/body_rule.ts";
import type { FetchOutcome } from "../fetch/fetcher.ts";
import { roundMs } from "./base_result.ts";
import type { CrawlResult } from "./result.ts";

/**
 * Puts the fetch outcome's status, final URL, type, sizes and timings on
 * `result`, with the validators to keep for the next recrawl: the
 * response's, or for a `304` (which may omit them) the ones sent.
 *
 * @example A 304 keeps the validators that were sent
 * ```ts
 * import { fillResponse } from "./fill_response.ts";
 * import { baseResult } from "./base_result.ts";
 * import assert from "node:assert/strict";
 *
 * const result = baseResult({ url: "https://a.test/", depth: 0 }, { traceId: "t", spanId: "s" });
 * fillResponse(
 *   result,
 *   { status: 304, finalUrl: "https://a.test/", bytes: 0, attempts: 1, ttfb: 3 },
 *   { etag: '"v1"' },
 * );
 * assert.equal(result.notModified, true);
 * assert.equal(result.etag, '"v1"');
 * ```
 *
 * @param result The URL's result.
 * @param out What fetching it produced.
 * @param sent The validators sent with the request, if any.
 */
export function fillResponse(
  result: CrawlResult,
  out: FetchOutcome,
  sent?: Validators,
): void {
  result.status = out.status;
  result.finalUrl = out.finalUrl;
  if (out.contentType) result.contentType = out.contentType;
  result.bytes = out.bytes;
  result.attempts = out.attempts;
  result.timings.ttfb = roundMs(out.ttfb);
  const unchanged = out.status === 304;
  const etag = out.etag ?? (unchanged ? sent?.etag : undefined);
  const lastModified = out.lastModified ??
    (unchanged ? sent?.lastModified : undefined);
  if (etag) result.etag = etag;
  if (lastModified) result.lastModified = lastModified;
  if (unchanged) result.notModified = true;
}
