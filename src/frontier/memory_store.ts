/**
 * The default frontier store: everything in memory, gone when the process
 * ends.
 *
 * @module
 */
import { Frontier } from "./frontier.ts";
import type { CrawlFrontier, FrontierContext, FrontierStore } from "./store.ts";

/**
 * Keeps a crawl's frontier in memory: the fastest store, and the default.
 * The dedupe set costs about 11 bytes per URL (see `FingerprintSet`); queued
 * URLs are kept as objects until fetched.
 *
 * @example Crawl with the memory store (the same as passing no store)
 * ```ts ignore
 * import { crawl } from "@trawl/trawl";
 * import { MemoryStore } from "@trawl/trawl/store";
 *
 * for await (const r of crawl(["https://example.com/"], { store: new MemoryStore() })) {
 *   console.log(r.url);
 * }
 * ```
 */
export class MemoryStore implements FrontierStore {
  /**
   * Builds an in-memory frontier.
   *
   * @param context The crawl's limits, spawner and stats.
   * @returns A new frontier.
   */
  createFrontier(context: FrontierContext): CrawlFrontier {
    return new Frontier(context);
  }
}
