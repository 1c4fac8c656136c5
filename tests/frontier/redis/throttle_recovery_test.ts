// The Redis store's throttle recovers as HostThrottle does: each window of
// good answers one process counts raises the host's shared rate one step.
import assert from "node:assert/strict";
import { delay, systemClock } from "../../../src/concurrency/clock.ts";
import { HOST_THROTTLE } from "../../../src/frontier/host_throttle.ts";
import { redisTest } from "../../_support/redis_server.ts";
import { proc } from "./_processes.ts";

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
