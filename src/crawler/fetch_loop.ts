/**
 * A fetcher of the crawl: takes URLs from the frontier and requests them
 * one at a time until the frontier closes.
 *
 * @module
 */
import type { BoundedQueue } from "../concurrency/bounded_queue.ts";
import type { CrawlFrontier } from "../frontier/store.ts";
import type { FetchedPage, PageTask } from "./page_task.ts";

/**
 * Takes the next URL whose host is ready, requests it (holding the host's
 * permit while the request and its retries are in flight), releases the
 * permit once the body is in, then hands the page to the parse loops through
 * `fetched`, waiting while that queue is full; until the frontier has no
 * more.
 *
 * @example Usage
 * ```ts ignore
 * tasks.start(concurrency, (signal) => fetchLoop(frontier, page, fetched, signal));
 * ```
 *
 * @param frontier The crawl's frontier.
 * @param page The work on one URL.
 * @param fetched Where fetched pages wait for the parser.
 * @param signal Stops the loop (it then rejects with the reason).
 * @returns When the frontier is done.
 */
export async function fetchLoop(
  frontier: Pick<CrawlFrontier, "next">,
  page: Pick<PageTask, "fetch">,
  fetched: BoundedQueue<FetchedPage>,
  signal: AbortSignal,
): Promise<void> {
  for (;;) {
    const entry = await frontier.next(signal);
    if (entry === undefined) return;
    let done: FetchedPage;
    try {
      done = await page.fetch(entry, signal);
    } finally {
      entry.permit.release();
    }
    await fetched.put(done, { signal });
  }
}
