/**
 * Helpers shared by the robots cache tests.
 *
 * @module
 */
import {
  RobotsCache,
  type RobotsCacheOptions,
} from "../../src/robots/robots_cache.ts";

/** The user agent the tests' caches send. */
export const UA = "trawl/0.1 (+https://jsr.io/@trawl/trawl)";

/** A cache with the tests' user agent and `options`. */
export function cache(options: Partial<RobotsCacheOptions> = {}): RobotsCache {
  return new RobotsCache({ userAgent: UA, ...options });
}

/** A plain response. */
export const text = (body: string, init?: ResponseInit): Response =>
  new Response(body, init);
