// The Redis store against a real Redis (see tests/_support/redis_server.ts):
// its options, the crawl's identity (modes), robots records, a worker's
// liveness for adoption, and outages (a restart, and giving up).
import assert from "node:assert/strict";
import {
  RedisStore,
  RedisUnavailableError,
} from "../../../src/frontier/redis/redis_store.ts";
import { StateMismatchError } from "../../../src/frontier/state_errors.ts";
import { redisTest, startRedisServer } from "../../_support/redis_server.ts";
import { drain, finish, never, proc } from "./_processes.ts";

redisTest(
  "RedisStore.adopt() refuses a worker whose frontier closed until its store closes",
  async ({ url, crawl }) => {
    const a = await proc(url, crawl, {
      seeds: ["http://a.test/1"],
      store: { worker: "a", leaseMs: 200, outbox: true },
    });
    const b = await proc(url, crawl, {
      mode: "resume",
      store: { worker: "b", leaseMs: 200 },
    });
    try {
      const e = await a.frontier.next(never);
      assert.ok(e);
      e.permit.release();
      const won = await finish(a.frontier, e);
      assert.equal(won.length, 1);
      // The crawl is over for `a`, which now writes and acknowledges its
      // results: several leases pass meanwhile.
      await a.frontier.close();
      await new Promise((resolve) => setTimeout(resolve, 700));
      await assert.rejects(() => b.store.adopt("a"), /it is alive/);
      const st = await b.store.status();
      assert.equal(st.processes.find((w) => w.id === "a")?.alive, true);
      await a.store.close();
      const adopted = await b.store.adopt("a");
      assert.deepEqual(adopted.results.map((r) => r.url), [e.url]);
    } finally {
      await a.close();
      await b.close();
    }
  },
);

redisTest(
  "RedisFrontier.open() refuses other seeds or settings in mode auto, adds seeds with resume and starts over with fresh",
  async ({ url, crawl }) => {
    const a = await proc(url, crawl, { seeds: ["http://m.test/"] });
    await a.close();
    await assert.rejects(
      () =>
        proc(url, crawl, {
          seeds: ["http://other.test/"],
          settings: { depth: 4 },
        }),
      (err) => {
        assert.ok(err instanceof StateMismatchError);
        assert.equal(err.name, "StateMismatchError");
        assert.deepEqual(err.differences, [
          "seeds added: http://other.test/",
          "seeds missing: http://m.test/",
          "depth was 3, now 4",
        ]);
        assert.match(err.location, new RegExp(`crawl ${crawl}$`));
        return true;
      },
    );
    const same = await proc(url, crawl, { seeds: ["http://m.test/"] });
    assert.equal(same.frontier.accepted, 1);
    await same.close();
    const resumed = await proc(url, crawl, {
      seeds: ["http://n.test/"],
      mode: "resume",
    });
    assert.equal(resumed.frontier.accepted, 2);
    await resumed.close();
    const fresh = await proc(url, crawl, {
      seeds: ["http://other.test/"],
      mode: "fresh",
    });
    try {
      assert.equal(fresh.frontier.accepted, 1);
      assert.deepEqual((await fresh.store.status()).seeds, [
        "http://other.test/",
      ]);
      assert.equal((await drain(fresh.frontier)).length, 1);
    } finally {
      await fresh.close();
    }
  },
);

redisTest(
  "RedisFrontier.robots.save() stores a robots.txt record that load() returns",
  async ({ url, crawl }) => {
    const a = await proc(url, crawl);
    try {
      const robots = a.frontier.robots;
      assert.equal(await robots.load("http://r.test"), undefined);
      const rec = {
        origin: "http://r.test",
        outcome: "rules" as const,
        status: 200,
        text: "User-agent: *\nDisallow: /x",
        fetchedAt: 123,
      };
      await robots.save(rec);
      assert.deepEqual(await robots.load("http://r.test"), rec);
    } finally {
      await a.close();
    }
  },
);

redisTest(
  "RedisFrontier.next() rides out a Redis restart without losing or repeating URLs",
  async ({ crawl }) => {
    const dir = await Deno.makeTempDir();
    let server = await startRedisServer({ dir });
    const port = server.port;
    const p = await proc(server.url, crawl, {
      seeds: ["http://o.test/0"],
      store: { redisTimeoutMs: 20_000 },
    });
    try {
      let stopped = false;
      const won = await drain(
        p.frontier,
        (u) => {
          const i = Number(u.split("/").pop());
          return i < 20 ? [`http://o.test/${i + 1}`] : [];
        },
        async (e) => {
          if (e.url === "http://o.test/10" && !stopped) {
            stopped = true;
            await server.stop();
            setTimeout(async () => {
              server = await startRedisServer({ dir, port });
            }, 400);
          }
        },
      );
      assert.equal(won.length, 21);
      assert.equal(new Set(won.map((r) => r.url)).size, 21);
      assert.ok(
        p.logs.some((l) => l.level === "warn" && /unreachable/.test(l.message)),
      );
      assert.ok(p.logs.some((l) => /reachable again/.test(l.message)));
      assert.equal((await p.store.status()).done, 21);
    } finally {
      await p.close();
      await server.stop();
      await Deno.remove(dir, { recursive: true });
    }
  },
  { ownServer: true },
);

redisTest(
  "RedisFrontier.commit() rejects with RedisUnavailableError when Redis stays down past redisTimeoutMs",
  async ({ crawl }) => {
    const server = await startRedisServer();
    const p = await proc(server.url, crawl, {
      seeds: ["http://u.test/"],
      store: { redisTimeoutMs: 300 },
    });
    try {
      const e = await p.frontier.next(never);
      assert.ok(e);
      await server.stop();
      const t0 = performance.now();
      await assert.rejects(
        () => finish(p.frontier, e),
        (err) => {
          assert.ok(err instanceof RedisUnavailableError);
          assert.equal(err.name, "RedisUnavailableError");
          assert.equal(err.url, server.url);
          assert.equal(err.timeoutMs, 300);
          assert.ok(err.cause instanceof Error);
          return true;
        },
      );
      assert.ok(performance.now() - t0 >= 290);
      await assert.rejects(() => p.frontier.next(never), RedisUnavailableError);
    } finally {
      await p.close();
      await server.stop();
    }
  },
  { ownServer: true },
);

Deno.test("RedisStore() rejects an http URL, a crawl name with a space, leaseMs 5, shards 3 and slots 0", () => {
  assert.throws(
    () => new RedisStore({ url: "http://x", crawl: "a" }),
    /'url' must be a redis:\/\/ or rediss:\/\/ URL/,
  );
  assert.throws(
    () => new RedisStore({ url: "redis://127.0.0.1:1/0", crawl: "a b" }),
    TypeError,
  );
  assert.throws(
    () =>
      new RedisStore({ url: "redis://127.0.0.1:1/0", crawl: "a", leaseMs: 5 }),
    RangeError,
  );
  assert.throws(
    () =>
      new RedisStore({ url: "redis://127.0.0.1:1/0", crawl: "a", shards: 3 }),
    /power of two/,
  );
  for (const slots of [0, 1025, 1.5]) {
    assert.throws(
      () => new RedisStore({ url: "redis://127.0.0.1:1/0", crawl: "a", slots }),
      (err) =>
        err instanceof RangeError &&
        err.message ===
          `Cannot create RedisStore as 'slots' must be an integer from 1 to 1024: current value is ${slots}`,
    );
  }
});
