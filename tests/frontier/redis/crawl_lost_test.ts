// A Redis that lost the crawl (flushed, or restarted without persistence)
// or holds a new crawl of the same name is noticed by every script, which
// checks the crawl's id: the processes stop with a CrawlLostError instead
// of crawling again from scratch and writing pages twice. A worker whose
// output holds results asks that the crawl exist (mustExist).
import assert from "node:assert/strict";
import { CrawlLostError } from "../../../src/frontier/redis/redis_store.ts";
import { redisTest } from "../../_support/redis_server.ts";
import { drain, finish, never, proc, raw } from "./_processes.ts";

/** Every page of `http://l.test/` links to two more, 40 in all. */
const tree = (u: string) => {
  const i = Number(u.split("/").pop() || 0);
  return [2 * i + 1, 2 * i + 2].filter((c) => c < 40).map((c) =>
    `http://l.test/${c}`
  );
};

redisTest(
  "RedisFrontier.commit() and next() reject with CrawlLostError when Redis loses the crawl midway, in every process",
  async ({ url, crawl }) => {
    const a = await proc(url, crawl, {
      seeds: ["http://l.test/0"],
      store: { worker: "a" },
    });
    const b = await proc(url, crawl, {
      seeds: ["http://l.test/0"],
      store: { worker: "b" },
    });
    const r = await raw(url);
    try {
      let done = 0;
      const lost = (err: unknown) => {
        assert.ok(err instanceof CrawlLostError, String(err));
        assert.equal(err.name, "CrawlLostError");
        assert.equal(err.reason, "gone");
        assert.equal(err.crawl, crawl);
        assert.match(
          err.message,
          new RegExp(
            `crawl '${crawl}' is gone \\(flushed, dropped, or Redis restarted without persistence\\); stopping so that no page is fetched and written twice`,
          ),
        );
        return true;
      };
      await assert.rejects(
        () =>
          drain(a.frontier, tree, async () => {
            // The keys go midway, as with FLUSHDB or a restart without
            // persistence.
            if (++done === 10) await r.sendCommand(["FLUSHDB"]);
          }),
        lost,
      );
      await assert.rejects(() => drain(b.frontier, tree), lost);
      // Nothing was created again.
      assert.deepEqual(
        await r.sendCommand(["KEYS", `trawl:{${crawl}}:*`]),
        [],
      );
    } finally {
      await r.close();
      await a.close();
      await b.close();
    }
  },
);

redisTest(
  "RedisFrontier.commit() rejects with CrawlLostError 'replaced' when another process starts the crawl over",
  async ({ url, crawl }) => {
    const a = await proc(url, crawl, { seeds: ["http://l.test/0"] });
    try {
      const e = await a.frontier.next(never);
      assert.ok(e);
      const fresh = await proc(url, crawl, {
        seeds: ["http://l.test/0"],
        mode: "fresh",
      });
      await fresh.close();
      await assert.rejects(
        () => finish(a.frontier, e),
        (err) => err instanceof CrawlLostError && err.reason === "replaced",
      );
    } finally {
      await a.close();
    }
  },
);

redisTest(
  "RedisFrontier.open() rejects with CrawlLostError 'missing' when mustExist is set and the crawl does not exist, unless the mode is fresh",
  async ({ url, crawl }) => {
    await assert.rejects(
      () =>
        proc(url, crawl, {
          seeds: ["http://l.test/0"],
          store: { mustExist: true },
        }),
      (err) => {
        assert.ok(err instanceof CrawlLostError);
        assert.equal(err.reason, "missing");
        assert.match(
          err.message,
          /does not exist, though this worker's output holds results/,
        );
        return true;
      },
    );
    const r = await raw(url);
    try {
      assert.deepEqual(await r.sendCommand(["KEYS", `trawl:{${crawl}}:*`]), []);
    } finally {
      await r.close();
    }
    const fresh = await proc(url, crawl, {
      seeds: ["http://l.test/0"],
      mode: "fresh",
      store: { mustExist: true },
    });
    await fresh.close();
    const again = await proc(url, crawl, {
      seeds: ["http://l.test/0"],
      store: { mustExist: true },
    });
    try {
      assert.equal((await drain(again.frontier)).length, 1);
    } finally {
      await again.close();
    }
  },
);
