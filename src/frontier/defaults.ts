/**
 * The stores' option defaults, defined once: the stores read them and their
 * `@default` docs state them.
 *
 * @module
 */

/**
 * The default of every store option that has a fixed one.
 *
 * @example Reading a default
 * ```ts
 * import { STORE_DEFAULTS } from "./defaults.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(STORE_DEFAULTS.leaseMs, 30_000);
 * ```
 */
export const STORE_DEFAULTS = {
  /** Queued URLs a durable frontier keeps in memory (`SqliteStore`). */
  window: 10_000,
  /** `PRAGMA synchronous` of a state file (`SqliteStore`). */
  synchronous: "normal",
  /** How long a Redis lease lasts without a heartbeat, ms (`RedisStore`). */
  leaseMs: 30_000,
  /** How long Redis may be unreachable before calls fail, ms (`RedisStore`). */
  redisTimeoutMs: 60_000,
  /** Whether won results wait in Redis until acknowledged (`RedisStore`). */
  outbox: false,
} as const;
