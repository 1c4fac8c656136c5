/**
 * The options of the Redis store and of its calls.
 *
 * @module
 */
import type { Clock } from "../../concurrency/clock.ts";
import type { RedisCommandClient, RedisTlsOptions } from "./link.ts";

/** Options of `RedisStore`. */
export interface RedisStoreOptions {
  /**
   * The server: `redis://[USER:PASSWORD@]HOST[:PORT][/DB]` (`redis://:PASSWORD@…`
   * without an ACL user), `rediss://…` over TLS, or a Redis Cluster:
   * `redis+cluster://[USER:PASSWORD@]HOST:PORT[,HOST:PORT…]` (any of its
   * nodes; `rediss+cluster://` over TLS).
   */
  url: string;
  /**
   * TLS settings with `rediss://`: `ca`, the CA certificates (PEM) the
   * server's certificate must chain to.
   *
   * @default {the runtime's default store}
   */
  tls?: RedisTlsOptions;
  /**
   * The crawl's name: processes with the same name share one crawl. Keys
   * are prefixed `trawl:{NAME}:`. Letters, digits, `.`, `_` and `-`.
   */
  crawl: string;
  /**
   * How long a lease lasts without a heartbeat, ms (at least 100): a dead
   * process's URLs go back to the frontier this long after its last
   * heartbeat (sent every third of it).
   *
   * @default {30000}
   */
  leaseMs?: number;
  /**
   * How long Redis may be unreachable before calls fail with a
   * `RedisUnavailableError`, ms. Until then calls pause and retry.
   *
   * @default {60000}
   */
  redisTimeoutMs?: number;
  /**
   * How long one attempt may take (connecting, or a command and its reply),
   * ms: a server that takes the connection but does not answer this long is
   * treated as away (the connection is dropped, and calls pause and retry
   * until `redisTimeoutMs`).
   *
   * @default {a quarter of redisTimeoutMs, from 250 to 5000}
   */
  commandTimeoutMs?: number;
  /**
   * The crawl must exist in Redis already: opening a frontier fails with a
   * `CrawlLostError` instead of creating it. Set it when this worker's
   * output already holds results of the crawl, so that a Redis that lost
   * the crawl is not taken for a new one (pages would be written twice).
   * Ignored in mode `"fresh"`.
   *
   * @default {false}
   */
  mustExist?: boolean;
  /**
   * Paces the polls, heartbeats and retries. Leases and rate limits use
   * Redis's own clock, shared by every process.
   *
   * @default {systemClock}
   */
  clock?: Clock;
  /**
   * A connected client (e.g. `createClient` of the `redis` package) to use
   * instead of connecting to `url`; it is left open.
   */
  client?: RedisCommandClient;
  /**
   * This process's id among the crawl's workers: its leases, outbox and
   * counters. Restarting with the same id picks up its outbox.
   *
   * @default {`${hostname}/${pid}` (`.N` added for the Nth store of a process)}
   */
  worker?: string;
  /** Where this worker writes its results, shown by `status()`. */
  output?: string;
  /**
   * Keeps every result this worker won in Redis until
   * `RedisStore.acknowledge` says it was written, so a crash between the
   * commit and the write loses nothing.
   *
   * @default {false}
   */
  outbox?: boolean;
  /**
   * Hashes of the dedupe set (a power of two up to 65536). Fixed when the
   * crawl is created.
   *
   * @default {the page budget / 40 rounded up to a power of two (at least 16), or 16384 without a budget}
   */
  shards?: number;
  /**
   * How many slots the crawl's hosts are spread over: each host's keys (its
   * queue, politeness state, dedupe marks, leases and results) share one
   * hash slot, so on a Redis Cluster the hosts, and the load, spread over
   * the nodes, while every script still runs in one slot. At most 1024.
   * Fixed when the crawl is created.
   *
   * @default {1 on one server, 16 on a cluster}
   */
  slots?: number;
}

/** Options of calls that may wait on Redis. */
export interface RedisCallOptions {
  /** Aborts the call (and its retries). */
  signal?: AbortSignal;
}
