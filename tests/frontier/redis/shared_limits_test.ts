// What the processes of a shared crawl share beyond the frontier: the
// per-host page budget and the query-variant counts (counted in Redis for
// every process together), the per-host keys (gone once a host is done),
// claims that are safe to retry, and a restarted worker taking back the
// leases its last run left.
import assert from "node:assert/strict";
import type { CrawlResult } from "../../../src/crawler/result.ts";
import { CLAIM } from "../../../src/frontier/redis/lease_scripts.ts";
import type { FrontierEntry } from "../../../src/frontier/store.ts";
import { redisTest } from "../../_support/redis_server.ts";
import { drain, entry, never, proc, raw, result } from "./_processes.ts";

/** The result the crawler reports for a URL a shared limit refuses. */
function refuse(e: FrontierEntry, reason: "budget" | "query-variants") {
  return result(e.url, { status: 0, bytes: 0, attempts: 0, skipped: reason });
}

/** What three processes drained, all together. */
async function drainAll(
  procs: { frontier: Parameters<typeof drain>[0] }[],
  links: (url: string) => string[],
): Promise<CrawlResult[]> {
  const all = await Promise.all(procs.map((p) => drain(p.frontier, links)));
  return all.flat();
}

redisTest(
  "RedisFrontier.commit() keeps three processes within maxPagesPerHost together and reports each refused URL once",
  async ({ url, crawl }) => {
    // Every page of h.test links to 5 more: far more than the budget of 12.
    const links = (u: string) => {
      const i = Number(u.split("/").pop());
      return [1, 2, 3, 4, 5].map((k) => `http://h.test/${5 * i + k}`).concat(
        i === 0 ? ["http://other.test/0"] : [],
      );
    };
    const context = { maxPagesPerHost: 12, refuse };
    const procs = [];
    for (const w of ["a", "b", "c"]) {
      procs.push(
        await proc(url, crawl, {
          seeds: ["http://h.test/0"],
          // The page budget ends the crawl even if the host's did not.
          maxAccepted: 200,
          store: { worker: w },
          context,
        }),
      );
    }
    try {
      const results = await drainAll(procs, links);
      const urls = results.map((r) => r.url);
      assert.equal(new Set(urls).size, urls.length, "each result once");
      const fetched = results.filter((r) => r.status === 200);
      const onH = fetched.filter((r) => r.url.startsWith("http://h.test/"));
      assert.equal(onH.length, 12, "h.test's budget, for all three together");
      assert.ok(fetched.some((r) => r.url === "http://other.test/0"));
      const refused = results.filter((r) => r.skipped === "budget");
      assert.ok(refused.length >= 5, `${refused.length} refused`);
      const st = await procs[0].store.status();
      assert.equal(st.skipped.budget, refused.length);
      assert.equal(st.done, results.length);
      assert.equal(st.finished, true);
    } finally {
      for (const p of procs) await p.close();
    }
  },
);

redisTest(
  "RedisFrontier.commit() keeps two processes within maxQueryVariants of a path together",
  async ({ url, crawl }) => {
    const links = (u: string) =>
      u === "http://q.test/"
        ? Array.from({ length: 10 }, (_, i) => `http://q.test/cal?m=${i}`)
        : u.includes("?")
        ? Array.from({ length: 10 }, (_, i) => `http://q.test/cal?m=${i + 10}`)
          .concat(["http://q.test/cal", "http://q.test/other?m=1"])
        : [];
    const context = { maxQueryVariants: 4, refuse };
    const a = await proc(url, crawl, {
      seeds: ["http://q.test/"],
      store: { worker: "a" },
      context,
    });
    const b = await proc(url, crawl, {
      seeds: ["http://q.test/"],
      store: { worker: "b" },
      context,
    });
    try {
      const results = await drainAll([a, b], links);
      const fetched = results.filter((r) => r.status === 200).map((r) => r.url);
      assert.equal(
        fetched.filter((u) => u.startsWith("http://q.test/cal?")).length,
        4,
      );
      assert.ok(fetched.includes("http://q.test/cal"), "the bare path");
      assert.ok(fetched.includes("http://q.test/other?m=1"), "another path");
      assert.equal(
        results.filter((r) => r.skipped === "query-variants").length,
        16,
      );
    } finally {
      await a.close();
      await b.close();
    }
  },
);

redisTest(
  "RedisFrontier removes a host's h:HOST key once it is done, lets it expire while its next request time is ahead, and keeps a lowered rate",
  async ({ url, crawl }) => {
    const r = await raw(url);
    const p = await proc(url, crawl, {
      seeds: ["http://k.test/", "http://rated.test/", "http://slow.test/"],
      perHostRate: 2,
    });
    try {
      p.frontier.limitHost("slow.test", 1);
      await p.frontier.flush();
      const key = (host: string) => `${p.store.prefix}h:${host}`;
      await drain(p.frontier, () => []);
      // k.test and rated.test: their next request time is up to 500 ms ahead
      // (2 per second), so their keys expire then.
      for (const host of ["k.test", "rated.test"]) {
        const ttl = Number(await r.sendCommand(["PTTL", key(host)]));
        assert.ok(ttl === -2 || (ttl > 0 && ttl <= 500), `${host}: ${ttl}`);
      }
      // slow.test had its rate lowered (Crawl-delay): kept, without expiry.
      assert.equal(Number(await r.sendCommand(["PTTL", key("slow.test")])), -1);
      await new Promise((resolve) => setTimeout(resolve, 600));
      const left = await r.sendCommand(["KEYS", `${p.store.prefix}h:*`]);
      assert.deepEqual(left, [key("slow.test")]);
    } finally {
      await r.close();
      await p.close();
    }
  },
);

redisTest(
  "RedisFrontier.commit() deletes h:HOST at once when the host has no rate, and a host that comes back starts afresh",
  async ({ url, crawl }) => {
    const r = await raw(url);
    const p = await proc(url, crawl, { seeds: ["http://k.test/a"] });
    try {
      await drain(
        p.frontier,
        (u) => u.endsWith("/a") ? ["http://k.test/b"] : [],
      );
      assert.deepEqual(
        await r.sendCommand(["KEYS", `${p.store.prefix}h:*`]),
        [],
      );
      assert.deepEqual(
        await r.sendCommand(["KEYS", `${p.store.prefix}q:*`]),
        [],
      );
      // Another process finds one more URL on the host: it is claimed as
      // on a new host.
      const b = await proc(url, crawl, { mode: "resume" });
      try {
        await b.frontier.commit({
          found: [entry("http://k.test/c")],
          settled: [],
        });
        const e = await b.frontier.next(never);
        assert.equal(e?.url, "http://k.test/c");
        assert.equal(
          await r.sendCommand(["HGET", `${p.store.prefix}h:k.test`, "n"]),
          "1",
        );
      } finally {
        await b.close();
      }
    } finally {
      await r.close();
      await p.close();
    }
  },
);

redisTest(
  "CLAIM returns the same entries when run again with the same token, leasing nothing more",
  async ({ url, crawl }) => {
    const p = await proc(url, crawl, {
      seeds: ["http://c.test/1", "http://c.test/2", "http://c.test/3"],
      store: { worker: "w" },
    });
    const r = await raw(url);
    try {
      const id = await r.sendCommand(["HGET", `${p.store.prefix}meta`, "id"]);
      const claim = (token: string, want: number) =>
        r.sendCommand([
          "EVAL",
          CLAIM.source,
          "1",
          `${p.store.prefix}meta`,
          p.store.prefix,
          String(id),
          "w",
          String(want),
          "8",
          "0",
          "30000",
          "16",
          token,
          "",
        ]) as Promise<(string | number)[]>;
      const first = await claim("t1", 2);
      const again = await claim("t1", 3);
      assert.equal(first.length, 8);
      assert.deepEqual(again.slice(6), first.slice(6));
      assert.equal(again[1], 2, "two leased, not four");
      const third = await claim("t2", 2);
      assert.equal(third.length, 7, "the one left");
    } finally {
      await r.close();
      await p.close();
    }
  },
);

redisTest(
  "RedisFrontier.open() gives back at once the URLs its worker id leased in a run that stopped without giving them back",
  async ({ url, crawl }) => {
    const options = { worker: "same", leaseMs: 60_000 };
    const first = await proc(url, crawl, {
      seeds: ["http://o.test/1"],
      store: options,
    });
    const e = await first.frontier.next(never);
    assert.ok(e);
    // The first run dies: its store's connection goes, nothing is given back.
    await first.store.close();
    const second = await proc(url, crawl, {
      seeds: ["http://o.test/1"],
      store: options,
    });
    try {
      assert.ok(
        second.logs.some((l) =>
          /returned 1 URL\(s\) leased by this worker's last run/.test(l.message)
        ),
      );
      const t0 = performance.now();
      assert.deepEqual((await drain(second.frontier)).map((x) => x.url), [
        e.url,
      ]);
      assert.ok(performance.now() - t0 < 5_000);
    } finally {
      await second.close();
      await first.frontier.close().catch(() => {});
    }
  },
);
