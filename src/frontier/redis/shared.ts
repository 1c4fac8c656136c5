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
import { type RedisArg, RedisConnection, type Script } from "./connection.ts";
import { parseRedisUrl } from "./endpoint.ts";
import { CrawlLostError } from "./errors.ts";
import type { RedisStoreOptions } from "./options.ts";
import {
  COMMAND_TIMEOUT_MS,
  commandTimeoutFor,
  CRAWL_NAME,
  defaultSlots,
  LEASE_MS,
  REDIS_URL,
  SHARDS,
  SLOTS,
  TLS_OPTIONS,
  WORKER_ID,
} from "./rules.ts";
import { type Slot, slotPattern, Slots } from "./slots.ts";

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
  /** The slots a crawl created by this store gets. */
  newSlots: number;
  /** The crawl's slots, once known (a frontier opened, or read for a call). */
  slots?: Slots;
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
  const endpoint = parseRedisUrl(url)!;
  const newSlots = optional(
    ACTION,
    "slots",
    o.slots,
    SLOTS,
    defaultSlots(endpoint.cluster),
  );
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
      endpoint,
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
    newSlots,
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
 * A script's leading arguments in one of the crawl's slots: its key prefix
 * and the crawl's id.
 *
 * @param s The shared state, its crawl id known.
 * @param slot The slot.
 * @param rest The script's own arguments.
 * @returns The arguments.
 */
export function slotArgs(
  s: StoreShared,
  slot: Slot,
  ...rest: RedisArg[]
): RedisArg[] {
  if (s.crawlId === undefined) {
    throw new Error("The crawl's id is not known yet: open a frontier first");
  }
  return [slot.prefix, s.crawlId, ...rest];
}

/**
 * Runs a script in one of the crawl's slots.
 *
 * @param s The shared state, its crawl id known.
 * @param slot The slot.
 * @param script The script.
 * @param args Its own arguments (after the prefix and the crawl's id).
 * @param signal Aborts the call.
 * @returns The script's reply.
 */
export async function runIn(
  s: StoreShared,
  slot: Slot,
  script: Script,
  args: RedisArg[],
  signal?: AbortSignal,
): Promise<unknown> {
  try {
    return await s.conn.run(
      script,
      slotArgs(s, slot, ...args),
      signal,
      slot.key,
    );
  } catch (err) {
    if (
      slot.index === 0 || !(err instanceof CrawlLostError) ||
      err.reason !== "gone"
    ) {
      throw err;
    }
    // A slot's keys are gone: the whole crawl, or it was started over (its
    // new keys are elsewhere), as slot 0 tells.
    const id = await s.conn.command(["HGET", s.prefix + "meta", "id"], signal)
      .catch(() => undefined);
    if (typeof id !== "string" || id === s.crawlId) throw err;
    throw new CrawlLostError(s.conn.address, s.crawl, "replaced", {
      cause: err,
    });
  }
}

/**
 * Reads the crawl's id and slots (for calls made without an open frontier).
 *
 * @param s The shared state.
 * @param signal Aborts the read.
 * @returns The slots.
 * @throws {CrawlLostError} When the crawl does not exist.
 */
export async function loadSlots(
  s: StoreShared,
  signal?: AbortSignal,
): Promise<Slots> {
  if (s.slots !== undefined) return s.slots;
  const [id, count] = await s.conn.command(
    ["HMGET", s.prefix + "meta", "id", "slots"],
    signal,
  ) as (string | null)[];
  if (typeof id !== "string") {
    throw new CrawlLostError(s.conn.address, s.crawl, "gone");
  }
  s.crawlId = id;
  return s.slots = new Slots(s.crawl, id, Number(count ?? 1));
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
  await loadSlots(s, signal);
  return s.crawlId!;
}

/**
 * Deletes every key of the crawl, in every slot, whatever its id.
 *
 * @param s The shared state.
 * @param signal Aborts the scan.
 * @returns How many keys were deleted.
 */
export async function dropKeys(
  s: StoreShared,
  signal?: AbortSignal,
): Promise<number> {
  const count = Number(
    await s.conn.command(["HGET", s.prefix + "meta", "slots"], signal) ?? 1,
  );
  let deleted = 0;
  for (let i = count - 1; i >= 0; i--) {
    const pattern = slotPattern(s.crawl, i);
    deleted += await dropMatching(s, pattern, pattern.slice(0, -1), signal);
  }
  return deleted;
}

/** Deletes the keys matching `pattern`, on the node of `key`'s slot. */
async function dropMatching(
  s: StoreShared,
  pattern: string,
  key: string,
  signal?: AbortSignal,
): Promise<number> {
  let cursor = "0";
  let deleted = 0;
  do {
    const [next, keys] = await s.conn.command(
      ["SCAN", cursor, "MATCH", pattern, "COUNT", "1000"],
      signal,
      key,
    ) as [string, string[]];
    cursor = next;
    if (keys.length > 0) {
      deleted += Number(
        await s.conn.command(["UNLINK", ...keys], signal, key),
      );
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
