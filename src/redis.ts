/**
 * A crawl shared by any number of processes through Redis: one frontier,
 * one dedupe set, politeness shared by every process, work leased (a dead
 * process's URLs go back to the frontier), each result committed once. Only
 * this entry loads the `redis` client. Pass the store as the crawler's
 * `store` option.
 *
 * @example Share a crawl between processes
 * ```ts ignore
 * import { Crawler } from "@trawl/trawl";
 * import { RedisStore } from "@trawl/trawl/redis";
 *
 * await using store = new RedisStore({
 *   url: "redis://127.0.0.1:6379/0",
 *   crawl: "docs",
 * });
 * await using crawler = new Crawler(["https://example.com/"], { store });
 * for await (const r of crawler.run()) console.log(r.url);
 * ```
 *
 * @module
 */
export {
  type AdoptedOutput,
  type RedisArg,
  type RedisCallOptions,
  type RedisCommandClient,
  type RedisCrawlStatus,
  type RedisFrontier,
  type RedisHostStatus,
  type RedisProcessStatus,
  RedisStore,
  type RedisStoreOptions,
  RedisUnavailableError,
} from "./frontier/redis/redis_store.ts";
export {
  CrawlLostError,
  isRedisStoreError,
  RedisConfigError,
  type RedisConfigProblem,
} from "./frontier/redis/errors.ts";
export type { RedisTlsOptions } from "./frontier/redis/link.ts";
