/**
 * The N largest items seen, by a score, in O(N) memory.
 *
 * @module
 */

/**
 * Keeps the `capacity` items with the highest scores.
 *
 * @example The slowest pages
 * ```ts
 * import { TopList } from "./top_list.ts";
 * import assert from "node:assert/strict";
 *
 * const top = new TopList<string>(2);
 * top.add("a", 5);
 * top.add("b", 50);
 * top.add("c", 20);
 * assert.deepEqual(top.items(), [["b", 50], ["c", 20]]);
 * ```
 */
export class TopList<T> {
  readonly #capacity: number;
  /** A min-heap on score. */
  readonly #heap: [T, number][] = [];

  /**
   * Creates an empty list.
   *
   * @param capacity Items kept at most.
   */
  constructor(capacity: number) {
    this.#capacity = capacity;
  }

  /**
   * Offers an item.
   *
   * @param item The item.
   * @param score Its score.
   */
  add(item: T, score: number): void {
    const heap = this.#heap;
    if (heap.length < this.#capacity) {
      heap.push([item, score]);
      this.#up(heap.length - 1);
    } else if (heap.length > 0 && score > heap[0][1]) {
      heap[0] = [item, score];
      this.#down(0);
    }
  }

  /**
   * The items kept, highest score first.
   *
   * @returns `[item, score]` pairs.
   */
  items(): [T, number][] {
    return [...this.#heap].sort((a, b) => b[1] - a[1]);
  }

  #up(i: number): void {
    const h = this.#heap;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (h[p][1] <= h[i][1]) break;
      [h[p], h[i]] = [h[i], h[p]];
      i = p;
    }
  }

  #down(i: number): void {
    const h = this.#heap;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && h[l][1] < h[m][1]) m = l;
      if (r < h.length && h[r][1] < h[m][1]) m = r;
      if (m === i) return;
      [h[m], h[i]] = [h[i], h[m]];
      i = m;
    }
  }
}
