/**
 * The crawl thread's V8 heap limits (see `crawl_thread.ts`), defined once
 * for the thread, `--max-heap` and `--help`.
 *
 * @module
 */

/**
 * The young generation of the crawl thread, in MiB. On the 10,000-page
 * benchmark a 48 MiB one was no faster, and 12 MiB holds the crawl's RSS
 * about 60 MiB under the main thread's.
 */
export const CRAWL_THREAD_YOUNG_MB = 12;

/**
 * The old-generation limit of a crawl whose queue waits outside memory
 * (`--state`, `--frontier`), in MiB. Such a crawl's live heap is tens of
 * MiB (about 17 after a full collection while 1,000,000 URLs are
 * discovered); the lower the limit under 2,048, the less V8 lets the heap
 * grow past what survives a collection: about 1.4 times at 512, 1.8 at
 * 1,536, 4 from 2,048 on. At 512 rather than 1,536 that crawl's peak RSS
 * went from 206-214 MB to 196-201 (with the parser's smaller young
 * generation, see `parser_pool.ts`), at the same speed. The limit still
 * leaves room for 16 pages of 10 MiB in flight as text.
 */
export const BOUNDED_HEAP_MB = 512;

/**
 * The old-generation limit of an in-memory crawl, in MiB: its queue lives
 * in the heap, so it keeps as much room as stays under 2 GiB, where V8
 * grows the heap by at most about 2 times what survives a full collection.
 */
export const MEMORY_HEAP_MB = 2047;

/** The smallest `--max-heap` (MiB): below it a crawl would hardly start. */
export const MIN_HEAP_MB = 64;
