/**
 * The command's crawl loop: every result is counted, then written as one
 * JSON line, unless the output already holds it; then what stopped
 * processes left unwritten. Stdout closing (`| head`) stops the crawl
 * quietly, and so does Ctrl-C.
 *
 * @module
 */
import type { Crawler } from "../crawler/crawler.ts";
import type { CrawlResult } from "../crawler/result.ts";
import type { CrawlStore } from "./crawl_store.ts";
import { resultKey } from "./output/output_repair.ts";
import type { CrawlStop } from "./interrupts.ts";
import type { LineWriter } from "./output/line_writer.ts";
import type { Reporter } from "./reporter.ts";
import type { Summary } from "./summary.ts";

/** What {@linkcode runCrawl} works with. */
export interface CrawlRun {
  /** The crawler, not started; disposed of at the end. */
  crawler: Crawler;
  /** The crawl's store. */
  store: CrawlStore;
  /** Where result lines go; closed at the end. */
  writer: LineWriter;
  /**
   * Results the output holds already (by `resultKey`): counted, not
   * written again.
   */
  uncommitted: Set<string>;
  /** Counts every result. */
  summary: Summary;
  /** Aggregates every result for `--report`. */
  report?: { add(result: CrawlResult): void };
  /** The crawl's stop (Ctrl-C). */
  stop: CrawlStop;
  /** Shows the progress line. */
  reporter: Reporter;
}

/**
 * Runs the crawl to its end, writing its results.
 *
 * @example Usage
 * ```ts ignore
 * const crashed = await runCrawl({ crawler, store, writer, uncommitted, summary, stop, reporter });
 * ```
 *
 * @param run The crawler and where its results go.
 * @returns The error the crawl failed with, or `undefined` (Ctrl-C and a
 * closed stdout are not failures).
 */
export async function runCrawl(run: CrawlRun): Promise<unknown> {
  const { store, writer, uncommitted, summary, stop, reporter } = run;
  let crashed: unknown;
  try {
    await using crawler = run.crawler;
    reporter.startProgress(() => crawler.stats);
    for await (const result of crawler.run()) {
      summary.add(result);
      run.report?.add(result);
      if (uncommitted.size > 0 && uncommitted.delete(resultKey(result))) {
        continue;
      }
      const pending = writer.write(JSON.stringify(result), result.url);
      if (pending) await pending; // a full buffer: wait for the write
    }
    if (!stop.interrupted) {
      for (const result of await store.leftovers()) {
        const pending = writer.write(JSON.stringify(result), result.url);
        if (pending) await pending;
      }
    }
  } catch (err) {
    if (err instanceof Deno.errors.BrokenPipe) {
      stop.abort(err); // stdout closed (e.g. piped to `head`): stop
    } else if (!(stop.signal.aborted && stop.interrupted)) {
      crashed = err;
    } // else: cancelled by Ctrl-C; the results so far are kept
  } finally {
    await reporter.stopProgress();
    try {
      await writer.close();
    } catch (err) {
      if (!(err instanceof Deno.errors.BrokenPipe)) crashed ??= err;
    }
  }
  return crashed;
}
