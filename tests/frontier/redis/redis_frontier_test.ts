// The Redis frontier against a real Redis (see tests/_support/redis_server.ts),
// between processes simulated by several stores on one crawl: dedupe and
// budget, exactly-once commits, lease expiry and give-back, per-host
// concurrency and rate, throttles, and the end of the crawl.
import assert from "node:assert/strict";
import { delay, systemClock } from "../../../src/concurrency/clock.ts";
import { redisTest } from "../../_support/redis_server.ts";
import {
  drain,
  entry,
  finish,
  never,
  proc,
  raw,
  result,
} from "./_processes.ts";

redisTest(
  "RedisFrontier.commit() queues each URL once and stops at the page budget",
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
  "RedisFrontier.open() settles a seed once across processes and restores the shared stats",
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
  "RedisFrontier.commit() emits a page once when two processes race for it",
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
  "RedisFrontier.next() hands a dead process's leased URLs to a survivor when the leases expire",
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
  "RedisFrontier.next() keeps per-host concurrency when two processes share a host",
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

redisTest(
  "RedisFrontier.next() spaces a host's URLs at its rate across three processes",
  async ({ url, crawl }) => {
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
  },
);

redisTest(
  "RedisFrontier.throttle() and limitHost() pause and slow a host for every process",
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
  "RedisFrontier.throttle() halves the shared rate in Redis as HostThrottle does locally, down to its minimum",
  async ({ url, crawl }) => {
    const p = await proc(url, crawl, {
      seeds: ["http://h.test/"],
      perHostRate: 10,
    });
    try {
      const rates: number[] = [];
      for (let i = 0; i < 8; i++) {
        // A pause of 0 ms: over by the next call, so each call halves.
        const now = systemClock.now();
        const local = p.frontier.throttle("h.test", now, now);
        assert.ok(local !== undefined, `call ${i} lowered the rate`);
        rates.push(local);
        await p.frontier.flush();
        const st = await p.store.status();
        assert.equal(st.hosts.find((h) => h.host === "h.test")?.rate, local);
        await delay(3);
      }
      assert.deepEqual(rates, [5, 2.5, 1.25, 0.625, 0.3125, 0.15625, 0.1, 0.1]);
    } finally {
      await p.close();
    }
  },
);

redisTest(
  "RedisFrontier.next() waits for other processes' leases before ending the crawl",
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
  "RedisFrontier.close() gives unfinished leases back to the frontier",
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
