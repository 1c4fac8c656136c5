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
 * MiB; under 2,048 V8 grows the heap by about 1.8 times what survives a
 * full collection instead of 4.
 */
export const BOUNDED_HEAP_MB = 1536;

/**
 * The old-generation limit of an in-memory crawl, in MiB: its queue lives
 * in the heap, so it keeps as much room as stays under 2 GiB, where V8
 * grows the heap by at most about 2 times what survives a full collection.
 */
export const MEMORY_HEAP_MB = 2047;

/** The smallest `--max-heap` (MiB): below it a crawl would hardly start. */
export const MIN_HEAP_MB = 64;
