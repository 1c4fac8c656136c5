/**
 * Test helpers for code built on trawl: a {@linkcode FakeClock} that moves
 * time by hand, so tests of rates, backoffs and timeouts are exact and instant.
 *
 * @example Driving a token bucket with fake time
 * ```ts
 * import { FakeClock } from "@trawl/trawl/testing";
 * import { TokenBucket } from "@trawl/trawl/concurrency";
 *
 * const clock = new FakeClock();
 * const bucket = new TokenBucket({ rate: 10, clock });
 * await bucket.take();
 * const next = bucket.take();
 * await clock.tick(100);
 * await next;
 * ```
 *
 * @module
 */
export { FakeClock } from "./concurrency/fake_clock.ts";
