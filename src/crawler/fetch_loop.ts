/**
 * A fetcher of the crawl: takes URLs from the frontier and works on them
 * one at a time until the frontier closes.
 *
 * @module
 */
import type { CrawlArchive } from "../archive/crawl_archive.ts";
import type { Exchange } from "../archive/exchange.ts";
import type { BoundedQueue } from "../concurrency/bounded_queue.ts";
import type { CrawlFrontier, FrontierBatch } from "../frontier/store.ts";
import type { PageTask } from "./page_task.ts";
import type { CrawlResult } from "./result.ts";

/**
 * Takes the next URL whose host is ready, runs the page task on it,
 * commits the page with what it found (and releases the host's slot), then
 * queues the results the commit gives; until the frontier has no more.
 * With an archive, the page's exchanges are archived first, and the page
 * is committed in the archive's turn (see `CrawlArchive.commit`).
 *
 * @example Usage
 * ```ts ignore
 * tasks.start(concurrency, (signal) => fetchLoop(frontier, page, results, signal));
 * ```
 *
 * @param frontier The crawl's frontier.
 * @param page The work on one URL.
 * @param results Where committed results wait to be yielded.
 * @param signal Stops the loop (it then rejects with the reason).
 * @param archive Where each page's exchanges are archived.
 * @returns When the frontier is done.
 */
export async function fetchLoop(
  frontier: CrawlFrontier,
  page: PageTask,
  results: BoundedQueue<CrawlResult>,
  signal: AbortSignal,
  archive?: Pick<CrawlArchive, "commit">,
): Promise<void> {
  for (;;) {
    const entry = await frontier.next(signal);
    if (entry === undefined) return;
    const batch: FrontierBatch = { found: [], settled: [] };
    let emit: CrawlResult[];
    try {
      const exchanges: Exchange[] | undefined = archive && [];
      const result = await page.run(entry, batch, signal, exchanges);
      batch.page = { entry, result };
      const commit = () => frontier.commit(batch);
      const committed = archive
        ? await archive.commit(exchanges!, commit, { signal })
        : commit();
      emit = Array.isArray(committed) ? committed : await committed;
    } finally {
      entry.permit.release();
    }
    for (const r of emit) await results.put(r, { signal });
  }
}
