/**
 * The crawl's two stages: fetch loops, each holding a fetch slot (and its
 * host's permit) only while a request is in flight, and parse loops, which
 * parse and commit. Between them a bounded queue of fetched pages: when the
 * parser falls behind, the fetchers wait instead of piling bodies up.
 *
 * @module
 */
import type { CrawlArchive } from "../archive/crawl_archive.ts";
import { BoundedQueue } from "../concurrency/bounded_queue.ts";
import { type Clock, systemClock } from "../concurrency/clock.ts";
import { LoopYield } from "../concurrency/loop_yield.ts";
import type { CrawlFrontier } from "../frontier/store.ts";
import type { CrawlTasks } from "./crawl_tasks.ts";
import { fetchLoop } from "./fetch_loop.ts";
import type { FetchedPage, PageTask } from "./page_task.ts";
import { parseLoop } from "./parse_loop.ts";

/** The sizes of the pipeline. */
export interface PipelineSizes {
  /** Fetch loops: requests in flight at most (the `concurrency` option). */
  fetchers: number;
  /** Parse loops: pages being parsed or committed at most. */
  parsers: number;
  /** Fetched pages waiting for a parse loop at most. */
  queue: number;
}

/**
 * The pipeline's sizes for `concurrency` fetchers: twice as many parse
 * loops, and as many waiting pages as fetchers; at most `4 × concurrency`
 * bodies are held at once. A page spends most of its parse stage waiting:
 * for its worker batch to come back, then for the crawl thread to read the
 * reply; with only as many parse loops as fetchers, the fetchers waited for
 * room about a third of the time while the parser worker idled half of it
 * (10,000-page run: 2.5 s with 16 parse loops, 2.2 s with 32, no faster
 * with 48).
 *
 * @example Sizes
 * ```ts
 * import { pipelineSizes } from "./pipeline.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(pipelineSizes(16), { fetchers: 16, parsers: 32, queue: 16 });
 * ```
 *
 * @param concurrency The `concurrency` option.
 * @returns The sizes.
 */
export function pipelineSizes(concurrency: number): PipelineSizes {
  return {
    fetchers: concurrency,
    parsers: 2 * concurrency,
    queue: concurrency,
  };
}

/**
 * Starts the crawl's fetch loops and parse loops as tasks of `tasks`. The
 * queue between them closes when the last fetch loop ends (the frontier is
 * done: every page committed); the parse loops then drain it and end, and
 * the results queue closes. The fetch loops share one {@linkcode LoopYield}
 * on `clock`, so that URLs skipped without a request never hold the event
 * loop for more than its budget.
 *
 * @example Usage
 * ```ts ignore
 * startPipeline(tasks, frontier, page, pipelineSizes(o.concurrency));
 * ```
 *
 * @param tasks The crawl's task tree and its results queue.
 * @param frontier The crawl's frontier.
 * @param page The work on one URL.
 * @param sizes How many loops of each kind, and the queue's capacity.
 * @param archive Where each page's exchanges are archived before its commit.
 * @param clock Measures the fetch loops' turns.
 */
export function startPipeline(
  tasks: Pick<CrawlTasks, "spawn" | "start" | "results">,
  frontier: CrawlFrontier,
  page: PageTask,
  sizes: PipelineSizes,
  archive?: Pick<CrawlArchive, "commit">,
  clock: Clock = systemClock,
): void {
  const fetched = new BoundedQueue<FetchedPage>(sizes.queue);
  let fetching = sizes.fetchers;
  const turns = new LoopYield({ clock });
  for (let i = 0; i < sizes.parsers; i++) {
    tasks.spawn((signal) =>
      parseLoop(frontier, page, fetched, tasks.results, signal, archive)
    );
  }
  tasks.start(sizes.fetchers, async (signal) => {
    try {
      await fetchLoop(frontier, page, fetched, turns, signal);
    } finally {
      if (--fetching === 0) fetched.close();
    }
  });
}
