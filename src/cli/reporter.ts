/**
 * Where the command's messages go: stderr, above the progress line while
 * there is one; log records filtered by `--log-level`; the summary at the
 * end. `--quiet` drops the progress line and the summary.
 *
 * With OpenTelemetry on (`OTEL_DENO=true`), warnings and errors are written
 * with `console.warn` and `console.error` instead: Deno prints them to
 * stderr as before and exports them as log records, with the trace and span
 * ids of their request (the crawl runs its log handler in the record's span
 * context). Info and debug lines stay plain stderr lines: Deno's
 * `console.info` and `console.debug` print to stdout, where results go.
 *
 * @module
 */
import type { CrawlStats } from "../crawler/stats.ts";
import { LOG_LEVELS, type LogLevel, type LogRecord } from "../telemetry/log.ts";
import { otelTracer } from "../telemetry/otel.ts";
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
  /**
   * Where results go (`--out`); stdout when absent. Results on stdout, when
   * stdout is the terminal stderr draws on, leave no room for a progress
   * line: none is drawn (it would run into them).
   */
  out?: string;
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
  readonly #resultsOnTerminal: boolean;
  /** OpenTelemetry is on: warnings and errors go through `console`. */
  readonly #otel = otelTracer() !== undefined;

  /**
   * Creates a reporter.
   *
   * @param options `--quiet` and `--log-level`.
   */
  constructor(options: ReporterOptions) {
    this.quiet = options.quiet;
    this.#minLevel = LOG_LEVELS[options.logLevel];
    this.color = !Deno.noColor && Deno.stderr.isTerminal();
    this.#resultsOnTerminal = options.out === undefined &&
      Deno.stdout.isTerminal();
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
    if (this.#otel && (record.level === "warn" || record.level === "error")) {
      // Exported by Deno as a log record; the progress line redraws itself.
      this.#progress?.clear();
      console[record.level](formatLogLine(record));
      return;
    }
    this.say(formatLogLine(record, { color: this.color }));
  };

  /**
   * Shows the progress line, when stderr is a terminal, results do not go
   * to that terminal too, and not `--quiet`.
   *
   * @param stats Reads the crawl's counters.
   */
  startProgress(stats: () => CrawlStats): void {
    if (this.quiet || !Deno.stderr.isTerminal() || this.#resultsOnTerminal) {
      return;
    }
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
   * @param how Whether Ctrl-C (or SIGTERM) stopped it, or an error.
   */
  summarize(
    summary: Summary,
    elapsedMs: number,
    how: { interrupted: boolean; failed: boolean },
  ): void {
    if (this.quiet) return;
    writeStderr(summary.format(elapsedMs, { color: this.color, ...how }));
  }
}
