/**
 * The terminal progress line on stderr, redrawn in place with `\r` and
 * clear-line, with whole lines printed above it.
 *
 * @module
 */
import { type Clock, systemClock } from "../concurrency/clock.ts";
import type { CrawlStats } from "../crawler/stats.ts";

/** `\r` then ANSI "erase entire line". */
const CLEAR_LINE = "\r\x1b[2K";

/** Options of {@linkcode Progress}. */
export interface ProgressOptions {
  /** Writes text to the terminal (e.g. synchronously to stderr). */
  write: (text: string) => void;
  /** Reads the crawl's live counters. */
  stats: () =>
    & Pick<CrawlStats, "done" | "queued" | "inFlight" | "errors">
    & Partial<Pick<CrawlStats, "byStatusClass">>;
  /**
   * Use ANSI colors (pass `false` when `NO_COLOR` is set).
   *
   * @default {false}
   */
  color?: boolean;
  /**
   * Terminal width; the line is cut to fit so it never wraps.
   *
   * @default {() => 80}
   */
  columns?: () => number;
  /**
   * Time between redraws, ms (at most 10 redraws a second by default).
   *
   * @default {100}
   */
  intervalMs?: number;
  /** Time source. @default {systemClock} */
  clock?: Clock;
}

/**
 * A single progress line: pages done, queued, in flight, pages/s and
 * errors, redrawn every `intervalMs` until {@linkcode Progress.stop}.
 * {@linkcode Progress.log} prints a whole line above it.
 *
 * @example Usage
 * ```ts
 * import { Progress } from "./progress.ts";
 * import { FakeClock } from "@trawl/trawl/testing";
 *
 * const clock = new FakeClock();
 * let screen = "";
 * const stats = { done: 3, queued: 5, inFlight: 2, errors: 0 };
 * const progress = new Progress({
 *   write: (text) => (screen += text),
 *   stats: () => stats,
 *   clock,
 * });
 * progress.start();
 * await clock.tick(1000);
 * await progress.stop();
 * console.log(JSON.stringify(screen));
 * ```
 */
export class Progress {
  #write: (text: string) => void;
  #stats: ProgressOptions["stats"];
  #color: boolean;
  #columns: () => number;
  #intervalMs: number;
  #clock: Clock;
  #start = 0;
  #shown = false;
  #controller: AbortController | undefined;
  #loop: Promise<void> | undefined;

  /**
   * Creates a progress line; nothing is drawn until {@linkcode Progress.start}.
   *
   * @param options Where to write and what to show.
   */
  constructor(options: ProgressOptions) {
    const intervalMs = options.intervalMs ?? 100;
    if (!(intervalMs > 0)) {
      throw new RangeError(
        `Cannot create Progress as 'intervalMs' must be greater than 0: current value is ${intervalMs}`,
      );
    }
    this.#write = options.write;
    this.#stats = options.stats;
    this.#color = options.color ?? false;
    this.#columns = options.columns ?? (() => 80);
    this.#intervalMs = intervalMs;
    this.#clock = options.clock ?? systemClock;
  }

  /** Starts redrawing (the first draw is immediate). Idempotent. */
  start(): void {
    if (this.#controller) return;
    this.#start = this.#clock.now();
    const controller = new AbortController();
    this.#controller = controller;
    this.#loop = (async () => {
      const { signal } = controller;
      while (!signal.aborted) {
        this.draw();
        try {
          await this.#clock.sleep(this.#intervalMs, signal);
        } catch {
          return;
        }
      }
    })();
  }

  /** Redraws the line now. */
  draw(): void {
    this.#write(CLEAR_LINE + this.line());
    this.#shown = true;
  }

  /**
   * The progress line's text (without control characters other than colors).
   *
   * @returns The line, cut to the terminal width.
   */
  line(): string {
    const s = this.#stats();
    const seconds = (this.#clock.now() - this.#start) / 1000;
    const rate = seconds > 0 ? s.done / seconds : 0;
    const classes = s.byStatusClass ?? {};
    const failed = [`4xx ${classes["4xx"] ?? 0}`, `5xx ${classes["5xx"] ?? 0}`];
    const errors = `${s.errors} ${s.errors === 1 ? "error" : "errors"}`;
    const parts = [
      `${s.done} done`,
      `${s.queued} queued`,
      `${s.inFlight} in flight`,
      `${rate.toFixed(1)} pages/s`,
      ...failed,
      errors,
      elapsed(seconds),
    ];
    const plain = `trawl: ${parts.join(" · ")}`;
    const width = Math.max(10, this.#columns() - 1);
    const cut = [...plain].length > width
      ? [...plain].slice(0, width - 1).join("") + "…"
      : plain;
    if (!this.#color || cut !== plain) return cut;
    const red = (text: string, n: number) =>
      n > 0 ? `\x1b[31m${text}\x1b[39m` : text;
    const colored = [
      ...parts.slice(0, 4),
      red(failed[0], classes["4xx"] ?? 0),
      red(failed[1], classes["5xx"] ?? 0),
      red(errors, s.errors),
      parts[7],
    ];
    return `\x1b[1mtrawl\x1b[22m: ${colored.join(" · ")}`;
  }

  /** Erases the line if it is shown (redraws continue while started). */
  clear(): void {
    if (!this.#shown) return;
    this.#write(CLEAR_LINE);
    this.#shown = false;
  }

  /**
   * Writes a whole line above the progress line (erasing then redrawing it).
   *
   * @param text One line, without a trailing newline.
   */
  log(text: string): void {
    const shown = this.#shown;
    this.clear();
    this.#write(text + "\n");
    if (shown && this.#controller && !this.#controller.signal.aborted) {
      this.draw();
    }
  }

  /**
   * Stops redrawing and erases the line.
   *
   * @returns A promise that resolves once the redraw loop has ended.
   */
  async stop(): Promise<void> {
    this.#controller?.abort();
    await this.#loop;
    this.clear();
  }

  /** Stops redrawing and erases the line. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }
}

/** Elapsed time as `m:ss`, or `h:mm:ss` past an hour. */
function elapsed(seconds: number): string {
  const total = Math.floor(Math.max(0, seconds));
  const s = String(total % 60).padStart(2, "0");
  const m = Math.floor(total / 60) % 60;
  const h = Math.floor(total / 3600);
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${s}` : `${m}:${s}`;
}
