/**
 * One host's queue of waiting URLs, kept compact: the URLs one page found
 * for a host wait as one run (their common prefix once, and one string
 * holding the rest of each, with their shared depth, referrer and span
 * stored once) instead of one object per URL. A million queued URLs then cost about their characters, not a
 * million objects.
 *
 * @module
 */
import type { FrontierEntry } from "./store.ts";

/** URLs found together: same host, depth, referrer and parent span. */
interface Run {
  host: string;
  depth: number;
  referrer?: string;
  parentSpanId?: string;
  /** What every URL of the run starts with. */
  prefix: string;
  /** The URLs after `prefix`, joined by `"\n"` (a URL holds none). */
  text: string;
  /** Where the next URL starts in `text`. */
  pos: number;
}

/** Where a run's next URL ends in its text (-1: it is the last). */
function headEnd(run: Run): number {
  return run.text.indexOf("\n", run.pos);
}

/** A run's next URL, which ends at `end` (see {@linkcode headEnd}). */
function headUrl(run: Run, end: number): string {
  return run.prefix + run.text.slice(run.pos, end === -1 ? undefined : end);
}

/**
 * A copy of `s` that keeps no larger string alive. V8 makes a substring of
 * 13 characters or more a view into its parent: a link split from the
 * parser's string of all a page's links would keep that whole string
 * (tens of KB) alive for as long as the link waits in the queue.
 */
function own(s: string): string {
  return (s + " ").slice(0, -1);
}

/** The longest prefix all the entries' URLs share. */
function commonPrefix(entries: readonly FrontierEntry[]): string {
  let prefix = entries[0].url;
  for (let i = 1; i < entries.length && prefix !== ""; i++) {
    const url = entries[i].url;
    let n = 0;
    const max = Math.min(prefix.length, url.length);
    while (n < max && prefix.charCodeAt(n) === url.charCodeAt(n)) n++;
    if (n < prefix.length) prefix = prefix.slice(0, n);
  }
  return prefix;
}

/** Chunks taken before the array is compacted. */
const COMPACT_AFTER = 1024;

/**
 * Whether two entries can share a run: the same host, depth, referrer and
 * parent span, and nothing else (a journaled entry's id, a sitemap's marks,
 * a recrawl's validators): such an entry keeps its own object.
 *
 * @example Usage
 * ```ts
 * import { sameRun } from "./host_queue.ts";
 * import assert from "node:assert/strict";
 *
 * const a = { url: "https://a.test/1", host: "a.test", depth: 1, referrer: "https://a.test/" };
 * assert.equal(sameRun(a, { ...a, url: "https://a.test/2" }), true);
 * assert.equal(sameRun(a, { ...a, depth: 2 }), false);
 * assert.equal(sameRun(a, { ...a, sitemap: 0 }), false);
 * ```
 *
 * @param a An entry.
 * @param b Another entry.
 * @returns `true` when `b` may join `a`'s run.
 */
export function sameRun(a: FrontierEntry, b: FrontierEntry): boolean {
  return a.host === b.host && a.depth === b.depth &&
    a.referrer === b.referrer && a.parentSpanId === b.parentSpanId &&
    plain(a) && plain(b);
}

/** The fields a run keeps; an entry with any other keeps its own object. */
const RUN_FIELDS = new Set([
  "url",
  "host",
  "depth",
  "referrer",
  "parentSpanId",
]);

/** Whether `entry` has only {@linkcode RUN_FIELDS} (no id, sitemap…). */
function plain(entry: FrontierEntry): boolean {
  for (const key in entry) if (!RUN_FIELDS.has(key)) return false;
  return true;
}

/**
 * A first-in, first-out queue of one host's entries.
 *
 * @example Entries in, in order out
 * ```ts
 * import { HostQueue } from "./host_queue.ts";
 * import assert from "node:assert/strict";
 *
 * const q = new HostQueue();
 * const found = ["https://a.test/1", "https://a.test/2"].map((url) => ({
 *   url, host: "a.test", depth: 1, referrer: "https://a.test/",
 * }));
 * q.pushRun(found);
 * q.push({ url: "https://a.test/3", host: "a.test", depth: 2 });
 * assert.equal(q.length, 3);
 * assert.deepEqual(q.shift(), found[0]);
 * assert.equal(q.shift()?.url, "https://a.test/2");
 * assert.equal(q.shift()?.depth, 2);
 * assert.equal(q.shift(), undefined);
 * ```
 */
export class HostQueue {
  #chunks: (FrontierEntry | Run)[] = [];
  #head = 0;
  #length = 0;
  /** Whether the host's pump task is running. */
  pumping = false;

  /** Entries waiting. */
  get length(): number {
    return this.#length;
  }

  /**
   * Appends one entry (kept as it is).
   *
   * @param entry The entry.
   */
  push(entry: FrontierEntry): void {
    entry.url = own(entry.url);
    this.#chunks.push(entry);
    this.#length++;
  }

  /**
   * Appends entries that share a run (see {@linkcode sameRun}) as one
   * chunk; a single entry is kept as it is.
   *
   * @param entries Entries of one host, depth, referrer and parent span.
   */
  pushRun(entries: readonly FrontierEntry[]): void {
    if (entries.length === 1) return this.push(entries[0]);
    if (entries.length === 0) return;
    const first = entries[0];
    const prefix = own(commonPrefix(entries));
    const run: Run = {
      host: first.host,
      depth: first.depth,
      prefix,
      text: entries.map((e) => e.url.slice(prefix.length)).join("\n"),
      pos: 0,
    };
    if (first.referrer !== undefined) run.referrer = first.referrer;
    if (first.parentSpanId !== undefined) {
      run.parentSpanId = first.parentSpanId;
    }
    this.#chunks.push(run);
    this.#length += entries.length;
  }

  /**
   * The oldest entry's URL, left in the queue.
   *
   * @returns The URL, or `undefined` when the queue is empty.
   */
  peekUrl(): string | undefined {
    if (this.#length === 0) return undefined;
    const chunk = this.#chunks[this.#head];
    return "text" in chunk ? headUrl(chunk, headEnd(chunk)) : chunk.url;
  }

  /**
   * Takes the oldest entry.
   *
   * @returns The entry, or `undefined` when the queue is empty.
   */
  shift(): FrontierEntry | undefined {
    if (this.#length === 0) return undefined;
    const chunk = this.#chunks[this.#head];
    this.#length--;
    if (!("text" in chunk)) {
      this.#drop();
      return chunk;
    }
    const end = headEnd(chunk);
    const url = headUrl(chunk, end);
    if (end === -1) this.#drop();
    else chunk.pos = end + 1;
    const entry: FrontierEntry = { url, host: chunk.host, depth: chunk.depth };
    if (chunk.referrer !== undefined) entry.referrer = chunk.referrer;
    if (chunk.parentSpanId !== undefined) {
      entry.parentSpanId = chunk.parentSpanId;
    }
    return entry;
  }

  /** Drops the head chunk, compacting now and then. */
  #drop(): void {
    this.#chunks[this.#head++] = undefined!;
    if (this.#head === this.#chunks.length) {
      this.#chunks = [];
      this.#head = 0;
    } else if (
      this.#head > COMPACT_AFTER && this.#head * 2 > this.#chunks.length
    ) {
      this.#chunks = this.#chunks.slice(this.#head);
      this.#head = 0;
    }
  }
}
