/**
 * Fixed-size aggregates for a report that stays small however long the
 * crawl: a histogram over fixed bucket bounds, and a quantile sketch over
 * logarithmic buckets (each bucket 10% wider than the last, so a quantile
 * is within 5% of the true value) in a fixed number of counters.
 *
 * @module
 */

/**
 * Counts of values falling under each of a fixed list of upper bounds (the
 * last bucket takes everything above the last bound).
 *
 * @example TTFB buckets
 * ```ts
 * import { Histogram } from "./histogram.ts";
 * import assert from "node:assert/strict";
 *
 * const h = new Histogram([10, 100]);
 * for (const v of [5, 50, 500, 7]) h.add(v);
 * assert.deepEqual(h.counts, [2, 1, 1]);
 * ```
 */
export class Histogram {
  /** The buckets' upper bounds (inclusive), ascending. */
  readonly bounds: readonly number[];
  /** Values per bucket; one more than `bounds` (the overflow bucket). */
  readonly counts: number[];

  /**
   * Creates an empty histogram.
   *
   * @param bounds The buckets' upper bounds, ascending.
   */
  constructor(bounds: readonly number[]) {
    this.bounds = bounds;
    this.counts = new Array(bounds.length + 1).fill(0);
  }

  /**
   * Counts one value.
   *
   * @param value The value.
   */
  add(value: number): void {
    let i = 0;
    while (i < this.bounds.length && value > this.bounds[i]) i++;
    this.counts[i]++;
  }
}

/** Log buckets: each 10% wider than the last. */
const GAMMA = 1.1;
const LOG_GAMMA = Math.log(GAMMA);
/** Values at or below this share the first bucket. */
const MIN_VALUE = 0.1;
/** Buckets kept: up to about 0.1 × 1.1^200 ≈ 19 million. */
const BUCKETS = 200;

/**
 * A bounded quantile sketch: counts in logarithmic buckets, a mean kept
 * exactly. Memory is fixed (200 counters) whatever the number of values.
 *
 * @example p95 of latencies
 * ```ts
 * import { QuantileSketch } from "./histogram.ts";
 * import assert from "node:assert/strict";
 *
 * const s = new QuantileSketch();
 * for (let i = 1; i <= 100; i++) s.add(i);
 * const p95 = s.quantile(0.95);
 * assert.ok(p95 >= 90 && p95 <= 100, String(p95));
 * assert.equal(s.mean, 50.5);
 * ```
 */
export class QuantileSketch {
  readonly #counts = new Uint32Array(BUCKETS);
  #n = 0;
  #sum = 0;
  #max = 0;

  /** Values counted. */
  get count(): number {
    return this.#n;
  }

  /** Their mean (0 when none). */
  get mean(): number {
    return this.#n === 0 ? 0 : this.#sum / this.#n;
  }

  /** The largest value. */
  get max(): number {
    return this.#max;
  }

  /**
   * Counts one value (negative values count as 0).
   *
   * @param value The value.
   */
  add(value: number): void {
    const v = Math.max(0, value);
    this.#n++;
    this.#sum += v;
    if (v > this.#max) this.#max = v;
    const i = v <= MIN_VALUE
      ? 0
      : Math.min(BUCKETS - 1, Math.ceil(Math.log(v / MIN_VALUE) / LOG_GAMMA));
    this.#counts[i]++;
  }

  /**
   * The value below which a fraction `q` of the values lie, to within 5%
   * (the middle of its bucket; never above the largest value).
   *
   * @param q A fraction in [0, 1].
   * @returns The quantile, or 0 when nothing was counted.
   */
  quantile(q: number): number {
    if (this.#n === 0) return 0;
    const rank = Math.max(1, Math.ceil(q * this.#n));
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.#counts[i];
      if (seen >= rank) {
        if (i === 0) return Math.min(MIN_VALUE, this.#max);
        const upper = MIN_VALUE * GAMMA ** i;
        return Math.min((upper + upper / GAMMA) / 2, this.#max);
      }
    }
    return this.#max;
  }
}
