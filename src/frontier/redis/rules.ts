/**
 * The rules of a shared crawl's options, defined once for `RedisStore` and
 * the CLI's `--frontier`, `--crawl`, `--worker` and `--lease` (this file
 * loads no Redis client, so the CLI can check flags without it).
 *
 * @module
 */
import { matching, numberAtLeast, type Rule } from "../../options/validate.ts";
import { parseRedisUrl } from "./endpoint.ts";

/**
 * A Redis URL: `redis://[USER:PASSWORD@]HOST[:PORT][/DB]`, `rediss://` (TLS),
 * or `redis+cluster://HOST:PORT[,HOST:PORT…]` (`rediss+cluster://`) for a
 * cluster (see `endpoint.ts`).
 */
export const REDIS_URL: Rule<string> = {
  text:
    "a redis:// or rediss:// URL (redis+cluster://HOST:PORT,… for a cluster)",
  error: TypeError,
  test: (v: unknown): v is string => parseRedisUrl(v) !== undefined,
};

/** A crawl's name: it is part of every key of the crawl. */
export const CRAWL_NAME: Rule<string> = matching(
  /^[A-Za-z0-9._-]{1,100}$/,
  "1 to 100 letters, digits, '.', '_' or '-'",
);

/** A worker's id: it is stored in comma-separated lists. */
export const WORKER_ID: Rule<string> = matching(
  /^[^\s,]{1,200}$/,
  "1 to 200 characters without spaces or commas",
);

/** A lease, ms: the heartbeat comes every third of it. */
export const LEASE_MS: Rule<number> = numberAtLeast(100);

/** The most hashes a crawl's dedupe set may have. */
export const MAX_SHARDS = 65536;

/**
 * The number of hashes of a crawl's dedupe set: a power of two (the
 * fingerprint's top bits pick the hash) up to {@linkcode MAX_SHARDS}.
 */
export const SHARDS: Rule<number> = {
  text: `a power of two up to ${MAX_SHARDS}`,
  error: RangeError,
  test: (v: unknown): v is number =>
    Number.isInteger(v) && (v as number) >= 1 &&
    (v as number) <= MAX_SHARDS && ((v as number) & ((v as number) - 1)) === 0,
};

/** The most slots a crawl's hosts may be spread over. */
export const MAX_SLOTS = 1024;

/**
 * The number of slots a crawl's hosts are spread over (see `slots.ts`): an
 * integer from 1 to {@linkcode MAX_SLOTS}.
 */
export const SLOTS: Rule<number> = {
  text: `an integer from 1 to ${MAX_SLOTS}`,
  error: RangeError,
  test: (v: unknown): v is number =>
    Number.isInteger(v) && (v as number) >= 1 && (v as number) <= MAX_SLOTS,
};

/** The slots of a new crawl on a Redis Cluster, by default. */
export const CLUSTER_SLOTS = 16;

/**
 * The slots of a new crawl by default: one on a server (a crawl made
 * before slots existed has one), {@linkcode CLUSTER_SLOTS} on a cluster, so
 * its hosts spread over the nodes.
 *
 * @param cluster Whether the store's URL names a cluster.
 * @returns The number of slots.
 */
export function defaultSlots(cluster: boolean): number {
  return cluster ? CLUSTER_SLOTS : 1;
}

/** The shortest and longest default attempt deadlines, ms. */
const DEADLINE = { min: 250, max: 5_000 } as const;

/** An attempt's deadline, ms (`commandTimeoutMs`). */
export const COMMAND_TIMEOUT_MS: Rule<number> = numberAtLeast(10);

/**
 * The default deadline of one attempt: a quarter of the outage limit, from
 * 250 to 5000 ms, so a silent server is noticed well before giving up.
 *
 * @param redisTimeoutMs The outage limit, ms.
 * @returns The deadline, ms.
 */
export function commandTimeoutFor(redisTimeoutMs: number): number {
  return Math.min(Math.max(redisTimeoutMs / 4, DEADLINE.min), DEADLINE.max);
}

/** TLS settings: an object whose `ca`, if given, is PEM text or a list. */
export const TLS_OPTIONS: Rule<{ ca?: string | string[] }> = {
  text: "an object whose 'ca' is PEM text or an array of PEM texts",
  error: TypeError,
  test: (v: unknown): v is { ca?: string | string[] } => {
    if (v === null || typeof v !== "object") return false;
    const ca = (v as { ca?: unknown }).ca;
    return ca === undefined || typeof ca === "string" ||
      (Array.isArray(ca) && ca.every((c) => typeof c === "string"));
  },
};
