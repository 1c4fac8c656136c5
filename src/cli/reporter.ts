/**
 * Where the command's messages go: stderr, above the progress line while
 * there is one; log records filtered by `--log-level`; the summary at the
 * end. `--quiet` drops the progress line and the summary.
 *
 * @module
 */
import type { CrawlStats } from "../crawler/stats.ts";
import { LOG_LEVELS, type LogLevel, type LogRecord } from "../telemetry/log.ts";
import { formatLogLine } from "./log_line.ts";
import { Progress } from "./progress.ts";
import type { Summary } from "./summary.ts";
import { terminalColumns, writeStderr } from "./terminal.ts";

/** Options for {@linkcode Reporter}. */
export interface ReporterOptions {
  /** No progress line, no summary. */
  quiet: boolean;
  /** The lowest level of log records printed. */
  logLevel: LogLevel;
}

/**
 * The command's stderr during a crawl.
 *
 * @example Usage
 * ```ts
 * import { Reporter } from "./reporter.ts";
 *
 * const reporter = new Reporter({ quiet: true, logLevel: "warn" });
 * reporter.say("trawl: hello");
 * ```
 */
export class Reporter {
  /** Whether lines are colored (a terminal, and no `NO_COLOR`). */
  readonly color: boolean;
  /** No progress line, no summary. */
  readonly quiet: boolean;
  #minLevel: number;
  #progress: Progress | undefined;

  /**
   * Creates a reporter.
   *
   * @param options `--quiet` and `--log-level`.
   */
  constructor(options: ReporterOptions) {
    this.quiet = options.quiet;
    this.#minLevel = LOG_LEVELS[options.logLevel];
    this.color = !Deno.noColor && Deno.stderr.isTerminal();
  }

  /**
   * Prints a line (above the progress line, if any).
   *
   * @param line The line, without a newline.
   */
  say(line: string): void {
    if (this.#progress) this.#progress.log(line);
    else writeStderr(line + "\n");
  }

  /**
   * Prints a log record at or above `--log-level` (the crawler's `onLog`).
   *
   * @param record The record.
   */
  readonly log = (record: LogRecord): void => {
    if ((LOG_LEVELS[record.level] ?? 0) < this.#minLevel) return;
    this.say(formatLogLine(record, { color: this.color }));
  };

  /**
   * Shows the progress line, when stderr is a terminal and not `--quiet`.
   *
   * @param stats Reads the crawl's counters.
   */
  startProgress(stats: () => CrawlStats): void {
    if (this.quiet || !Deno.stderr.isTerminal()) return;
    this.#progress = new Progress({
      write: writeStderr,
      stats,
      color: this.color,
      columns: terminalColumns,
    });
    this.#progress.start();
  }

  /** Erases the progress line (before the process exits at once). */
  clearProgress(): void {
    this.#progress?.clear();
  }

  /**
   * Stops and erases the progress line.
   *
   * @returns A promise that settles when it is gone.
   */
  async stopProgress(): Promise<void> {
    await this.#progress?.stop();
    this.#progress = undefined;
  }

  /**
   * Prints the summary, unless `--quiet`.
   *
   * @param summary The crawl's counts.
   * @param elapsedMs How long the crawl took.
   * @param interrupted Whether Ctrl-C stopped it.
   */
  summarize(summary: Summary, elapsedMs: number, interrupted: boolean): void {
    if (this.quiet) return;
    writeStderr(summary.format(elapsedMs, { color: this.color, interrupted }));
  }
}
