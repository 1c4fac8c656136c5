/**
 * Sorting the URLs a crawl finds (its seeds and each page's links): queued
 * for a request, or settled at once when no request is needed.
 *
 * @module
 */
import type { FrontierBatch, FrontierEntry } from "../frontier/store.ts";
import { urlExtension } from "../guards/skip_extensions.ts";
import type { TrapGuard, TrapReason } from "../guards/trap_guard.ts";
import { newId } from "../telemetry/trace.ts";
import { baseResult } from "./base_result.ts";
import type { CrawlResult, SkipReason } from "./result.ts";

/** What decides that a found URL needs no request. */
export interface TriageRules {
  /** The spider-trap defences (each URL is counted once, here). */
  traps: TrapGuard;
  /** Extensions of files that are not fetched. */
  skipExtensions: ReadonlySet<string>;
  /** The crawl's trace id, for settled results. */
  traceId: string;
  /**
   * Called with each settled result before it is batched (with
   * OpenTelemetry on, it gives the result its span and the span's ids).
   */
  onSettled?: (result: CrawlResult) => void;
}

/** The skip reason each spider-trap defence reports. */
const TRAP_SKIPS: Readonly<Record<TrapReason, SkipReason>> = {
  "url-too-long": "url-too-long",
  "repeated-segments": "repeated-segments",
  "too-deep": "too-deep",
  "query-variants": "query-variants",
  "host-budget": "budget",
};

/**
 * Adds a found URL to `batch`: as an entry to queue, or as a finished
 * result when it needs no request (a spider-trap refusal, a skipped
 * extension; a sitemap's extension is not looked at).
 *
 * @example A PDF link is settled without a request
 * ```ts
 * import { triage } from "./triage.ts";
 * import { TrapGuard } from "../guards/trap_guard.ts";
 * import type { FrontierBatch } from "../frontier/store.ts";
 * import assert from "node:assert/strict";
 *
 * const rules = {
 *   traps: new TrapGuard(),
 *   skipExtensions: new Set(["pdf"]),
 *   traceId: "t",
 * };
 * const batch: FrontierBatch = { found: [], settled: [] };
 * const url = new URL("https://a.test/doc.pdf");
 * triage(batch, { url: url.href, host: url.host, depth: 1 }, url, rules);
 * assert.equal(batch.settled[0].skipped, "extension");
 * ```
 *
 * @param batch Where the URL goes.
 * @param entry The URL as the frontier would queue it.
 * @param url The same URL, parsed.
 * @param rules The trap defences and skipped extensions.
 */
export function triage(
  batch: FrontierBatch,
  entry: FrontierEntry,
  url: URL,
  rules: TriageRules,
): void {
  const trap = rules.traps.admit(url);
  // A sitemap is read whatever its extension (`.xml.gz`).
  const ext = rules.skipExtensions.size > 0 && entry.sitemap === undefined
    ? urlExtension(entry.url)
    : undefined;
  const skip: SkipReason | undefined = trap
    ? TRAP_SKIPS[trap]
    : ext !== undefined && rules.skipExtensions.has(ext)
    ? "extension"
    : undefined;
  if (!skip) {
    batch.found.push(entry);
    return;
  }
  const result = baseResult(entry, { traceId: rules.traceId, spanId: newId() });
  result.skipped = skip;
  rules.onSettled?.(result);
  batch.settled.push(result);
}
