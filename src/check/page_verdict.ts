/**
 * What a crawled page's own result says about links to it.
 *
 * @module
 */
import type { CrawlResult } from "../crawler/result.ts";
import { isHostUnreachable } from "../fetch/network_cause.ts";
import type { LinkVerdict } from "./link_book.ts";
import { accepts, type StatusRange } from "./status_ranges.ts";

/** Skips of a response that was received: its status counts. */
const READ = new Set(["content-type", "too-large"]);
/** Skips that say nothing about the URL: it still needs a request. */
const UNFETCHED = new Set(["extension", "budget", "out-of-scope"]);

/**
 * The verdict a crawl result gives the URL it is for, or `undefined` when
 * the crawl did not request it (a skipped extension, a spent budget, a
 * redirect out of the scope): then it needs a request of its own.
 *
 * @example
 * ```ts
 * import { pageVerdict } from "./page_verdict.ts";
 * import type { CrawlResult } from "../crawler/result.ts";
import { isHostUnreachable } from "../fetch/network_cause.ts";
 * import assert from "node:assert/strict";
 *
 * const ok = [{ from: 200, to: 299 }];
 * const page = { url: "https://a.test/", status: 404 } as CrawlResult;
 * assert.deepEqual(pageVerdict(page, ok), { kind: "broken", status: 404 });
 * const pdf = { url: "https://a.test/a.pdf", status: 0, skipped: "extension" } as CrawlResult;
 * assert.equal(pageVerdict(pdf, ok), undefined);
 * ```
 *
 * @param result The crawl's result for the URL.
 * @param accept The statuses that count as fine.
 * @returns The verdict, if the result gives one.
 */
export function pageVerdict(
  result: CrawlResult,
  accept: readonly StatusRange[],
): LinkVerdict | undefined {
  const { skipped, error, status } = result;
  if (skipped && UNFETCHED.has(skipped)) return undefined;
  if (skipped === "circuit-open") {
    return {
      kind: "broken",
      status,
      error: {
        name: "CircuitOpenError",
        message: `host kept failing (${result.url})`,
      },
    };
  }
  const down = skipped === "robots" ? unreachableHost(result) : undefined;
  if (down) return down;
  if (skipped && !READ.has(skipped)) {
    // robots.txt, a private address, a spider-trap defence: not requested
    // (or a redirect hop of it was not).
    return { kind: "skipped", reason: skipped, ...(error ? { error } : {}) };
  }
  if (error) return { kind: "broken", status, error };
  return accepts(accept, status) ? { kind: "ok" } : { kind: "broken", status };
}

/** What robots.txt's unreachable host says. */
const ROBOTS_UNREACHABLE = /^robots\.txt unreachable: (.+) \([^()]*\)$/;

/**
 * A URL skipped because its host's robots.txt could not be fetched at all
 * (refused, no such name, timeout): broken, with that cause.
 */
function unreachableHost(result: CrawlResult): LinkVerdict | undefined {
  const reason = result.error?.message.match(ROBOTS_UNREACHABLE)?.[1];
  if (reason === undefined || !isHostUnreachable(reason)) return undefined;
  return {
    kind: "broken",
    status: 0,
    error: { name: result.error!.name, message: `${reason} (${result.url})` },
  };
}
