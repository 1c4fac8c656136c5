// The per-host throttle policy (HostThrottle) and the memory Frontier that
// applies it to its token buckets, on fake time.
import assert from "node:assert/strict";
import { FakeClock } from "../../src/concurrency/fake_clock.ts";
import { emptyStats } from "../../src/crawler/stats.ts";
import { Frontier } from "../../src/frontier/frontier.ts";
import { AutoThrottle } from "../../src/frontier/auto_throttle.ts";
import {
  halvedRate,
  HOST_THROTTLE,
  HostThrottle,
  raisedRate,
} from "../../src/frontier/host_throttle.ts";
import type { ReadyEntry } from "../../src/frontier/store.ts";

Deno.test("halvedRate() halves a rate down to the minimum and gives an unlimited host the fallback rate", () => {
  assert.equal(halvedRate(10), 5);
  assert.equal(halvedRate(0.15), HOST_THROTTLE.minRate);
  assert.equal(halvedRate(HOST_THROTTLE.minRate), HOST_THROTTLE.minRate);
  assert.equal(halvedRate(Infinity), HOST_THROTTLE.unlimitedRate);
});

Deno.test("HostThrottle.throttle() halves the rate once per pause and only extends a pause in progress", () => {
  const hosts = new HostThrottle(8);
  assert.deepEqual(hosts.throttle("a.test", 1_000, 0), {
    action: "pause",
    rate: 4,
  });
  // A burst of answers while paused counts once.
  assert.deepEqual(hosts.throttle("a.test", 2_000, 500), { action: "extend" });
  assert.deepEqual(hosts.throttle("a.test", 1_500, 600), { action: "none" });
  assert.equal(hosts.rateOf("a.test"), 4);
  // Once the pause is over, the next answer halves again.
  assert.deepEqual(hosts.throttle("a.test", 3_000, 2_000), {
    action: "pause",
    rate: 2,
  });
  // Other hosts keep the configured rate.
  assert.equal(hosts.rateOf("b.test"), 8);
  assert.equal(hosts.isLimited("b.test"), false);
  assert.equal(hosts.isLimited("a.test"), true);
});

Deno.test("HostThrottle.limit() lowers a host's rate but never raises it", () => {
  const hosts = new HostThrottle(2);
  assert.equal(hosts.limit("a.test", 5), false, "above the configured rate");
  assert.equal(hosts.isLimited("a.test"), false);
  assert.equal(hosts.limit("a.test", 1), true);
  assert.equal(hosts.limit("a.test", 1.5), false, "above the lowered rate");
  assert.equal(hosts.rateOf("a.test"), 1);
  const unlimited = new HostThrottle(Infinity);
  assert.equal(unlimited.limit("a.test", 100), true);
  assert.equal(unlimited.rateOf("a.test"), 100);
});

/** A memory frontier on fake time, its pumps run as plain tasks. */
function memoryFrontier(clock: FakeClock, perHostRate: number): Frontier {
  const stop = new AbortController();
  return new Frontier({
    seeds: [],
    settings: {},
    mode: "auto",
    perHostConcurrency: 4,
    perHostRate,
    maxAccepted: Infinity,
    readySize: 1,
    clock,
    spawn: (fn) => void fn(stop.signal).catch(() => {}),
    stats: emptyStats(),
    onLog: () => {},
  });
}

/** The fake time at which each of `n` calls to `next` got its entry. */
async function handOutTimes(
  frontier: Frontier,
  clock: FakeClock,
  n: number,
): Promise<number[]> {
  const times: number[] = [];
  const signal = new AbortController().signal;
  const taking = (async () => {
    for (let i = 0; i < n; i++) {
      const e: ReadyEntry | undefined = await frontier.next(signal);
      assert.ok(e);
      times.push(clock.now());
      e.permit.release();
    }
  })();
  while (times.length < n) await clock.next();
  await taking;
  return times;
}

Deno.test("Frontier.throttle() pauses an unlimited host, then serves it at 4 requests/s", async () => {
  const clock = new FakeClock();
  const frontier = memoryFrontier(clock, Infinity);
  // Throttled before any URL is queued: none is handed out early.
  assert.equal(frontier.throttle("a.test", 1_000, 0), 4);
  assert.equal(frontier.throttle("a.test", 1_500, 10), undefined);
  const urls = [1, 2, 3].map((i) => `http://a.test/${i}`);
  await frontier.open({
    found: urls.map((url) => ({ url, host: "a.test", depth: 0 })),
    settled: [],
  }, new AbortController().signal);
  const times = await handOutTimes(frontier, clock, 3);
  // The pause was extended to 1,500; then one request per 250 ms.
  assert.deepEqual(times, [1_500, 1_750, 2_000]);
  await frontier.close();
});

Deno.test("Frontier.limitHost() slows a host to a Crawl-delay but not above its configured rate", async () => {
  const clock = new FakeClock();
  const frontier = memoryFrontier(clock, 10);
  const urls = [1, 2, 3].map((i) => `http://a.test/${i}`);
  await frontier.open({
    found: urls.map((url) => ({ url, host: "a.test", depth: 0 })),
    settled: [],
  }, new AbortController().signal);
  frontier.limitHost("a.test", 50); // above the configured 10/s: ignored
  frontier.limitHost("a.test", 2); // Crawl-delay: 0.5
  const times = await handOutTimes(frontier, clock, 3);
  assert.deepEqual(times, [0, 500, 1_000]);
  await frontier.close();
});

Deno.test("HostThrottle.answered() raises a throttled rate one step per window of good answers, up to the ceiling", () => {
  const hosts = new HostThrottle(8);
  assert.equal(hosts.answered("a.test", true, 0), undefined, "not throttled");
  hosts.throttle("a.test", 1_000, 0); // 4/s
  // Answers while paused do not count.
  for (let i = 0; i < 20; i++) hosts.answered("a.test", true, 500);
  assert.equal(hosts.rateOf("a.test"), 4);
  const window = HOST_THROTTLE.recoveryWindow;
  const climb: number[] = [];
  for (let i = 0; i < 4 * window; i++) {
    const rate = hosts.answered("a.test", true, 2_000);
    if (rate !== undefined) climb.push(rate);
  }
  assert.deepEqual(climb, [5, 6, 7, 8]);
  assert.equal(hosts.isLimited("a.test"), false);
  // Back at the ceiling: nothing more to raise.
  for (let i = 0; i < window; i++) {
    assert.equal(hosts.answered("a.test", true, 3_000), undefined);
  }
  assert.equal(hosts.rateOf("a.test"), 8);
});

Deno.test("HostThrottle.answered() starts the window again after a bad answer", () => {
  const hosts = new HostThrottle(8);
  hosts.throttle("a.test", 0, 0);
  const window = HOST_THROTTLE.recoveryWindow;
  for (let i = 0; i < window - 1; i++) hosts.answered("a.test", true, 1);
  hosts.answered("a.test", false, 1);
  for (let i = 0; i < window - 1; i++) {
    assert.equal(hosts.answered("a.test", true, 1), undefined);
  }
  assert.equal(hosts.answered("a.test", true, 1), 5);
});

Deno.test("HostThrottle.answered() never climbs above a Crawl-delay", () => {
  const hosts = new HostThrottle(Infinity);
  hosts.limit("a.test", 2); // Crawl-delay: 0.5
  hosts.throttle("a.test", 0, 0); // 1/s
  let rate: number | undefined;
  for (let i = 0; i < 100 * HOST_THROTTLE.recoveryWindow; i++) {
    rate = hosts.answered("a.test", true, 1) ?? rate;
  }
  assert.equal(rate, 2);
  assert.equal(hosts.rateOf("a.test"), 2);
  assert.equal(hosts.isLimited("a.test"), true);
});

Deno.test("raisedRate() climbs an unlimited host by the fallback rate and lifts its limit past liftRate", () => {
  let rate: number = HOST_THROTTLE.unlimitedRate;
  let windows = 0;
  while (Number.isFinite(rate)) {
    rate = raisedRate(rate, Infinity);
    windows++;
  }
  assert.equal(
    windows,
    Math.floor(HOST_THROTTLE.liftRate / HOST_THROTTLE.unlimitedRate),
  );
  assert.equal(raisedRate(0.1, 1), 0.225);
  assert.equal(raisedRate(0.95, 1), 1);
});

Deno.test("Frontier.answered() restores a throttled host's rate in its token bucket", async () => {
  const clock = new FakeClock();
  const frontier = memoryFrontier(clock, 10);
  frontier.throttle("a.test", 0, 0); // 5/s
  for (let i = 0; i < 4 * HOST_THROTTLE.recoveryWindow; i++) {
    frontier.answered("a.test", { good: true, status: 200, ms: 5 }, 1);
  }
  const urls = [1, 2, 3].map((i) => `http://a.test/${i}`);
  await frontier.open({
    found: urls.map((url) => ({ url, host: "a.test", depth: 0 })),
    settled: [],
  }, new AbortController().signal);
  const times = await handOutTimes(frontier, clock, 3);
  assert.deepEqual(times, [0, 100, 200]);
  await frontier.close();
});

Deno.test("AutoThrottle.observe() moves a host's delay toward latency / target concurrency, and never lowers it on an error", () => {
  const auto = new AutoThrottle(
    { startDelayMs: 1_000, targetConcurrency: 2 },
    50,
  );
  assert.equal(auto.delayOf("a.test"), 1_000);
  assert.equal(auto.observe("a.test", 400, 200), true);
  assert.equal(auto.delayOf("a.test"), 600); // (1000 + 200) / 2
  // A fast error page does not speed the host up; a slow one slows it.
  assert.equal(auto.observe("a.test", 10, 500), false);
  assert.equal(auto.delayOf("a.test"), 600);
  assert.equal(auto.observe("a.test", 4_000, 503), true);
  assert.equal(auto.delayOf("a.test"), 2_000); // the target, 4000 / 2
  // Never below the configured rate's delay, never above maxDelayMs.
  for (let i = 0; i < 50; i++) auto.observe("a.test", 0, 200);
  assert.equal(auto.delayOf("a.test"), 50);
  assert.equal(auto.rateOf("a.test"), 20);
  const capped = new AutoThrottle({ maxDelayMs: 3_000 }, 0);
  capped.observe("b.test", 60_000, 200);
  assert.equal(capped.delayOf("b.test"), 3_000);
  assert.throws(
    () => new AutoThrottle({ targetConcurrency: 0 }, 0),
    RangeError,
  );
});

Deno.test("HostThrottle.throttle() halves on timeouts no lower than half the ceiling, while 429s go on halving", () => {
  const hosts = new HostThrottle(10);
  for (let t = 0; t < 5; t++) hosts.throttle("slow.test", t, t, "timeout");
  assert.equal(hosts.rateOf("slow.test"), 5);
  const unlimited = new HostThrottle(Infinity);
  for (let t = 0; t < 5; t++) unlimited.throttle("slow.test", t, t, "timeout");
  assert.equal(unlimited.rateOf("slow.test"), HOST_THROTTLE.unlimitedRate);
  // An explicit 429 still halves from there.
  unlimited.throttle("slow.test", 10, 10);
  assert.equal(unlimited.rateOf("slow.test"), 2);
  // A timeout never raises a rate a 429 lowered.
  unlimited.throttle("slow.test", 20, 20, "timeout");
  assert.equal(unlimited.rateOf("slow.test"), 2);
});
