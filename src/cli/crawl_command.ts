/**
 * `trawl URL…`: a crawl, composed of its parts: open the store, create the
 * crawler, open the output and bring it in line with the store, run, then
 * summarize.
 *
 * @module
 */
import type { CliConfig } from "./args.ts";
import { openStore } from "./crawl_store.ts";
import { CrawlStop, EXIT_INTERRUPTED, type Interrupts } from "./interrupts.ts";
import { LineWriter } from "./output/line_writer.ts";
import { openOutput } from "./output/output.ts";
import { Reporter } from "./reporter.ts";
import { runCrawl } from "./run_crawl.ts";
import { Summary } from "./summary.ts";
import { errorMessage } from "./terminal.ts";
import { UsageError } from "./usage_error.ts";

/** The V8 heap limits a crawl thread runs with, in MiB. */
export interface HeapLimits {
  /** The young generation. */
  maxYoungGenerationSizeMb?: number;
  /** The old generation. */
  maxOldGenerationSizeMb?: number;
}

/**
 * Crawls as the command line says and resolves to the exit code: results
 * to stdout or `--out`, progress, logs and the summary to stderr.
 *
 * @example Usage
 * ```ts ignore
 * const code = await crawlCommand(parseCliArgs(argv), processInterrupts);
 * ```
 *
 * @param config The command line, with every seed read.
 * @param interrupts Where Ctrl-C comes from.
 * @param heap The crawl thread's heap limits (logged at debug level).
 * @returns 0, or 130 when interrupted.
 * @throws {UsageError} When an option or the stored crawl is refused.
 */
export async function crawlCommand(
  config: CliConfig,
  interrupts: Interrupts,
  heap?: HeapLimits,
): Promise<number> {
  const started = performance.now();
  const reporter = new Reporter(config);
  if (heap) reporter.log(heapRecord(heap));
  const summary = new Summary();
  const { crashed, interrupted } = await crawlToOutput(
    config,
    interrupts,
    reporter,
    summary,
  );
  reporter.summarize(summary, performance.now() - started, interrupted);
  if (crashed !== undefined) throw crashed;
  return interrupted ? EXIT_INTERRUPTED : 0;
}

/** Opens the store and the output, runs the crawl, and closes them. */
async function crawlToOutput(
  config: CliConfig,
  interrupts: Interrupts,
  reporter: Reporter,
  summary: Summary,
): Promise<{ crashed: unknown; interrupted: boolean }> {
  // Loaded here so that `--help` and usage errors stay instant.
  const { Crawler } = await import("../crawler/crawler.ts");
  await using store = await openStore(config, reporter);
  using stop = new CrawlStop(interrupts, reporter);
  let crawler;
  try {
    crawler = new Crawler(config.seeds, {
      ...config.options,
      store: store.store,
      signal: stop.signal,
      onLog: reporter.log,
    });
  } catch (err) {
    if (err instanceof RangeError || err instanceof TypeError) {
      throw new UsageError(errorMessage(err), { cause: err }); // bad options
    }
    throw err;
  }
  await store.prepare(crawler);
  using output = await openOutput(config.out, store.append);
  const uncommitted = new Set<string>();
  await store.sync(output, uncommitted);
  const writer = new LineWriter(output.file, { onWritten: store.onWritten });
  stop.listen();
  const crashed = await runCrawl({
    crawler,
    store,
    writer,
    uncommitted,
    summary,
    stop,
    reporter,
  });
  return { crashed, interrupted: stop.interrupted };
}

function heapRecord(heap: HeapLimits) {
  return {
    level: "debug" as const,
    message: `crawling in a thread with a ${
      heap.maxYoungGenerationSizeMb ?? "default"
    } MB young generation and a ${
      heap.maxOldGenerationSizeMb ?? "default"
    } MB old-generation limit`,
    time: Date.now(),
  };
}
