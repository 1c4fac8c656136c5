/**
 * The rules of a shared crawl's names, defined once for `RedisStore` and the
 * CLI's `--frontier`, `--crawl` and `--worker` (this file loads no Redis
 * client, so the CLI can check flags without it).
 *
 * @module
 */
import { matching, type Rule } from "../../options/validate.ts";

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
