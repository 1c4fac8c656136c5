// Throttling that recovers, on a FakeClock: after a 429 a host's rate
// climbs back as it answers well (never above the configured rate), a host
// that keeps answering 429 stays slow, and auto-throttle spaces requests by
// the host's latency. Pages come from an injected fetch stamped with fake
// time.
import assert from "node:assert/strict";
import type { CrawlOptions } from "../../mod.ts";
import { FakeClock } from "../../src/testing.ts";
import {
  crawlOnClock as crawlOn,
  type Hit,
  html,
  noRobots,
} from "./_fake_time_site.ts";

/**
 * Crawls `SEED` against `site`, moving fake time to each timer as it falls
 * due (or only letting work settle when no timer waits).
 */
const crawlOnClock = (
  clock: FakeClock,
  site: (url: URL) => Response | Promise<Response>,
  options: CrawlOptions,
) =>
  crawlOn(
    clock,
    site,
    options,
    (c) => c.pending > 0 ? c.next() : c.tick(0),
  );

/** A seed that links to `/p0` … `/p{n-1}`. */
function index(n: number): Response {
  return html(
    Array.from({ length: n }, (_, i) => `<a href="/p${i}">p</a>`).join(""),
  );
}

const base: CrawlOptions = {
  workers: 0,
  backoff: { baseMs: 5, maxMs: 5_000 },
  logLevel: "silent",
  maxLinksPerPage: 2_000,
};

Deno.test("Crawler.run() finishes 1,000 pages near the configured rate when the host answered one 429", async () => {
  const clock = new FakeClock();
  let throttled = false;
  const { results, hits } = await crawlOnClock(clock, (url) => {
    if (url.pathname === "/robots.txt") return noRobots();
    if (url.pathname === "/") return index(1_000);
    if (url.pathname === "/p0" && !throttled) {
      throttled = true;
      return new Response("", { status: 429, headers: { "retry-after": "2" } });
    }
    return html("<title>p</title>");
  }, { ...base, perHost: { concurrency: 2, rate: 10 } });
  assert.equal(results.length, 1_001);
  assert.ok(results.every((r) => r.status === 200));
  const end = hits[hits.length - 1].time;
  // 1,002 requests at 10/s take 100 s; the 2 s pause and the climb back
  // from 5/s cost a few more. Without recovery it would take 200 s.
  assert.ok(end <= 110_000, `last request at ${end} ms`);
  // Never faster than the configured rate: 10 requests span >= 900 ms.
  const times = hits.filter((h) => h.path !== "/robots.txt").map((h) => h.time);
  for (let i = 10; i < times.length; i++) {
    const span = times[i] - times[i - 9];
    assert.ok(span >= 900 - 1e-6, `at ${i}: ${span}`);
  }
});

Deno.test("Crawler.run() lets an unlimited host climb back to no limit after one 429", async () => {
  const clock = new FakeClock();
  let throttled = false;
  const { results, hits } = await crawlOnClock(clock, (url) => {
    if (url.pathname === "/robots.txt") return noRobots();
    if (url.pathname === "/") return index(400);
    if (url.pathname === "/p0" && !throttled) {
      throttled = true;
      return new Response("", { status: 429, headers: { "retry-after": "1" } });
    }
    return html("<title>p</title>");
  }, { ...base, perHost: { concurrency: 2 } });
  assert.equal(results.length, 401);
  const end = hits[hits.length - 1].time;
  // At the throttled 4/s, 400 pages would take 100 s.
  assert.ok(end <= 15_000, `last request at ${end} ms`);
});

Deno.test("Crawler.run() keeps a host slow while it keeps answering 429", async () => {
  const clock = new FakeClock();
  const { results, hits } = await crawlOnClock(clock, (url) => {
    if (url.pathname === "/robots.txt") return noRobots();
    if (url.pathname === "/") return index(30);
    return new Response("", { status: 429, headers: { "retry-after": "1" } });
  }, {
    ...base,
    retries: 0,
    circuitBreaker: false,
    perHost: { concurrency: 2, rate: 10 },
  });
  assert.equal(results.length, 31);
  const times = hits.filter((h) => h.path.startsWith("/p")).map((h) => h.time);
  assert.equal(times.length, 30);
  // Each 429 pauses the host for its Retry-After; its rate only falls.
  for (let i = 2; i < times.length; i++) {
    assert.ok(times[i] - times[i - 2] >= 1_000, `gap at ${i}`);
  }
});

/** Gaps between consecutive page requests after the first `skip`. */
function gaps(hits: Hit[], skip: number): number[] {
  const times = hits.filter((h) => h.path.startsWith("/p")).map((h) => h.time)
    .slice(skip);
  return times.slice(1).map((t, i) => t - times[i]);
}

Deno.test("Crawler.run() with autoThrottle spaces a host's requests by its latency", async () => {
  const slowSite = (clock: FakeClock) => async (url: URL) => {
    if (url.pathname === "/robots.txt") return noRobots();
    if (url.pathname === "/") return index(40);
    await clock.sleep(200); // the host takes 200 ms to answer
    return html("<title>p</title>");
  };
  const options = { ...base, perHost: { concurrency: 4 } };
  const clock = new FakeClock();
  const auto = await crawlOnClock(clock, slowSite(clock), {
    ...options,
    autoThrottle: { startDelayMs: 1_000 },
  });
  assert.equal(auto.results.length, 41);
  // Converged: about one request per latency (target concurrency 1).
  const spaced = gaps(auto.hits, 20);
  const mean = spaced.reduce((a, b) => a + b, 0) / spaced.length;
  assert.ok(mean >= 190 && mean <= 260, `mean gap ${mean} ms`);
  // Without it, 4 requests are in flight at once: gaps near 50 ms.
  const plainClock = new FakeClock();
  const plain = await crawlOnClock(plainClock, slowSite(plainClock), options);
  const plainGaps = gaps(plain.hits, 20);
  const plainMean = plainGaps.reduce((a, b) => a + b, 0) / plainGaps.length;
  assert.ok(plainMean < 100, `mean gap without auto-throttle ${plainMean} ms`);
});
