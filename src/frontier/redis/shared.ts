/**
 * What a Redis store and its frontier share: the connection, the crawl's key
 * prefix and this worker's identity, built from the checked options.
 *
 * @module
 */
import { hostname as osHostname } from "node:os";
import process from "node:process";
import { type Clock, systemClock } from "../../concurrency/clock.ts";
import {
  BOOLEAN,
  check,
  NON_EMPTY_STRING,
  NON_NEGATIVE_NUMBER,
  optional,
} from "../../options/validate.ts";
import { STORE_DEFAULTS } from "../defaults.ts";
import { type RedisArg, RedisConnection } from "./connection.ts";
import { parseRedisUrl } from "./endpoint.ts";
import { CrawlLostError } from "./errors.ts";
import type { RedisStoreOptions } from "./options.ts";
import {
  COMMAND_TIMEOUT_MS,
  commandTimeoutFor,
  CRAWL_NAME,
  LEASE_MS,
  REDIS_URL,
  SHARDS,
  TLS_OPTIONS,
  WORKER_ID,
} from "./rules.ts";

/** A worker as it registers in the crawl's `workers` hash. */
export interface WorkerRegistration {
  /** Its id. */
  id: string;
  /** The machine it runs on. */
  hostname: string;
  /** Its process id. */
  pid: number;
  /** When it joined (epoch ms). */
  startedAt: number;
  /** When its store closed (epoch ms). */
  stoppedAt?: number;
  /** Where it writes its results. */
  output?: string;
  /** The worker's own lease: it is dead when its heartbeat is older. */
  leaseMs?: number;
}

/** The state a store shares with the frontier it builds. */
export interface StoreShared {
  /** The connection (owned by the store). */
  conn: RedisConnection;
  /** `trawl:{NAME}:`. */
  prefix: string;
  /** The crawl's name. */
  crawl: string;
  /** This worker's id. */
  worker: string;
  /** The lease, ms. */
  leaseMs: number;
  /** Paces polls, heartbeats and retries. */
  clock: Clock;
  /** Whether won results wait in the outbox until acknowledged. */
  outbox: boolean;
  /** The dedupe set's hashes, when given. */
  shards?: number;
  /** Whether the crawl must exist already (see `mustExist`). */
  mustExist: boolean;
  /**
   * The crawl's id in Redis, once known (a frontier opened, or read for a
   * script): every script checks it.
   */
  crawlId?: string;
  /** This worker's registration. */
  registration: WorkerRegistration;
  /** Set when a frontier registered this worker (cleared when stopped). */
  registered?: boolean;
  /** Stops the registered frontier's heartbeat. */
  stopHeartbeat?: () => Promise<void>;
}

/** Stores made in this process, for default worker ids. */
let storesMade = 0;

const ACTION = "create RedisStore";

/**
 * Checks a store's options and builds what it shares with its frontier.
 *
 * @param options The store's options.
 * @returns The shared state, with a connection not yet connected.
 * @throws {TypeError} When an option has the wrong type or form.
 * @throws {RangeError} When a number is out of range.
 */
export function createShared(options: RedisStoreOptions): StoreShared {
  const o = options ?? {} as Partial<RedisStoreOptions>;
  const url = check(ACTION, "url", o.url, REDIS_URL);
  const crawl = check(ACTION, "crawl", o.crawl, CRAWL_NAME);
  const leaseMs = optional(
    ACTION,
    "leaseMs",
    o.leaseMs,
    LEASE_MS,
    STORE_DEFAULTS.leaseMs,
  );
  const redisTimeoutMs = optional(
    ACTION,
    "redisTimeoutMs",
    o.redisTimeoutMs,
    NON_NEGATIVE_NUMBER,
    STORE_DEFAULTS.redisTimeoutMs,
  );
  const commandTimeoutMs = optional(
    ACTION,
    "commandTimeoutMs",
    o.commandTimeoutMs,
    COMMAND_TIMEOUT_MS,
    commandTimeoutFor(redisTimeoutMs),
  );
  const tls = optional(ACTION, "tls", o.tls, TLS_OPTIONS, {});
  const mustExist = optional(ACTION, "mustExist", o.mustExist, BOOLEAN, false);
  const shards = optional(ACTION, "shards", o.shards, SHARDS, undefined);
  const outbox = optional(
    ACTION,
    "outbox",
    o.outbox,
    BOOLEAN,
    STORE_DEFAULTS.outbox,
  );
  const output = optional(
    ACTION,
    "output",
    o.output,
    NON_EMPTY_STRING,
    undefined,
  );
  const clock = o.clock ?? systemClock;
  const host = localHostname();
  const n = ++storesMade;
  const worker = check(
    ACTION,
    "worker",
    o.worker ?? `${host}/${process.pid}${n > 1 ? `.${n}` : ""}`,
    WORKER_ID,
  );
  const prefix = `trawl:{${crawl}}:`;
  return {
    conn: new RedisConnection({
      endpoint: parseRedisUrl(url)!,
      client: o.client,
      tls,
      timeoutMs: redisTimeoutMs,
      commandTimeoutMs,
      key: prefix + "meta",
      crawl,
      clock,
    }),
    prefix,
    crawl,
    worker,
    leaseMs,
    clock,
    outbox,
    shards,
    mustExist,
    registration: {
      id: worker,
      hostname: host,
      pid: process.pid,
      startedAt: Date.now(),
      leaseMs,
      ...(output !== undefined ? { output } : {}),
    },
  };
}

/**
 * A script's leading arguments: the key prefix and the crawl's id.
 *
 * @param s The shared state, its crawl id known.
 * @param rest The script's own arguments.
 * @returns The arguments.
 */
export function scriptArgs(s: StoreShared, ...rest: RedisArg[]): RedisArg[] {
  if (s.crawlId === undefined) {
    throw new Error("The crawl's id is not known yet: open a frontier first");
  }
  return [s.prefix, s.crawlId, ...rest];
}

/**
 * Reads the crawl's id (for scripts run without an open frontier).
 *
 * @param s The shared state.
 * @param signal Aborts the read.
 * @returns The id.
 * @throws {CrawlLostError} When the crawl does not exist.
 */
export async function loadCrawlId(
  s: StoreShared,
  signal?: AbortSignal,
): Promise<string> {
  if (s.crawlId !== undefined) return s.crawlId;
  const id = await s.conn.command(["HGET", s.prefix + "meta", "id"], signal);
  if (typeof id !== "string") {
    throw new CrawlLostError(s.conn.address, s.crawl, "gone");
  }
  return s.crawlId = id;
}

/**
 * Deletes every key of the crawl.
 *
 * @param s The shared state.
 * @param signal Aborts the scan.
 * @returns How many keys were deleted.
 */
export async function dropKeys(
  s: StoreShared,
  signal?: AbortSignal,
): Promise<number> {
  let cursor = "0";
  let deleted = 0;
  do {
    const [next, keys] = await s.conn.command(
      ["SCAN", cursor, "MATCH", s.prefix + "*", "COUNT", "1000"],
      signal,
    ) as [string, string[]];
    cursor = next;
    if (keys.length > 0) {
      deleted += Number(await s.conn.command(["UNLINK", ...keys], signal));
    }
  } while (cursor !== "0");
  return deleted;
}

function localHostname(): string {
  try {
    return osHostname();
  } catch {
    return "unknown-host";
  }
}
