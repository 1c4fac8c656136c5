/**
 * Where a crawl's frontier lives, for writing a store of your own: the
 * {@linkcode FrontierStore} interface the crawler calls, the types it
 * passes, and {@linkcode MemoryStore}, the default. A store is given to the
 * crawler as its `store` option. `@trawl/trawl/sqlite` and
 * `@trawl/trawl/redis` hold the two durable stores.
 *
 * @example A store that counts the crawls it serves
 * ```ts
 * import { type FrontierStore, MemoryStore } from "@trawl/trawl/store";
 *
 * const memory = new MemoryStore();
 * let crawls = 0;
 * const store: FrontierStore = {
 *   createFrontier(context) {
 *     crawls++;
 *     return memory.createFrontier(context);
 *   },
 * };
 * console.log(typeof store.createFrontier, crawls);
 * ```
 *
 * @module
 */
export type {
  CrawlFrontier,
  FrontierBatch,
  FrontierContext,
  FrontierEntry,
  FrontierStore,
  HostAnswer,
  PoliteWait,
  ReadyEntry,
  RobotsRecord,
  RobotsStore,
  StateMode,
} from "./frontier/store.ts";
export type {
  CrawlStatus,
  HostStatus,
  ProcessStatus,
  RecrawlStatus,
} from "./frontier/status.ts";
export type { Validators } from "./fetch/body_rule.ts";
export { MemoryStore } from "./frontier/memory_store.ts";
export type { AutoThrottleOptions } from "./frontier/auto_throttle.ts";
export type { ThrottleCause } from "./frontier/host_throttle.ts";
