// The Redis store when Redis stops answering: a redis-server stopped with
// SIGSTOP takes connections but answers nothing, as a hung server or a
// network black hole does. The store pauses, says so once, and goes on
// without losing or repeating a URL when the server is resumed (SIGCONT);
// past redisTimeoutMs it fails with a RedisUnavailableError that says the
// server did not answer, and what was committed is kept.
import assert from "node:assert/strict";
import { RedisUnavailableError } from "../../../src/frontier/redis/redis_store.ts";
import { redisTest, startRedisServer } from "../../_support/redis_server.ts";
import { drain, finish, never, proc, result } from "./_processes.ts";

/** A chain of 21 URLs: each page links to the next. */
const next = (u: string) => {
  const i = Number(u.split("/").pop());
  return i < 20 ? [`http://s.test/${i + 1}`] : [];
};

redisTest(
  "RedisFrontier.next() pauses while Redis is stopped and goes on without losing or repeating URLs when it resumes",
  async ({ crawl }) => {
    await using server = await startRedisServer();
    const p = await proc(server.url, crawl, {
      seeds: ["http://s.test/0"],
      store: { redisTimeoutMs: 20_000, commandTimeoutMs: 200 },
    });
    try {
      let stoppedAt = 0;
      const won = await drain(p.frontier, next, (e) => {
        if (e.url !== "http://s.test/10") return;
        server.kill("SIGSTOP");
        stoppedAt = performance.now();
        setTimeout(() => server.kill("SIGCONT"), 1_200);
      });
      const paused = performance.now() - stoppedAt;
      assert.equal(won.length, 21);
      assert.equal(new Set(won.map((r) => r.url)).size, 21);
      assert.ok(paused >= 1_000, `paused ${paused} ms`);
      const warns = p.logs.filter((l) => l.level === "warn");
      assert.equal(warns.length, 1, JSON.stringify(warns));
      assert.match(
        warns[0].message,
        new RegExp(
          `^Redis at 127\\.0\\.0\\.1:${server.port} did not answer within 200 ms: pausing and retrying for up to 20 s$`,
        ),
      );
      assert.ok(p.logs.some((l) => /reachable again after/.test(l.message)));
      const st = await p.store.status();
      assert.equal(st.done, 21);
      assert.equal(st.finished, true);
    } finally {
      await p.close();
    }
  },
  { ownServer: true },
);

redisTest(
  "RedisFrontier.commit() rejects with a RedisUnavailableError saying Redis did not answer when it stays stopped past redisTimeoutMs, and a rerun resumes",
  async ({ crawl }) => {
    await using server = await startRedisServer();
    const options = {
      redisTimeoutMs: 1_000,
      commandTimeoutMs: 200,
      outbox: true,
    };
    const p = await proc(server.url, crawl, {
      seeds: ["http://t.test/0"],
      store: { ...options, worker: "w" },
    });
    let resumed;
    try {
      const first = await p.frontier.next(never);
      assert.ok(first);
      first.permit.release();
      await p.frontier.commit({
        page: { entry: first, result: result(first.url) },
        found: [{ url: "http://t.test/1", host: "t.test", depth: 1 }],
        settled: [],
      });
      const second = await p.frontier.next(never);
      assert.ok(second);
      server.kill("SIGSTOP");
      const t0 = performance.now();
      await assert.rejects(
        () => finish(p.frontier, second),
        (err) => {
          assert.ok(err instanceof RedisUnavailableError);
          assert.equal(err.silent, true);
          assert.equal(err.address, `127.0.0.1:${server.port}`);
          assert.equal(
            err.message,
            `Redis at 127.0.0.1:${server.port} did not answer for 1 s`,
          );
          return true;
        },
      );
      const waited = performance.now() - t0;
      assert.ok(waited >= 950 && waited < 5_000, `gave up after ${waited} ms`);
      await assert.rejects(() => p.frontier.next(never), RedisUnavailableError);
      server.kill("SIGCONT");
      // The same worker again: the first page is kept. The second page's
      // commit had reached the server before it stopped: it ran when the
      // server resumed, and the result waits in the worker's outbox; had it
      // not, the page (leased by the stopped run) would be handed out again
      // at once. Either way it comes out once.
      resumed = await proc(server.url, crawl, {
        seeds: ["http://t.test/0"],
        store: { ...options, worker: "w" },
      });
      const unwritten = (await resumed.store.unacknowledged()).map((r) => r.url)
        .filter((u) => u !== "http://t.test/0");
      const rest = await drain(resumed.frontier);
      assert.deepEqual(
        [...unwritten, ...rest.map((r) => r.url)],
        ["http://t.test/1"],
      );
      assert.equal((await resumed.store.status()).done, 2);
    } finally {
      server.kill("SIGCONT");
      await p.close();
      await resumed?.close();
    }
  },
  { ownServer: true },
);
