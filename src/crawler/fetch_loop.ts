/**
 * A fetcher of the crawl: takes URLs from the frontier and requests them
 * one at a time until the frontier closes.
 *
 * @module
 */
import type { BoundedQueue } from "../concurrency/bounded_queue.ts";
import type { LoopYield } from "../concurrency/loop_yield.ts";
import type { CrawlFrontier } from "../frontier/store.ts";
import type { FetchedPage, PageTask } from "./page_task.ts";

/**
 * Takes the next URL whose host is ready, requests it (holding the host's
 * permit while the request and its retries are in flight), releases the
 * permit once the body is in, then hands the page to the parse loops through
 * `fetched`, waiting while that queue is full; until the frontier has no
 * more. Before each URL it lets the event loop take its turn when `turns`
 * says the loops have run long enough without one: a URL skipped without a
 * request (robots.txt disallows it) goes through the whole pipeline in
 * microtasks, and a million of them would otherwise hold every response,
 * timer and message back for as long as they take.
 *
 * @example Usage
 * ```ts ignore
 * const turns = new LoopYield();
 * tasks.start(concurrency, (signal) => fetchLoop(frontier, page, fetched, turns, signal));
 * ```
 *
 * @param frontier The crawl's frontier.
 * @param page The work on one URL.
 * @param fetched Where fetched pages wait for the parser.
 * @param turns Gives the event loop its turns (shared by the loops).
 * @param signal Stops the loop (it then rejects with the reason).
 * @returns When the frontier is done.
 */
export async function fetchLoop(
  frontier: Pick<CrawlFrontier, "next">,
  page: Pick<PageTask, "fetch">,
  fetched: BoundedQueue<FetchedPage>,
  turns: Pick<LoopYield, "maybeYield">,
  signal: AbortSignal,
): Promise<void> {
  for (;;) {
    await turns.maybeYield({ signal });
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
