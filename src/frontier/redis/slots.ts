/**
 * A shared crawl's slots: its hosts are spread over `count` key groups, each
 * with its own hash tag, so that on a Redis Cluster each group has its own
 * hash slot (and the groups spread over the nodes), while every Lua script
 * still touches one slot. Slot 0's keys are `trawl:{NAME}:…` and also hold
 * what belongs to the whole crawl (its metadata, workers, heartbeats,
 * robots.txt records and the page budget); slot N's are
 * `trawl:{NAME/N}:ID:…`, where ID starts the crawl's id, so the keys of a
 * crawl that was started over never meet the keys of the crawl it replaced.
 * A host's queue, politeness state, dedupe marks, leases, results and
 * counters are all in the slot of its host; a page's links to other hosts
 * are offered to their slots before the page is committed to its own.
 *
 * One slot (the default on one server) is the layout of a crawl made before
 * slots existed.
 *
 * @module
 */
import { fingerprint64 } from "../fingerprint_set.ts";
import { hostOf } from "../host_of.ts";

/** One key group of a crawl. */
export interface Slot {
  /** Its index, 0 to count − 1. */
  readonly index: number;
  /** The prefix of its keys: `trawl:{NAME}:` or `trawl:{NAME/N}:ID:`. */
  readonly prefix: string;
  /** Its `meta` key: a cluster routes the slot's commands by it. */
  readonly key: string;
}

/**
 * The key prefix of a crawl's slot.
 *
 * @example Usage
 * ```ts
 * import { slotPrefix } from "./slots.ts";
 * import assert from "node:assert/strict";
 *
 * const id = "0f3c9a7e-5d2b-4c1a-9e8f-7a6b5c4d3e2f";
 * assert.equal(slotPrefix("docs", id, 0), "trawl:{docs}:");
 * assert.equal(slotPrefix("docs", id, 3), "trawl:{docs/3}:0f3c9a7e:");
 * ```
 *
 * @param crawl The crawl's name.
 * @param id The crawl's id.
 * @param index The slot.
 * @returns The prefix.
 */
export function slotPrefix(crawl: string, id: string, index: number): string {
  return index === 0
    ? `trawl:{${crawl}}:`
    : `trawl:{${crawl}/${index}}:${id.slice(0, 8)}:`;
}

/**
 * The pattern of every key of a crawl's slot, whatever the crawl's id.
 *
 * @param crawl The crawl's name.
 * @param index The slot.
 * @returns A `SCAN` pattern.
 */
export function slotPattern(crawl: string, index: number): string {
  return index === 0 ? `trawl:{${crawl}}:*` : `trawl:{${crawl}/${index}}:*`;
}

const FP = new Uint32Array(2);

/** A crawl's slots, and which one holds a host. */
export class Slots {
  /** Every slot, by index. */
  readonly all: readonly Slot[];

  /**
   * Lists a crawl's slots.
   *
   * @param crawl The crawl's name.
   * @param id The crawl's id.
   * @param count How many slots it has.
   */
  constructor(crawl: string, id: string, count: number) {
    this.all = Array.from({ length: count }, (_, index) => {
      const prefix = slotPrefix(crawl, id, index);
      return { index, prefix, key: prefix + "meta" };
    });
  }

  /** How many slots there are. */
  get count(): number {
    return this.all.length;
  }

  /** Slot 0: the crawl's own keys live there too. */
  get home(): Slot {
    return this.all[0];
  }

  /**
   * The slot of a host: a hash of its name, so every process agrees.
   *
   * @param host The host (`host[:port]`).
   * @returns Its slot.
   */
  of(host: string): Slot {
    const n = this.all.length;
    if (n === 1) return this.all[0];
    fingerprint64(host, FP);
    return this.all[FP[1] % n];
  }

  /**
   * The slot of a URL's host.
   *
   * @param url A URL in normal form.
   * @returns Its slot.
   */
  ofUrl(url: string): Slot {
    return this.all.length === 1 ? this.all[0] : this.of(hostOf(url));
  }

  /**
   * Groups items by the slot of their host.
   *
   * @param items The items.
   * @param host An item's host.
   * @returns Each slot that has items, with them in their order.
   */
  group<T>(
    items: Iterable<T>,
    host: (item: T) => string,
  ): Map<Slot, T[]> {
    return Map.groupBy(items, (item) => this.of(host(item)));
  }
}
