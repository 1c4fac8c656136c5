/**
 * The end-of-crawl summary: an accumulator fed every result, and its text.
 *
 * @module
 */
import type { CrawlResult, SkipReason } from "../crawler/result.ts";

/** Options of {@linkcode Summary.format}. */
export interface SummaryFormatOptions {
  /**
   * Use ANSI colors.
   *
   * @default {false}
   */
  color?: boolean;
  /**
   * Mark the summary as the summary of an interrupted crawl.
   *
   * @default {false}
   */
  interrupted?: boolean;
  /**
   * Mark the summary as the summary of a crawl stopped by an error.
   *
   * @default {false}
   */
  failed?: boolean;
}

/**
 * Counts crawl results for the summary. Every result lands in exactly one
 * bucket: an `error` (by name), else a `skipped` reason, else a page (by
 * status class), so the buckets add up to {@linkcode Summary.total}.
 *
 * @example Usage
 * ```ts
 * import { Summary } from "./summary.ts";
 * import assert from "node:assert/strict";
 *
 * const summary = new Summary();
 * summary.add({
 *   url: "https://example.com/",
 *   finalUrl: "https://example.com/",
 *   status: 200,
 *   depth: 0,
 *   links: 3,
 *   bytes: 2048,
 *   attempts: 1,
 *   timings: { start: 0, ttfb: 10, total: 20 },
 *   trace: { traceId: "t", spanId: "s" },
 * });
 * assert.equal(summary.total, 1);
 * assert.deepEqual(summary.pages, { "2xx": 1 });
 * console.log(summary.format(1000));
 * ```
 */
export class Summary {
  #total = 0;
  #responses = 0;
  #bytes = 0;
  #pages: Record<string, number> = {};
  #errors: Record<string, number> = {};
  #skipped: Partial<Record<SkipReason, number>> = {};

  /**
   * Counts one result.
   *
   * @param result A result yielded by the crawler.
   */
  add(result: CrawlResult): void {
    this.#total++;
    if (result.status > 0) this.#responses++;
    this.#bytes += Number.isFinite(result.bytes) ? result.bytes : 0;
    if (result.error) {
      const name = result.error.name || "Error";
      this.#errors[name] = (this.#errors[name] ?? 0) + 1;
    } else if (result.skipped) {
      this.#skipped[result.skipped] = (this.#skipped[result.skipped] ?? 0) + 1;
    } else {
      const cls = statusClass(result.status);
      this.#pages[cls] = (this.#pages[cls] ?? 0) + 1;
    }
  }

  /** Results counted. */
  get total(): number {
    return this.#total;
  }

  /** Results with a response (any status). */
  get responses(): number {
    return this.#responses;
  }

  /** Decoded body bytes of all results. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Pages (neither error nor skipped) by status class (`"2xx"`, ...). */
  get pages(): Record<string, number> {
    return { ...this.#pages };
  }

  /** Results with an `error`, by error name. */
  get errors(): Record<string, number> {
    return { ...this.#errors };
  }

  /** Results with a `skipped` reason, by reason. */
  get skipped(): Partial<Record<SkipReason, number>> {
    return { ...this.#skipped };
  }

  /**
   * The summary as text, several lines, ending with a newline.
   *
   * @param elapsedMs How long the crawl took.
   * @param options Formatting options.
   * @returns The summary.
   */
  format(elapsedMs: number, options: SummaryFormatOptions = {}): string {
    const color = options.color ?? false;
    const bold = (s: string) => color ? `\x1b[1m${s}\x1b[22m` : s;
    const dim = (s: string) => color ? `\x1b[2m${s}\x1b[22m` : s;
    const red = (s: string) => color ? `\x1b[31m${s}\x1b[39m` : s;
    const yellow = (s: string) => color ? `\x1b[33m${s}\x1b[39m` : s;
    const pages = sum(this.#pages);
    const errors = sum(this.#errors);
    const skipped = sum(this.#skipped);
    const seconds = elapsedMs / 1000;
    const rate = seconds > 0 ? pages / seconds : 0;
    const head = options.failed
      ? "stopped by an error after"
      : options.interrupted
      ? "interrupted after"
      : "done in";
    const lines = [
      `${bold("trawl")}: ${this.#total} ${
        plural(this.#total, "result")
      }, ${head} ${formatDuration(elapsedMs)} (${rate.toFixed(1)} pages/s)`,
      row("pages", pages, breakdown(this.#pages, sortStatus), dim),
      row(
        "errors",
        errors,
        breakdown(this.#errors),
        errors > 0 ? red : dim,
      ),
      row(
        "skipped",
        skipped,
        breakdown(this.#skipped as Record<string, number>),
        skipped > 0 ? yellow : dim,
      ),
      `  ${"bytes".padEnd(8)} ${formatBytes(this.#bytes)}`,
    ];
    return lines.join("\n") + "\n";
  }
}

/**
 * Bytes in human units (binary prefixes, one decimal above 1 KiB).
 *
 * @example Usage
 * ```ts
 * import { formatBytes } from "./summary.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(formatBytes(512), "512 B");
 * assert.equal(formatBytes(1536), "1.5 KiB");
 * ```
 *
 * @param bytes A byte count.
 * @returns The count with a unit.
 */
export function formatBytes(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0
    ? `${Math.round(value)} B`
    : `${value.toFixed(1)} ${units[unit]}`;
}

/**
 * A duration in human units: `850 ms`, `3.2 s`, `2 min 5 s`, `1 h 2 min`.
 *
 * @example Usage
 * ```ts
 * import { formatDuration } from "./summary.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(formatDuration(3200), "3.2 s");
 * assert.equal(formatDuration(125_000), "2 min 5 s");
 * ```
 *
 * @param ms Milliseconds.
 * @returns The duration with units.
 */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const totalSeconds = Math.round(ms / 1000);
  if (totalSeconds < 3600) {
    return `${Math.floor(totalSeconds / 60)} min ${totalSeconds % 60} s`;
  }
  const totalMinutes = Math.floor(totalSeconds / 60);
  return `${Math.floor(totalMinutes / 60)} h ${totalMinutes % 60} min`;
}

function statusClass(status: number): string {
  return status >= 100 && status <= 599
    ? `${Math.floor(status / 100)}xx`
    : "no status";
}

function sum(counts: Record<string, number | undefined>): number {
  let total = 0;
  for (const n of Object.values(counts)) total += n ?? 0;
  return total;
}

function sortStatus(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function byCount(
  counts: Record<string, number>,
): (a: string, b: string) => number {
  return (a, b) => counts[b] - counts[a] || (a < b ? -1 : a > b ? 1 : 0);
}

function breakdown(
  counts: Record<string, number>,
  order?: (a: string, b: string) => number,
): string {
  return Object.keys(counts)
    .sort(order ?? byCount(counts))
    .map((key) => `${key} ${counts[key]}`)
    .join(", ");
}

function row(
  label: string,
  count: number,
  detail: string,
  paint: (s: string) => string,
): string {
  const head = `  ${label.padEnd(8)} ${String(count).padStart(6)}`;
  return detail === "" ? head : `${head}  ${paint(detail)}`;
}

function plural(n: number, word: string): string {
  return n === 1 ? word : `${word}s`;
}
