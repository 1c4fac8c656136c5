// The Redis store's throttle recovers as HostThrottle does: each window of
// good answers one process counts raises the host's shared rate one step.
// Its auto-throttle sets a host's shared delay as AutoThrottle does.
import assert from "node:assert/strict";
import { delay, systemClock } from "../../../src/concurrency/clock.ts";
import { AutoThrottle } from "../../../src/frontier/auto_throttle.ts";
import { HOST_THROTTLE } from "../../../src/frontier/host_throttle.ts";
import { redisTest } from "../../_support/redis_server.ts";
import { entry, never, proc, raw, result } from "./_processes.ts";

redisTest(
  "RedisFrontier.answered() raises the shared rate in Redis as HostThrottle does locally, up to the configured rate",
  async ({ url, crawl }) => {
    const p = await proc(url, crawl, {
      seeds: ["http://h.test/"],
      perHostRate: 8,
    });
    try {
      const rateInRedis = async () => {
        await p.frontier.flush();
        const st = await p.store.status();
        return st.hosts.find((h) => h.host === "h.test")?.rate;
      };
      const now = systemClock.now();
      assert.equal(p.frontier.throttle("h.test", now, now), 4);
      assert.equal(await rateInRedis(), 4);
      await delay(3); // the pause (0 ms) is over on Redis's clock too
      const good = { good: true, status: 200, ms: 5 };
      const climb: number[] = [];
      for (let i = 0; i < 5 * HOST_THROTTLE.recoveryWindow; i++) {
        const rate = p.frontier.answered("h.test", good, systemClock.now());
        if (rate !== undefined) {
          climb.push(rate);
          assert.equal(await rateInRedis(), rate);
        }
      }
      assert.deepEqual(climb, [5, 6, 7, 8]);
    } finally {
      await p.close();
    }
  },
);

redisTest(
  "RedisFrontier.throttle() halves the shared rate on timeouts no lower than half the ceiling",
  async ({ url, crawl }) => {
    const p = await proc(url, crawl, {
      seeds: ["http://h.test/"],
      perHostRate: 8,
    });
    try {
      for (let i = 0; i < 4; i++) {
        const now = systemClock.now();
        p.frontier.throttle("h.test", now, now, "timeout");
        await p.frontier.flush();
        await delay(3);
      }
      const st = await p.store.status();
      assert.equal(st.hosts.find((h) => h.host === "h.test")?.rate, 4);
    } finally {
      await p.close();
    }
  },
);

redisTest(
  "RedisFrontier with autoThrottle spaces a host's requests in every process by the delay the answers set, as AutoThrottle does",
  async ({ url, crawl }) => {
    const auto = { startDelayMs: 200 };
    const options = { perHostConcurrency: 4, context: { autoThrottle: auto } };
    const p1 = await proc(url, crawl, {
      ...options,
      seeds: ["http://h.test/"],
    });
    const p2 = await proc(url, crawl, { ...options, mode: "resume" });
    const r = await raw(url);
    try {
      const seed = (await p1.frontier.next(never))!;
      seed.permit.release();
      await p1.frontier.commit({
        page: { entry: seed, result: result(seed.url) },
        found: ["a", "b", "c"].map((p) => entry(`http://h.test/${p}`, 1)),
        settled: [],
      });
      // One slow answer seen by the first process, as AutoThrottle sees it.
      const local = new AutoThrottle(auto, 0);
      for (const ms of [900, 500]) {
        local.observe("h.test", ms, 200);
        p1.frontier.answered("h.test", { good: true, status: 200, ms }, 0);
      }
      // An error page's short latency does not lower the delay.
      local.observe("h.test", 1, 503);
      p1.frontier.answered("h.test", { good: false, status: 503, ms: 1 }, 0);
      await p1.frontier.flush();
      // 900 (never below the latency), then (900 + 500) / 2; the 503 keeps it.
      const expected = local.delayOf("h.test");
      assert.equal(expected, 700);
      const shared = await r.sendCommand([
        "HGET",
        `trawl:{${crawl}}:h:h.test`,
        "ad",
      ]);
      assert.equal(Number(shared), expected);
      // The second process takes the host's URLs no closer than that, on
      // Redis's clock, where the spacing is kept: each lease's score is the
      // moment it was taken plus the lease time (no heartbeat renews them
      // within the test). This process's own clock would also count how late
      // its event loop saw each answer.
      for (let i = 0; i < 3; i++) {
        const e = (await p2.frontier.next(never))!;
        e.permit.release();
      }
      const scores = await r.sendCommand([
        "ZRANGE",
        `trawl:{${crawl}}:leases`,
        "0",
        "-1",
        "WITHSCORES",
      ]) as string[];
      const taken = scores.filter((_, i) => i % 2 === 1).map(Number);
      assert.equal(taken.length, 3);
      for (let i = 1; i < taken.length; i++) {
        const gap = taken[i] - taken[i - 1];
        assert.ok(gap >= expected, `gap ${gap} ms`);
      }
    } finally {
      await r.close();
      await p2.close();
      await p1.close();
    }
  },
);
