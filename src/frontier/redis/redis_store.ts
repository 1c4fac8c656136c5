/**
 * The Redis frontier store: many crawler processes (on one machine or many)
 * share one crawl through a Redis server.
 *
 * Every process started with the same crawl name shares the frontier, the
 * dedupe set, the robots.txt cache, the per-host politeness state and the
 * stats. Work is leased, not popped: a process that dies loses nothing, its
 * URLs go back to the frontier when their leases expire. Each URL's result is
 * emitted by one process only: its done mark is set in the same Lua script
 * that decides which process won it.
 *
 * The parts: `shared.ts` (options checked, connection and identity),
 * `identity.ts` (the crawl's seeds, settings and id), `slots.ts` (the key
 * groups its hosts spread over), `redis_frontier.ts` with `claim_loop.ts`,
 * `claim_across.ts`, `commit.ts`, `tokens.ts`, `leases.ts` and
 * `heartbeat.ts`, `outbox.ts`, `status.ts`, `robots_store.ts`, `codec.ts`;
 * the connection: `connection.ts` (deadlines and retries), `link.ts` (one
 * client, or a cluster client), `endpoint.ts` (the URL), `classify.ts` and
 * `probe.ts` (what a failure means), `errors.ts`; and the Lua in
 * `scripts.ts`, `lease_scripts.ts`, `throttle_scripts.ts` and
 * `slot_scripts.ts`.
 *
 * @module
 */
import type { CrawlResult } from "../../crawler/result.ts";
import type { FrontierContext, FrontierStore } from "../store.ts";
import type { RedisArg, RedisCommandClient, RedisTlsOptions } from "./link.ts";
import {
  CrawlLostError,
  isRedisStoreError,
  RedisConfigError,
  type RedisConfigProblem,
  RedisUnavailableError,
} from "./errors.ts";
import { markStopped } from "./heartbeat.ts";
import type { RedisCallOptions, RedisStoreOptions } from "./options.ts";
import {
  acknowledge,
  adopt,
  type AdoptedOutput,
  unacknowledged,
} from "./outbox.ts";
import { RedisFrontier } from "./redis_frontier.ts";
import {
  createShared,
  dropKeys,
  loadSlots,
  type StoreShared,
} from "./shared.ts";
import {
  readStatus,
  type RedisCrawlStatus,
  type RedisHostStatus,
  type RedisProcessStatus,
} from "./status.ts";

export {
  type AdoptedOutput,
  CrawlLostError,
  isRedisStoreError,
  type RedisArg,
  type RedisCallOptions,
  type RedisCommandClient,
  RedisConfigError,
  type RedisConfigProblem,
  type RedisCrawlStatus,
  RedisFrontier,
  type RedisHostStatus,
  type RedisProcessStatus,
  type RedisStoreOptions,
  type RedisTlsOptions,
  RedisUnavailableError,
};

/**
 * A {@linkcode FrontierStore} in Redis, shared by every process opened with
 * the same crawl name.
 *
 * - Dedupe: 64-bit URL fingerprints in small sharded hashes (about 13 bytes
 *   per URL); full entries are kept only while queued.
 * - Politeness across processes: a per-host lease count and token bucket,
 *   changed atomically by the claim script on Redis's clock; `throttle` and
 *   `limitHost` apply to every process.
 * - Leases: URLs handed out are leased to the process and renewed by its
 *   heartbeat; when it dies they go back to their queue after `leaseMs`.
 * - Exactly once: a commit marks the page done and decides its winner in
 *   one script; with `outbox`, the won results wait in Redis until
 *   {@linkcode RedisStore.acknowledge}.
 * - Outages: every command has a deadline; calls pause and retry while
 *   Redis is unreachable or silent, then fail with
 *   {@linkcode RedisUnavailableError} after `redisTimeoutMs`. Wrong
 *   settings (password, database, TLS, a port that is not Redis) fail at
 *   once with {@linkcode RedisConfigError}.
 * - A lost crawl: every script checks the crawl's id, so when Redis loses
 *   the crawl (flushed, restarted without persistence) or it is started
 *   over, the processes stop with {@linkcode CrawlLostError}.
 * - Redis Cluster: `redis+cluster://HOST:PORT,…`; the crawl's hosts are
 *   spread over `slots` hash slots (16 by default on a cluster), each
 *   host's keys in one, so a crawl's load spreads over the nodes while each
 *   script still runs on one node.
 *
 * Close the store (it owns its connection) after the crawl.
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
 * for await (const result of crawler.run()) console.log(result.url);
 * console.log(await store.status());
 * ```
 */
export class RedisStore implements FrontierStore, AsyncDisposable {
  readonly #shared: StoreShared;

  /**
   * Creates the store; it connects on first use.
   *
   * @param options The server, the crawl's name and the lease timing.
   * @throws {TypeError} When `url`, `crawl`, `worker`, `output` or `outbox`
   * is malformed.
   * @throws {RangeError} When `leaseMs`, `redisTimeoutMs` or `shards` is out
   * of range.
   */
  constructor(options: RedisStoreOptions) {
    this.#shared = createShared(options);
  }

  /** The crawl's name. */
  get crawl(): string {
    return this.#shared.crawl;
  }

  /** This process's worker id. */
  get worker(): string {
    return this.#shared.worker;
  }

  /** The crawl's key prefix, `trawl:{NAME}:` (that of its slot 0). */
  get prefix(): string {
    return this.#shared.prefix;
  }

  /**
   * The key prefix of a host's slot (see `slots`): its queue is
   * `PREFIX` + `q:HOST`, its politeness state `PREFIX` + `h:HOST`.
   *
   * @param host A host (`host[:port]`).
   * @param options Aborts the call.
   * @returns The prefix.
   */
  async prefixOf(
    host: string,
    options: RedisCallOptions = {},
  ): Promise<string> {
    return (await loadSlots(this.#shared, options.signal)).of(host).prefix;
  }

  /**
   * Builds the crawl's frontier (opened by the crawler).
   *
   * @param context The crawl's limits, seeds and settings.
   * @returns The frontier.
   */
  createFrontier(context: FrontierContext): RedisFrontier {
    if (context.recrawl) {
      throw new TypeError(
        "Cannot recrawl a shared crawl: the Redis store keeps no per-URL validators; recrawl with a state file",
      );
    }
    return new RedisFrontier(this.#shared, context);
  }

  /**
   * The crawl's shared progress: totals, per host and per worker.
   *
   * @param options Aborts the call.
   * @returns A snapshot.
   */
  status(options: RedisCallOptions = {}): Promise<RedisCrawlStatus> {
    return readStatus(this.#shared, options.signal);
  }

  /**
   * This worker's results committed but not yet acknowledged (with
   * `outbox`): after a crash, the ones missing from its output are to be
   * written, then acknowledged.
   *
   * @param options Aborts the call.
   * @returns The results, in no particular order.
   */
  unacknowledged(options: RedisCallOptions = {}): Promise<CrawlResult[]> {
    return unacknowledged(this.#shared, options.signal);
  }

  /**
   * Says that results of this worker were written to its output: they leave
   * its outbox. Idempotent.
   *
   * @param urls The results' `url`s.
   * @param options Aborts the call.
   */
  acknowledge(
    urls: readonly string[],
    options: RedisCallOptions = {},
  ): Promise<void> {
    return acknowledge(this.#shared, urls, options.signal);
  }

  /**
   * Takes over the outbox of a worker that died and will not come back: its
   * unacknowledged results move to this worker's outbox. Refused while the
   * worker's heartbeat is younger than a lease.
   *
   * @param worker The dead worker's id.
   * @param options Aborts the call.
   * @returns Its results and where it wrote, for reconciling with its
   * output.
   */
  adopt(
    worker: string,
    options: RedisCallOptions = {},
  ): Promise<AdoptedOutput> {
    return adopt(this.#shared, worker, options.signal);
  }

  /**
   * Deletes the crawl's keys (every process's state).
   *
   * @param options Aborts the call.
   * @returns How many keys were deleted.
   */
  drop(options: RedisCallOptions = {}): Promise<number> {
    return dropKeys(this.#shared, options.signal);
  }

  /**
   * Stops this worker's heartbeat, marks it stopped (its results written:
   * call it after the last `acknowledge`; until then the worker counts as
   * alive and its outbox is not adopted) and closes the connection (a given
   * client is left open). Close every store you open.
   */
  async close(): Promise<void> {
    const s = this.#shared;
    await s.stopHeartbeat?.();
    s.stopHeartbeat = undefined;
    await markStopped(s);
    await s.conn.close();
  }

  /** Closes the connection. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
