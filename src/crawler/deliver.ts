/**
 * Yielding results only once they are durable: each group of results is
 * flushed to the frontier's store with one write, then yielded.
 *
 * @module
 */
import type { BoundedQueue } from "../concurrency/bounded_queue.ts";
import type { CrawlFrontier } from "../frontier/store.ts";
import type { CrawlResult } from "./result.ts";

/** Results flushed with one write at most. */
const GROUP = 256;

/**
 * Yields `settled` (the seeds' results), then the results the fetch loops
 * queue, until the queue closes. Group commit: one flush for every result
 * already waiting, then they are yielded, so nothing is yielded before its
 * commit is durable.
 *
 * @example Usage
 * ```ts ignore
 * yield* deliver(frontier, settled, tasks.results, (r) => countResult(stats, r));
 * ```
 *
 * @param frontier The crawl's frontier (its `flush`).
 * @param settled Results known before the fetchers started.
 * @param results The fetch loops' results.
 * @param onYield Called with each result just before it is yielded.
 * @returns The results, in order.
 */
export async function* deliver(
  frontier: Pick<CrawlFrontier, "flush">,
  settled: CrawlResult[],
  results: BoundedQueue<CrawlResult>,
  onYield: (result: CrawlResult) => void,
): AsyncGenerator<CrawlResult, void, undefined> {
  for (const r of settled) {
    const flushed = frontier.flush();
    if (flushed) await flushed;
    onYield(r);
    yield r;
  }
  for await (const first of results) {
    const ready = [first];
    while (ready.length < GROUP) {
      const next = results.tryGet();
      if (next === undefined) break;
      ready.push(next);
    }
    const flushed = frontier.flush();
    if (flushed) await flushed;
    for (const result of ready) {
      onYield(result);
      yield result;
    }
  }
}
