/**
 * The rules of a shared crawl's options, defined once for `RedisStore` and
 * the CLI's `--frontier`, `--crawl`, `--worker` and `--lease` (this file
 * loads no Redis client, so the CLI can check flags without it).
 *
 * @module
 */
import { matching, numberAtLeast, type Rule } from "../../options/validate.ts";

/** A Redis URL: `redis://` or `rediss://` (TLS). */
export const REDIS_URL: Rule<string> = matching(
  /^rediss?:\/\//,
  "a redis:// or rediss:// URL",
);

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
