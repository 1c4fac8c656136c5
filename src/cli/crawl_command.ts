/**
 * `trawl URL…`: a crawl, composed of its parts: open the store, create the
 * crawler, open the output and bring it in line with the store, run, then
 * summarize.
 *
 * @module
 */
import type { CliConfig } from "./args.ts";
import { openStore } from "./crawl_store.ts";
import { asDiskFull } from "../io/disk_full_error.ts";
import { CrawlReport } from "../report/crawl_report.ts";
import { compileSelectors } from "../content/selector_rule.ts";
import { EXIT } from "./exit_codes.ts";
import { CrawlStop, type Interrupts } from "./interrupts.ts";
import { writeReport } from "./write_report.ts";
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
 * @returns 0; 1 when no seed could be fetched (results came, none with a
 * response); 130 when interrupted, 143 when terminated.
 * @throws {UsageError} When an option or the stored crawl is refused.
 * @throws {DiskFullError} When `--out`, the state or the report could not
 * be written for a full disk.
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
  const report = config.report ? new CrawlReport() : undefined;
  const { crashed, exitCode } = await crawlToOutput(
    config,
    interrupts,
    reporter,
    { summary, report },
  );
  const interrupted = exitCode !== EXIT.ok;
  reporter.summarize(summary, performance.now() - started, {
    interrupted,
    failed: crashed !== undefined,
  });
  if (report) {
    await writeReport(config.report!, report, {
      title: "trawl crawl",
      seeds: config.seeds,
      generatedAt: Date.now(),
      interrupted,
    });
  }
  if (crashed !== undefined) throw asDiskFull(crashed, config.out ?? "stdout");
  if (interrupted) return exitCode;
  // Results came, and not one had a response: no seed could be fetched.
  return summary.total > 0 && summary.responses === 0 ? EXIT.failed : EXIT.ok;
}

/** Opens the store and the output, runs the crawl, and closes them. */
async function crawlToOutput(
  config: CliConfig,
  interrupts: Interrupts,
  reporter: Reporter,
  sinks: { summary: Summary; report?: CrawlReport },
): Promise<{ crashed: unknown; exitCode: number }> {
  const { summary, report } = sinks;
  // Loaded here so that `--help` and usage errors stay instant.
  const { Crawler } = await import("../crawler/crawler.ts");
  await using store = await openStore(config, reporter);
  using stop = new CrawlStop(interrupts, reporter);
  let crawler;
  try {
    const { select } = config.options;
    if (select !== undefined) await compileSelectors(select);
    crawler = new Crawler(config.seeds, {
      ...config.options,
      store: store.store,
      signal: stop.signal,
      onLog: report
        ? (record) => {
          report.noteLog(record);
          reporter.log(record);
        }
        : reporter.log,
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
    report,
    stop,
    reporter,
  });
  return { crashed, exitCode: stop.exitCode };
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
