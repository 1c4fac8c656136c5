/**
 * A parse loop of the crawl: takes fetched pages from the queue the
 * fetchers fill, parses them, commits each page with what it found and
 * queues the results the commit gives.
 *
 * @module
 */
import type { BoundedQueue } from "../concurrency/bounded_queue.ts";
import { QueueClosedError } from "../concurrency/queue_closed_error.ts";
import type { CrawlFrontier, FrontierBatch } from "../frontier/store.ts";
import type { FetchedPage, PageTask } from "./page_task.ts";
import type { CrawlResult } from "./result.ts";

/**
 * Finishes fetched pages one at a time until `fetched` is closed and empty:
 * parse, commit (the page's result and the links it found, as one unit),
 * then put the committed results into `results`.
 *
 * @example Usage
 * ```ts ignore
 * tasks.spawn((signal) => parseLoop(frontier, page, fetched, results, signal));
 * ```
 *
 * @param frontier The crawl's frontier (its `commit`).
 * @param page The work on one URL.
 * @param fetched The fetched pages.
 * @param results Where committed results wait to be yielded.
 * @param signal Stops the loop (it then rejects with the reason).
 * @returns When `fetched` is closed and drained.
 */
export async function parseLoop(
  frontier: Pick<CrawlFrontier, "commit">,
  page: Pick<PageTask, "finish">,
  fetched: BoundedQueue<FetchedPage>,
  results: BoundedQueue<CrawlResult>,
  signal: AbortSignal,
): Promise<void> {
  for (;;) {
    let next: FetchedPage;
    try {
      next = await fetched.get({ signal });
    } catch (err) {
      if (err instanceof QueueClosedError) return;
      throw err;
    }
    const batch: FrontierBatch = { found: [], settled: [] };
    const result = await page.finish(next, batch, signal);
    batch.page = { entry: next.entry, result };
    const committed = frontier.commit(batch);
    const emit = Array.isArray(committed) ? committed : await committed;
    for (const r of emit) await results.put(r, { signal });
  }
}
