// Politeness on a FakeClock: the per-host rate, robots.txt's Crawl-delay,
// Retry-After and the circuit breaker's cooldown. Pages come from an
// injected fetch that stamps each request with the fake time, so every gap
// is exact and no test waits for real time to pass.
import assert from "node:assert/strict";
import { FakeClock } from "../../src/testing.ts";
import type { CrawlOptions } from "../../mod.ts";
import {
  crawlOnClock as crawlOn,
  type Hit,
  html,
  noRobots,
  SEED,
} from "./_fake_time_site.ts";

/** Crawls `SEED` against `site`, moving fake time on 10 ms at a time. */
const crawlOnClock = (
  clock: FakeClock,
  site: (url: URL) => Response,
  options: CrawlOptions,
) => crawlOn(clock, site, options, (c) => c.tick(10));

const fast = { workers: 0, backoff: { baseMs: 5, maxMs: 2000 } };

/** Request times of the pages (robots.txt left out). */
function pageTimes(hits: Hit[]): number[] {
  return hits.filter((h) => h.path !== "/robots.txt").map((h) => h.time);
}

Deno.test("Crawler.run() spaces requests to a host at least 1/rate apart when perHost.rate is set", async () => {
  const clock = new FakeClock();
  const { hits } = await crawlOnClock(clock, (url) => {
    if (url.pathname === "/robots.txt") return noRobots();
    if (url.pathname === "/") {
      return html(
        Array.from({ length: 6 }, (_, i) => `<a href="/p${i}">p</a>`).join(""),
      );
    }
    return html("<title>p</title>");
  }, { ...fast, perHost: { concurrency: 4, rate: 20 } });
  const times = pageTimes(hits);
  assert.equal(times.length, 7);
  // At 20/s, any k consecutive intervals span at least k * 50 ms.
  for (let i = 0; i < times.length; i++) {
    for (let j = i + 1; j < times.length; j++) {
      const span = times[j] - times[i];
      assert.ok(span >= (j - i) * 50, `requests ${i}..${j} span ${span} ms`);
    }
  }
});

Deno.test("Crawler.run() spaces requests to a host by its robots.txt Crawl-delay", async () => {
  const clock = new FakeClock();
  const { hits } = await crawlOnClock(clock, (url) => {
    if (url.pathname === "/robots.txt") {
      return new Response("User-agent: *\nCrawl-delay: 0.2\n");
    }
    if (url.pathname === "/") {
      return html(`<a href="/a">a</a><a href="/b">b</a>`);
    }
    return html("<title>x</title>");
  }, { ...fast, perHost: { concurrency: 4 } });
  const times = pageTimes(hits);
  assert.equal(times.length, 3);
  assert.ok(times[2] - times[1] >= 200, `gap ${times[2] - times[1]} ms`);
});

Deno.test("Crawler.run() spends no Crawl-delay on URLs robots.txt disallows, which it skips without a request", async () => {
  const clock = new FakeClock();
  const { results, hits } = await crawlOnClock(clock, (url) => {
    if (url.pathname === "/robots.txt") {
      return new Response("User-agent: *\nCrawl-delay: 1\nDisallow: /l/\n");
    }
    if (url.pathname === "/") {
      const skipped = [0, 1, 2, 3, 4].map((i) => `<a href="/l/${i}">l</a>`);
      return html(skipped.join("") + `<a href="/ok">ok</a>`);
    }
    return html("<title>x</title>");
  }, fast);
  const robots = results.filter((r) => r.skipped === "robots");
  assert.equal(robots.length, 5);
  assert.deepEqual(hits.map((h) => h.path), ["/robots.txt", "/", "/ok"]);
  // The five skipped URLs were queued before /ok. The Crawl-delay came
  // with robots.txt, after the seed, so /ok takes the host's first token:
  // it waits for none of the skipped URLs' delays.
  const [first, ok] = pageTimes(hits);
  assert.ok(ok - first < 1000, `gap ${ok - first} ms`);
});

Deno.test("Crawler.run() waits Retry-After before the host's next request when a page answers 429", async () => {
  const clock = new FakeClock();
  let first429: number | undefined;
  const { results, hits } = await crawlOnClock(clock, (url) => {
    if (url.pathname === "/robots.txt") return noRobots();
    if (url.pathname === "/") {
      return html(
        `<a href="/busy">busy</a><a href="/x">x</a><a href="/y">y</a>`,
      );
    }
    if (url.pathname === "/busy" && first429 === undefined) {
      first429 = clock.now();
      return new Response("slow down", {
        status: 429,
        headers: { "retry-after": "1" },
      });
    }
    return html("<title>ok</title>");
  }, { ...fast, perHost: { concurrency: 1 } });
  assert.equal(results.length, 4);
  assert.ok(results.every((r) => r.status === 200));
  assert.ok(first429 !== undefined);
  const after = hits.filter((h) => h.time > first429!);
  assert.ok(after.length >= 3);
  for (const h of after) {
    assert.ok(
      h.time - first429 >= 1000,
      `${h.path} requested ${h.time - first429} ms after the 429`,
    );
  }
});

Deno.test("Crawler.run() holds back the host's other pages for Retry-After when one page answers 429", async () => {
  const clock = new FakeClock();
  let first429: number | undefined;
  const { results, hits } = await crawlOnClock(clock, (url) => {
    if (url.pathname === "/robots.txt") return noRobots();
    if (url.pathname === "/") {
      return html(
        `<a href="/busy">b</a><a href="/x">x</a><a href="/y">y</a><a href="/z">z</a>`,
      );
    }
    if (url.pathname === "/busy" && first429 === undefined) {
      first429 = clock.now();
      return new Response("slow down", {
        status: 429,
        headers: { "retry-after": "1" },
      });
    }
    return html("<title>ok</title>");
  }, { ...fast, perHost: { concurrency: 2 } });
  assert.equal(results.length, 5);
  assert.ok(results.every((r) => r.status === 200));
  assert.ok(first429 !== undefined);
  // /x was in flight beside /busy; /y and /z could have gone at once on the
  // slot /x freed, but the host was paused.
  for (const path of ["/y", "/z"]) {
    const hit = hits.find((h) => h.path === path)!;
    assert.ok(
      hit.time - first429 >= 1000,
      `${path} requested ${hit.time - first429} ms after the 429`,
    );
  }
});

Deno.test("Crawler.run() leaves a failing host alone for the breaker's cooldown and still gives every URL a result", async () => {
  const clock = new FakeClock();
  const { results, hits } = await crawlOnClock(clock, (url) => {
    if (url.pathname === "/robots.txt") return noRobots();
    if (url.pathname === "/") {
      return html(
        Array.from({ length: 6 }, (_, i) => `<a href="/e${i}">e</a>`).join(""),
      );
    }
    return new Response("down", { status: 503 });
  }, {
    ...fast,
    retries: 0,
    perHost: { concurrency: 1 },
    circuitBreaker: { failureThreshold: 3, windowMs: 10_000, cooldownMs: 150 },
  });
  assert.equal(results.length, 7);
  const failing = results.filter((r) => r.url !== SEED);
  assert.ok(
    failing.every((r) => r.status === 503 || r.skipped === "circuit-open"),
  );
  // After 3 failures the host was left alone for the cooldown before the next try.
  const times = hits.filter((h) => h.path.startsWith("/e")).map((h) => h.time);
  assert.ok(times.length >= 4);
  assert.ok(
    times[3] - times[2] >= 150,
    `gap after opening: ${times[3] - times[2]} ms`,
  );
});
