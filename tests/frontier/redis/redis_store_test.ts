// The Redis frontier store against a real Redis (see tests/redis_server.ts):
// dedupe and budget, leases and exactly-once commits between processes
// (simulated by several stores), lease expiry, global politeness,
// termination, outages and the give-up error.
import assert from "node:assert/strict";
import { createClient } from "redis";
import { systemClock } from "../../../src/concurrency/clock.ts";
import type { CrawlResult } from "../../../src/crawler/result.ts";
import { type CrawlStats, emptyStats } from "../../../src/crawler/stats.ts";
import type {
  FrontierBatch,
  FrontierContext,
  FrontierEntry,
  ReadyEntry,
} from "../../../src/frontier/store.ts";
import type { LogRecord } from "../../../src/telemetry/log.ts";
import {
  type RedisFrontier,
  RedisStore,
  type RedisStoreOptions,
  RedisUnavailableError,
} from "../../../src/frontier/redis/redis_store.ts";
import { StateMismatchError } from "../../../src/frontier/state_errors.ts";
import { redisTest, startRedisServer } from "../../_support/redis_server.ts";

function entry(url: string, depth = 0): FrontierEntry {
  return { url, host: new URL(url).host, depth };
}

function result(url: string, extra: Partial<CrawlResult> = {}): CrawlResult {
  return {
    url,
    finalUrl: url,
    status: 200,
    depth: 0,
    links: 0,
    bytes: 10,
    attempts: 1,
    timings: { start: 0, ttfb: 0, total: 0 },
    trace: { traceId: "t", spanId: "s" },
    ...extra,
  };
}

interface Proc {
  store: RedisStore;
  frontier: RedisFrontier;
  logs: LogRecord[];
  stats: CrawlStats;
  close(): Promise<void>;
}

interface ProcOptions {
  seeds?: string[];
  settled?: CrawlResult[];
  settings?: Record<string, unknown>;
  mode?: FrontierContext["mode"];
  perHostConcurrency?: number;
  perHostRate?: number;
  maxAccepted?: number;
  store?: Partial<RedisStoreOptions>;
}

/** One simulated crawler process: a store and its opened frontier. */
async function proc(
  url: string,
  crawl: string,
  o: ProcOptions = {},
): Promise<Proc> {
  const store = new RedisStore({ url, crawl, ...o.store });
  const logs: LogRecord[] = [];
  const stats = emptyStats();
  const seeds = o.seeds ?? [];
  const frontier = store.createFrontier({
    seeds,
    settings: o.settings ?? { depth: 3 },
    mode: o.mode ?? "auto",
    perHostConcurrency: o.perHostConcurrency ?? 4,
    perHostRate: o.perHostRate ?? Infinity,
    maxAccepted: o.maxAccepted ?? Infinity,
    readySize: 16,
    clock: systemClock,
    spawn: () => {
      throw new Error("not used");
    },
    stats,
    onLog: (r) => logs.push(r),
  });
  try {
    await frontier.open(
      { found: seeds.map((s) => entry(s)), settled: o.settled ?? [] },
      new AbortController().signal,
    );
  } catch (err) {
    await frontier.close();
    await store.close();
    throw err;
  }
  return {
    store,
    frontier,
    logs,
    stats,
    close: async () => {
      await frontier.close();
      await store.close();
    },
  };
}

const never = new AbortController().signal;

/** Commits `e` as a finished page that found nothing. */
function finish(
  f: RedisFrontier,
  e: ReadyEntry,
): Promise<CrawlResult[]> {
  return f.commit({
    page: { entry: e, result: result(e.url) },
    found: [],
    settled: [],
  });
}

/** Takes entries until `next` says the crawl is over, committing each. */
async function drain(
  f: RedisFrontier,
  links: (url: string) => string[] = () => [],
  onEntry?: (e: ReadyEntry) => void | Promise<void>,
): Promise<CrawlResult[]> {
  const won: CrawlResult[] = [];
  for (;;) {
    const e = await f.next(never);
    if (!e) return won;
    await onEntry?.(e);
    e.permit.release();
    const batch: FrontierBatch = {
      page: { entry: e, result: result(e.url, { depth: e.depth }) },
      found: links(e.url).map((u) => entry(u, e.depth + 1)),
      settled: [],
    };
    won.push(...await f.commit(batch));
  }
}

/** A raw client for poking at the store's keys. */
async function raw(url: string) {
  const c = createClient({ url });
  c.on("error", () => {});
  await c.connect();
  return c;
}

redisTest(
  "RedisStore dedupes URLs and keeps the budget",
  async ({ url, crawl }) => {
    const base = "http://a.test";
    const p = await proc(url, crawl, {
      seeds: [`${base}/`, `${base}/`, `${base}/x`],
      maxAccepted: 4,
    });
    try {
      assert.equal(p.frontier.accepted, 2);
      assert.equal(p.frontier.has(`${base}/`), true);
      assert.equal(p.frontier.has(`${base}/nope`), false);
      const won = await drain(
        p.frontier,
        (u) =>
          u === `${base}/`
            ? [`${base}/x`, `${base}/y`, `${base}/y`, `${base}/z`, `${base}/w`]
            : [],
      );
      assert.deepEqual(won.map((r) => r.url).sort(), [
        `${base}/`,
        `${base}/x`,
        `${base}/y`,
        `${base}/z`,
      ]);
      assert.equal(p.frontier.accepted, 4);
      const st = await p.store.status();
      assert.equal(st.done, 4);
      assert.equal(st.accepted, 4);
      assert.equal(st.pending, 0);
      assert.equal(st.leased, 0);
      assert.equal(st.finished, true);
      assert.equal(st.byStatusClass["2xx"], 4);
      assert.equal(st.bytes, 40);
      assert.equal(st.hosts[0].done, 4);
      assert.equal(st.processes.length, 1);
      assert.equal(st.processes[0].done, 4);
    } finally {
      await p.close();
    }
  },
);

redisTest(
  "RedisStore settles seeds once across processes and restores stats",
  async ({ url, crawl }) => {
    const skipped = result("http://a.test/file.pdf", {
      status: 0,
      skipped: "extension",
      bytes: 0,
    });
    const a = await proc(url, crawl, {
      seeds: ["http://a.test/"],
      settled: [skipped],
      store: { worker: "a" },
    });
    try {
      const b = await proc(url, crawl, {
        seeds: ["http://a.test/"],
        settled: [skipped],
        mode: "resume",
        store: { worker: "b" },
      });
      try {
        assert.equal(b.stats.done, 1);
        assert.equal(b.stats.skipped.extension, 1);
        assert.equal(b.stats.accepted, 2);
        assert.equal(b.frontier.accepted, 2);
        // The seed is queued once: one process gets it, the other sees the end.
        const [ra, rb] = await Promise.all([
          drain(a.frontier),
          drain(b.frontier),
        ]);
        assert.equal(ra.length + rb.length, 1);
      } finally {
        await b.close();
      }
    } finally {
      await a.close();
    }
  },
);

redisTest(
  "RedisStore commits a page exactly once when two processes race",
  async ({ url, crawl }) => {
    const a = await proc(url, crawl, {
      seeds: ["http://a.test/p"],
      store: { worker: "a", outbox: true },
    });
    const b = await proc(url, crawl, {
      mode: "resume",
      store: { worker: "b", outbox: true },
    });
    const r = await raw(url);
    try {
      const ea = await a.frontier.next(never);
      assert.equal(ea?.url, "http://a.test/p");
      // a stalls past its lease: expire it by hand, b takes the URL over.
      await r.sendCommand([
        "EVAL",
        "for _, m in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do redis.call('ZADD', KEYS[1], 0, m) end",
        "1",
        `${a.store.prefix}leases`,
      ]);
      const eb = await b.frontier.next(never);
      assert.equal(eb?.url, "http://a.test/p");
      assert.ok(b.logs.some((l) => /expired leases/.test(l.message)));
      eb!.permit.release();
      const wonB = await finish(b.frontier, eb!);
      ea!.permit.release();
      const wonA = await a.frontier.commit({
        page: { entry: ea!, result: result(ea!.url) },
        found: [entry("http://a.test/q")],
        settled: [],
      });
      assert.equal(wonB.length, 1);
      assert.equal(wonA.length, 0);
      // The loser's links still count.
      const rest = await Promise.all([drain(a.frontier), drain(b.frontier)]);
      assert.equal(rest[0].length + rest[1].length, 1);
      const st = await a.store.status();
      assert.equal(st.done, 2);
      assert.equal(st.finished, true);
      // Outboxes hold what each won until acknowledged.
      const outA = await a.store.unacknowledged();
      const outB = await b.store.unacknowledged();
      assert.equal(outA.length + outB.length, 2);
      assert.ok(outB.some((x) => x.url === "http://a.test/p"));
      await b.store.acknowledge(outB.map((x) => x.url));
      assert.equal((await b.store.unacknowledged()).length, 0);
      await assert.rejects(() => b.store.adopt("a"), /it is alive/);
    } finally {
      await r.close();
      await a.close();
      await b.close();
    }
  },
);

redisTest(
  "RedisStore returns a dead process's leased URLs to the frontier",
  async ({ url, crawl }) => {
    const a = await proc(url, crawl, {
      seeds: ["http://a.test/1", "http://a.test/2"],
      store: { worker: "a", leaseMs: 300, outbox: true },
    });
    const b = await proc(url, crawl, {
      mode: "resume",
      store: { worker: "b", leaseMs: 300 },
    });
    try {
      const e1 = await a.frontier.next(never);
      assert.ok(e1);
      const won = await finish(a.frontier, e1);
      assert.equal(won.length, 1);
      const e2 = await a.frontier.next(never);
      assert.ok(e2);
      // kill -9: the connection goes, no heartbeat, no give-back.
      await a.store.close();
      await a.frontier.close();
      const got = await drain(b.frontier);
      assert.deepEqual(got.map((r) => r.url), [e2.url]);
      const st = await b.store.status();
      assert.equal(st.done, 2);
      const dead = st.processes.find((w) => w.id === "a")!;
      assert.equal(dead.alive, false);
      assert.equal(dead.unacknowledged, 1);
      const adopted = await b.store.adopt("a");
      assert.deepEqual(adopted.results.map((r) => r.url), [e1.url]);
      assert.equal((await b.store.unacknowledged()).length, 1);
    } finally {
      await a.close();
      await b.close();
    }
  },
);

redisTest(
  "RedisStore: a worker stays alive (its outbox not adoptable) after its frontier closes, until its store closes",
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
  "RedisStore keeps per-host concurrency across processes",
  async ({ url, crawl }) => {
    const seeds = ["http://a.test/1", "http://a.test/2", "http://b.test/1"];
    const a = await proc(url, crawl, { seeds, perHostConcurrency: 1 });
    const b = await proc(url, crawl, { mode: "resume", perHostConcurrency: 1 });
    try {
      const ea = await a.frontier.next(never);
      const eb = await b.frontier.next(never);
      assert.ok(ea && eb);
      assert.notEqual(ea.host, eb.host);
      // Both hosts are busy: nothing else may go out until a slot is freed.
      const timeout = AbortSignal.timeout(300);
      await assert.rejects(
        () => b.frontier.next(timeout),
        (e) => e === timeout.reason,
      );
      const waiting = b.frontier.next(never);
      const aHost = ea.host === "a.test" ? ea : eb;
      const owner = aHost === ea ? a : b;
      aHost.permit.release();
      await owner.frontier.flush();
      const e3 = await waiting;
      assert.equal(e3?.host, "a.test");
      for (const [f, e] of [[a, ea], [b, eb]] as const) {
        await finish(f.frontier, e);
      }
      e3.permit.release();
      await finish(b.frontier, e3);
      assert.equal(await a.frontier.next(never), undefined);
      assert.equal(await b.frontier.next(never), undefined);
    } finally {
      await a.close();
      await b.close();
    }
  },
);

redisTest("RedisStore rate limits a host globally", async ({ url, crawl }) => {
  const rate = 50;
  const n = 40;
  const seeds = Array.from({ length: n }, (_, i) => `http://r.test/${i}`);
  const procs = [
    await proc(url, crawl, {
      seeds,
      perHostRate: rate,
      perHostConcurrency: 10,
    }),
    await proc(url, crawl, {
      mode: "resume",
      perHostRate: rate,
      perHostConcurrency: 10,
    }),
    await proc(url, crawl, {
      mode: "resume",
      perHostRate: rate,
      perHostConcurrency: 10,
    }),
  ];
  const r = await raw(url);
  try {
    const time = async () => {
      const [s, us] = await r.sendCommand(["TIME"]) as string[];
      return Number(s) * 1000 + Number(us) / 1000;
    };
    const start = await time();
    const counts = await Promise.all(procs.map((p) => drain(p.frontier)));
    const elapsed = await time() - start;
    assert.equal(counts.reduce((a, c) => a + c.length, 0), n);
    // With a burst of 1, n requests take at least (n - 1) intervals.
    assert.ok(
      elapsed >= (n - 1) * 1000 / rate - 2,
      `${n} requests in ${elapsed} ms at ${rate}/s`,
    );
  } finally {
    await r.close();
    for (const p of procs) await p.close();
  }
});

redisTest(
  "RedisStore throttle and limitHost apply to every process",
  async ({ url, crawl }) => {
    const a = await proc(url, crawl, {
      seeds: ["http://t.test/1", "http://t.test/2"],
    });
    const b = await proc(url, crawl, { mode: "resume" });
    const r = await raw(url);
    try {
      const now = systemClock.now();
      assert.equal(a.frontier.throttle("t.test", now + 300, now), 4);
      assert.equal(a.frontier.throttle("t.test", now + 400, now), undefined);
      a.frontier.limitHost("t.test", 1);
      await a.frontier.flush();
      const st = await a.store.status();
      const host = st.hosts.find((h) => h.host === "t.test")!;
      assert.equal(host.rate, 1);
      assert.ok(
        host.pausedUntil !== undefined && host.pausedUntil >= st.now + 250,
      );
      const e = await b.frontier.next(never);
      const [s] = await r.sendCommand(["TIME"]) as string[];
      assert.ok(e);
      assert.ok(
        Number(s) * 1000 + 1000 >= host.pausedUntil!,
        "paused host was served early",
      );
      e.permit.release();
      await finish(b.frontier, e);
    } finally {
      await r.close();
      await a.close();
      await b.close();
    }
  },
);

redisTest(
  "RedisStore waits for other processes' leases before ending",
  async ({ url, crawl }) => {
    const a = await proc(url, crawl, { seeds: ["http://w.test/"] });
    const b = await proc(url, crawl, { mode: "resume" });
    try {
      const e = await a.frontier.next(never);
      assert.ok(e);
      let ended = false;
      const bNext = b.frontier.next(never).then((x) => {
        ended = true;
        return x;
      });
      await new Promise((r) => setTimeout(r, 150));
      assert.equal(ended, false);
      e.permit.release();
      await a.frontier.commit({
        page: { entry: e, result: result(e.url) },
        found: [entry("http://w.test/next")],
        settled: [],
      });
      const got = await bNext;
      assert.equal(got?.url, "http://w.test/next");
      got.permit.release();
      await finish(b.frontier, got);
      assert.equal(await a.frontier.next(never), undefined);
      assert.equal(await b.frontier.next(never), undefined);
    } finally {
      await a.close();
      await b.close();
    }
  },
);

redisTest(
  "RedisStore gives unfinished leases back on close",
  async ({ url, crawl }) => {
    const a = await proc(url, crawl, { seeds: ["http://g.test/1"] });
    const e = await a.frontier.next(never);
    assert.ok(e);
    await a.close();
    assert.ok(a.logs.some((l) => /gave 1 unfinished/.test(l.message)));
    const b = await proc(url, crawl, { mode: "resume" });
    try {
      assert.deepEqual((await drain(b.frontier)).map((r) => r.url), [e.url]);
      const st = await b.store.status();
      assert.equal(
        st.processes.find((w) => w.id !== b.store.worker)?.alive,
        false,
      );
    } finally {
      await b.close();
    }
  },
);

redisTest(
  "RedisStore modes: auto refuses other seeds or settings, resume and fresh",
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

redisTest("RedisStore keeps robots records", async ({ url, crawl }) => {
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
});

redisTest(
  "RedisStore rides out a Redis restart without losing or repeating URLs",
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
  "RedisStore gives up with RedisUnavailableError",
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

Deno.test("RedisStore validates its options", () => {
  assert.throws(
    () => new RedisStore({ url: "http://x", crawl: "a" }),
    /'url' must be a redis:\/\/ URL/,
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
});
