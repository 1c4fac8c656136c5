/**
 * A map of bounded size that forgets its least recently used entries, with
 * optional expiry on an injectable {@linkcode Clock}.
 *
 * @module
 */
import {
  check,
  NON_NEGATIVE_NUMBER,
  optional,
  POSITIVE_INT,
} from "../options/validate.ts";
import { type Clock, systemClock } from "./clock.ts";

/** Options for {@linkcode LruMap}. */
export interface LruMapOptions {
  /**
   * How long an entry lives after it was set, in ms: an older entry is
   * neither returned nor counted as present, and {@linkcode LruMap.get}
   * drops it. `Infinity` means entries never expire (and the clock is never
   * read).
   *
   * @default {Infinity}
   */
  ttlMs?: number;
  /**
   * The clock that ages entries (only read when `ttlMs` is finite).
   *
   * @default {systemClock}
   */
  clock?: Clock;
}

interface Node<K, V> {
  key: K;
  value: V;
  /** Clock time from which the entry is expired (`Infinity`: never). */
  expiresAt: number;
  older: Node<K, V> | undefined;
  newer: Node<K, V> | undefined;
}

/**
 * A map of at most `maxEntries` entries: setting a new key when it is full
 * forgets the least recently used one. {@linkcode LruMap.get} and
 * {@linkcode LruMap.set} make an entry the most recently used;
 * {@linkcode LruMap.peek} and {@linkcode LruMap.has} do not.
 *
 * Every operation is O(1): entries are kept in a linked list ordered by use,
 * so eviction never scans (dropping the oldest key of a `Map` one at a time
 * does: V8 skips the deleted slots at its head on every call).
 *
 * @example An LRU cache of three entries
 * ```ts
 * import { LruMap } from "@trawl/trawl/concurrency";
 * import assert from "node:assert/strict";
 *
 * const cache = new LruMap<string, number>(3);
 * cache.set("a", 1).set("b", 2).set("c", 3);
 * cache.get("a"); // "a" is now the most recently used
 * cache.set("d", 4); // full: forgets "b", the least recently used
 * assert.equal(cache.has("b"), false);
 * assert.equal(cache.size, 3);
 * ```
 *
 * @example Entries that expire
 * ```ts
 * import { LruMap } from "@trawl/trawl/concurrency";
 * import { FakeClock } from "@trawl/trawl/testing";
 * import assert from "node:assert/strict";
 *
 * const clock = new FakeClock();
 * const dns = new LruMap<string, string>(100, { ttlMs: 60_000, clock });
 * dns.set("example.com", "93.184.216.34");
 * await clock.tick(60_000);
 * assert.equal(dns.get("example.com"), undefined);
 * ```
 *
 * @typeParam K The type of the keys.
 * @typeParam V The type of the values.
 */
export class LruMap<K, V> {
  readonly #maxEntries: number;
  readonly #ttlMs: number;
  readonly #clock: Clock;
  readonly #nodes = new Map<K, Node<K, V>>();
  /** The least recently used entry. */
  #oldest: Node<K, V> | undefined;
  /** The most recently used entry. */
  #newest: Node<K, V> | undefined;

  /**
   * Creates an empty map.
   *
   * @param maxEntries The most entries kept: a positive integer.
   * @param options Expiry and its clock.
   * @throws {RangeError} When `maxEntries` is not a positive integer or
   * `ttlMs` is not a non-negative number.
   */
  constructor(maxEntries: number, options: LruMapOptions = {}) {
    const what = "create LruMap";
    this.#maxEntries = check(what, "maxEntries", maxEntries, POSITIVE_INT);
    this.#ttlMs = optional(
      what,
      "ttlMs",
      options.ttlMs,
      NON_NEGATIVE_NUMBER,
      Infinity,
    );
    this.#clock = options.clock ?? systemClock;
  }

  /** The most entries kept. */
  get maxEntries(): number {
    return this.#maxEntries;
  }

  /**
   * How many entries are held, expired ones not yet dropped included.
   *
   * @example Usage
   * ```ts
   * import { LruMap } from "@trawl/trawl/concurrency";
   * import assert from "node:assert/strict";
   *
   * const map = new LruMap<string, number>(2);
   * map.set("a", 1).set("b", 2).set("c", 3);
   * assert.equal(map.size, 2);
   * ```
   */
  get size(): number {
    return this.#nodes.size;
  }

  /**
   * The value of `key`, which becomes the most recently used entry. An
   * expired entry is dropped and gives `undefined`.
   *
   * @example Usage
   * ```ts
   * import { LruMap } from "@trawl/trawl/concurrency";
   * import assert from "node:assert/strict";
   *
   * const map = new LruMap<string, number>(2);
   * map.set("a", 1).set("b", 2);
   * assert.equal(map.get("a"), 1); // "b" is now the least recently used
   * map.set("c", 3);
   * assert.equal(map.get("b"), undefined);
   * ```
   *
   * @param key The key.
   * @returns Its value, or `undefined` when absent or expired.
   */
  get(key: K): V | undefined {
    const node = this.#nodes.get(key);
    if (node === undefined) return undefined;
    if (this.#expired(node)) {
      this.#remove(node);
      return undefined;
    }
    this.#touch(node);
    return node.value;
  }

  /**
   * The value of `key`, leaving the order of use as it is.
   *
   * @example Usage
   * ```ts
   * import { LruMap } from "@trawl/trawl/concurrency";
   * import assert from "node:assert/strict";
   *
   * const map = new LruMap<string, number>(2);
   * map.set("a", 1).set("b", 2);
   * assert.equal(map.peek("a"), 1); // "a" stays the least recently used
   * map.set("c", 3);
   * assert.equal(map.peek("a"), undefined);
   * ```
   *
   * @param key The key.
   * @returns Its value, or `undefined` when absent or expired.
   */
  peek(key: K): V | undefined {
    const node = this.#nodes.get(key);
    return node === undefined || this.#expired(node) ? undefined : node.value;
  }

  /**
   * Whether `key` has an entry that has not expired, leaving the order of
   * use as it is.
   *
   * @example Usage
   * ```ts
   * import { LruMap } from "@trawl/trawl/concurrency";
   * import assert from "node:assert/strict";
   *
   * const map = new LruMap<string, undefined>(2);
   * map.set("a", undefined);
   * assert.equal(map.has("a"), true);
   * ```
   *
   * @param key The key.
   * @returns `true` when present and not expired.
   */
  has(key: K): boolean {
    const node = this.#nodes.get(key);
    return node !== undefined && !this.#expired(node);
  }

  /**
   * Sets the value of `key`, which becomes the most recently used entry (and
   * starts a new `ttlMs`). Setting a new key when the map is full forgets the
   * least recently used entry.
   *
   * @example Usage
   * ```ts
   * import { LruMap } from "@trawl/trawl/concurrency";
   * import assert from "node:assert/strict";
   *
   * const map = new LruMap<string, number>(1);
   * map.set("a", 1).set("b", 2);
   * assert.equal(map.has("a"), false);
   * assert.equal(map.get("b"), 2);
   * ```
   *
   * @param key The key.
   * @param value The value.
   * @returns This map.
   */
  set(key: K, value: V): this {
    const expiresAt = this.#ttlMs === Infinity
      ? Infinity
      : this.#clock.now() + this.#ttlMs;
    const node = this.#nodes.get(key);
    if (node !== undefined) {
      node.value = value;
      node.expiresAt = expiresAt;
      this.#touch(node);
      return this;
    }
    let added: Node<K, V>;
    if (this.#nodes.size < this.#maxEntries) {
      added = { key, value, expiresAt, older: this.#newest, newer: undefined };
      if (this.#newest === undefined) this.#oldest = added;
      else this.#newest.newer = added;
      this.#newest = added;
    } else {
      // Full: the least recently used node is forgotten and reused.
      added = this.#oldest!;
      this.#nodes.delete(added.key);
      added.key = key;
      added.value = value;
      added.expiresAt = expiresAt;
      this.#touch(added);
    }
    this.#nodes.set(key, added);
    return this;
  }

  /**
   * Removes the entry of `key`.
   *
   * @example Usage
   * ```ts
   * import { LruMap } from "@trawl/trawl/concurrency";
   * import assert from "node:assert/strict";
   *
   * const map = new LruMap<string, number>(2);
   * map.set("a", 1);
   * assert.equal(map.delete("a"), true);
   * assert.equal(map.delete("a"), false);
   * ```
   *
   * @param key The key.
   * @returns `true` when there was an entry (expired or not).
   */
  delete(key: K): boolean {
    const node = this.#nodes.get(key);
    if (node === undefined) return false;
    this.#remove(node);
    return true;
  }

  /**
   * Removes every entry.
   *
   * @example Usage
   * ```ts
   * import { LruMap } from "@trawl/trawl/concurrency";
   * import assert from "node:assert/strict";
   *
   * const map = new LruMap<string, number>(2);
   * map.set("a", 1).clear();
   * assert.equal(map.size, 0);
   * ```
   */
  clear(): void {
    this.#nodes.clear();
    this.#oldest = this.#newest = undefined;
  }

  #expired(node: Node<K, V>): boolean {
    return node.expiresAt !== Infinity && this.#clock.now() >= node.expiresAt;
  }

  /** Makes `node` the most recently used. */
  #touch(node: Node<K, V>): void {
    if (node === this.#newest) return;
    this.#unlink(node);
    node.older = this.#newest;
    node.newer = undefined;
    this.#newest!.newer = node;
    this.#newest = node;
  }

  #remove(node: Node<K, V>): void {
    this.#unlink(node);
    this.#nodes.delete(node.key);
  }

  /** Takes `node` out of the list (its own links are left stale). */
  #unlink(node: Node<K, V>): void {
    if (node.older === undefined) this.#oldest = node.newer;
    else node.older.newer = node.newer;
    if (node.newer === undefined) this.#newest = node.older;
    else node.newer.older = node.older;
  }
}
