import assert from "node:assert/strict";
import {
  RobotsCache,
  type RobotsCacheOptions,
} from "../../src/robots/robots_cache.ts";
import { FakeClock } from "../../src/concurrency/fake_clock.ts";
import { delay } from "../../src/concurrency/clock.ts";
import { serve } from "../_support/serve.ts";
import { cache, text } from "./_helpers.ts";

Deno.test("RobotsCache.get() applies the rules of a 200 robots.txt", async () => {
  await using s = serve(() =>
    text(
      "User-agent: *\nDisallow: /private\nCrawl-delay: 2\n" +
        "User-agent: trawl\nDisallow: /t\nCrawl-delay: 7\nSitemap: /s.xml\n",
    )
  );
  const c = cache();
  const p = await c.get(`${s.origin}/some/page?x=1`);
  assert.equal(p.origin, s.origin);
  assert.equal(p.outcome, "rules");
  assert.equal(p.status, 200);
  assert.ok(p.rules);
  assert.equal(p.isAllowed(`${s.origin}/t/1`), false);
  assert.equal(p.isAllowed(`${s.origin}/private`), true); // trawl's own group
  assert.equal(p.crawlDelay(), 7);
  assert.deepEqual(p.sitemaps, ["/s.xml"]);
  assert.equal(p.retryAt, undefined);
  assert.equal(s.hits("/robots.txt"), 1);
});

Deno.test("RobotsCache.get() allows all and caches it when robots.txt is a 4xx other than 429", async () => {
  for (const status of [400, 401, 403, 404, 410]) {
    await using s = serve(() =>
      text("User-agent: *\nDisallow: /\n", { status })
    );
    const c = cache();
    const p = await c.get(`${s.origin}/a`);
    assert.equal(p.outcome, "allow-all", String(status));
    assert.equal(p.status, status);
    assert.equal(p.isAllowed(`${s.origin}/anything`), true);
    assert.equal(p.crawlDelay(), undefined);
    assert.equal((await c.get(`${s.origin}/b`)).outcome, "allow-all");
    assert.equal(s.hits("/robots.txt"), 1);
  }
});

Deno.test("RobotsCache.get() disallows all, backs off and refetches when robots.txt is a 5xx", async () => {
  const clock = new FakeClock();
  let status = 500;
  await using s = serve(() =>
    status === 200
      ? text("User-agent: *\nDisallow: /x\n")
      : text("oops", { status })
  );
  const c = cache({ clock });
  const p1 = await c.get(s.origin);
  assert.equal(p1.outcome, "disallow-all");
  assert.equal(p1.status, 500);
  assert.equal(p1.error?.name, "HttpError");
  assert.equal(p1.retryAt, 300_000);
  assert.equal(p1.isAllowed(`${s.origin}/page`), false);
  assert.equal(p1.isAllowed(`${s.origin}/robots.txt`), true);

  await clock.tick(299_999);
  assert.equal(await c.get(s.origin), p1, "cached during the backoff");
  assert.equal(s.hits("/robots.txt"), 1);

  // Second failure: the backoff doubles.
  status = 503;
  await clock.tick(1);
  const p2 = await c.get(s.origin);
  assert.equal(p2.outcome, "disallow-all");
  assert.equal(p2.status, 503);
  assert.equal(p2.retryAt, 300_000 + 600_000);
  assert.equal(s.hits("/robots.txt"), 2);

  status = 200;
  await clock.tick(599_999);
  assert.equal((await c.get(s.origin)).outcome, "disallow-all");
  await clock.tick(1);
  const p3 = await c.get(s.origin);
  assert.equal(p3.outcome, "rules");
  assert.equal(p3.isAllowed(`${s.origin}/page`), true);
  assert.equal(p3.isAllowed(`${s.origin}/x`), false);
  assert.equal(s.hits("/robots.txt"), 3);
});

Deno.test("RobotsCache.get() caps the backoff at maxBackoffMs", async () => {
  const clock = new FakeClock();
  await using s = serve(() => text("", { status: 502 }));
  const c = cache({ clock, backoffMs: 1000, maxBackoffMs: 3000 });
  const waits: number[] = [];
  for (let i = 0; i < 4; i++) {
    const p = await c.get(s.origin);
    waits.push(p.retryAt! - clock.now());
    await clock.tick(p.retryAt! - clock.now());
  }
  assert.deepEqual(waits, [1000, 2000, 3000, 3000]);
});

Deno.test("RobotsCache.get() honours Retry-After seconds when robots.txt is a 429", async () => {
  const clock = new FakeClock();
  await using s = serve(() =>
    text("slow down", { status: 429, headers: { "retry-after": "600" } })
  );
  const c = cache({ clock });
  const p = await c.get(s.origin);
  assert.equal(p.outcome, "disallow-all");
  assert.equal(p.status, 429);
  assert.equal(p.retryAt, 600_000);
  await clock.tick(300_000); // the plain backoff would refetch here
  await c.get(s.origin);
  assert.equal(s.hits("/robots.txt"), 1);
  await clock.tick(300_000);
  await c.get(s.origin);
  assert.equal(s.hits("/robots.txt"), 2);
});

Deno.test("RobotsCache.get() honours a Retry-After HTTP-date when robots.txt is a 503", async () => {
  const clock = new FakeClock();
  const now = Date.UTC(2025, 0, 1, 12, 0, 0);
  await using s = serve(() =>
    text("", {
      status: 503,
      headers: {
        date: new Date(now).toUTCString(),
        "retry-after": new Date(now + 900_000).toUTCString(),
      },
    })
  );
  const p = await cache({ clock }).get(s.origin);
  assert.equal(p.outcome, "disallow-all");
  assert.equal(p.retryAt, 900_000);
});

Deno.test("RobotsCache.get() keeps the last good copy when a refetch fails", async () => {
  const clock = new FakeClock();
  let up = true;
  await using s = serve(() =>
    up ? text("User-agent: *\nDisallow: /old\n") : text("", { status: 500 })
  );
  const c = cache({ clock, ttlMs: 1000, staleMs: 10_000 });
  assert.equal((await c.get(s.origin)).outcome, "rules");
  up = false;
  await clock.tick(1000);
  const stale = await c.get(s.origin);
  assert.equal(stale.outcome, "rules");
  assert.equal(stale.stale, true);
  assert.equal(stale.error?.name, "HttpError");
  assert.equal(stale.retryAt, 1000 + 300_000);
  assert.equal(stale.isAllowed(`${s.origin}/old`), false);
  assert.equal(stale.isAllowed(`${s.origin}/new`), true);
  // Past staleMs the good copy is dropped: disallow-all.
  await clock.tick(300_000);
  const gone = await c.get(s.origin);
  assert.equal(gone.outcome, "disallow-all");
  assert.equal(gone.isAllowed(`${s.origin}/new`), false);
});

Deno.test("RobotsCache.get() refetches and picks up changes when ttlMs has passed", async () => {
  const clock = new FakeClock();
  let body = "User-agent: *\nDisallow: /a\n";
  await using s = serve(() => text(body));
  const c = cache({ clock, ttlMs: 86_400_000 });
  const p1 = await c.get(s.origin);
  assert.equal(p1.isAllowed(`${s.origin}/a`), false);
  body = "User-agent: *\nDisallow: /b\n";
  await clock.tick(86_399_999);
  assert.equal(await c.get(s.origin), p1);
  await clock.tick(1);
  const p2 = await c.get(s.origin);
  assert.equal(p2.isAllowed(`${s.origin}/a`), true);
  assert.equal(p2.isAllowed(`${s.origin}/b`), false);
  assert.equal(s.hits("/robots.txt"), 2);
  assert.deepEqual(c.stats, {
    requests: 2,
    hits: 1,
    joined: 0,
    fetches: 2,
    loaded: 0,
  });
});

Deno.test("RobotsCache.get() fetches robots.txt once when callers race", async () => {
  let release!: () => void;
  const gate = new Promise<void>((r) => release = r);
  await using s = serve(async () => {
    await gate;
    return text("User-agent: *\nDisallow: /x\n");
  });
  const c = cache();
  const all = Promise.all(
    Array.from({ length: 50 }, (_, i) => c.get(`${s.origin}/p${i}`)),
  );
  while (s.hits("/robots.txt") === 0) await delay(5);
  release();
  const policies = await all;
  assert.equal(s.hits("/robots.txt"), 1);
  assert.ok(policies.every((p) => p === policies[0]));
  assert.equal(c.stats.joined, 49);
});

Deno.test("RobotsCache.get() leaves the shared fetch to the others when one caller aborts", async () => {
  let release!: () => void;
  const gate = new Promise<void>((r) => release = r);
  await using s = serve(async () => {
    await gate;
    return text("User-agent: *\nDisallow: /x\n");
  });
  const c = cache();
  const ac = new AbortController();
  const a = c.get(s.origin, { signal: ac.signal });
  const b = c.get(s.origin);
  while (s.hits("/robots.txt") === 0) await delay(5);
  const reason = new Error("gone");
  ac.abort(reason);
  await assert.rejects(a, (err) => err === reason);
  release();
  assert.equal((await b).outcome, "rules");
  assert.equal(s.hits("/robots.txt"), 1);
});

Deno.test("RobotsCache.get() aborts the fetch and caches nothing when every caller aborts", async () => {
  let aborted = false;
  let calls = 0;
  const c = cache({
    fetch: (_input, init) => {
      calls++;
      if (calls > 1) {
        return Promise.resolve(text("User-agent: *\nDisallow: /\n"));
      }
      return new Promise((_resolve, reject) => {
        init!.signal!.addEventListener("abort", () => {
          aborted = true;
          reject(init!.signal!.reason);
        });
      });
    },
  });
  const a1 = new AbortController();
  const a2 = new AbortController();
  const p1 = c.get("https://stub.test/", { signal: a1.signal });
  const p2 = c.get("https://stub.test/", { signal: a2.signal });
  await delay(0);
  a1.abort(new Error("one"));
  await assert.rejects(p1, /one/);
  assert.equal(aborted, false);
  a2.abort(new Error("two"));
  await assert.rejects(p2, /two/);
  assert.equal(aborted, true);
  assert.equal(c.size, 0);
  const again = await c.get("https://stub.test/");
  assert.equal(again.outcome, "rules");
  assert.equal(calls, 2);
  // An already-aborted signal rejects at once.
  const reason = new Error("early");
  await assert.rejects(
    c.get("https://stub.test/", { signal: AbortSignal.abort(reason) }),
    (err) => err === reason,
  );
});

Deno.test("RobotsCache.get() evicts the least recently used origin past maxEntries", async () => {
  const fetched: string[] = [];
  const c = cache({
    maxEntries: 2,
    fetch: (input) => {
      fetched.push(new URL(String(input)).host);
      return Promise.resolve(text(""));
    },
  });
  await c.get("https://a.test/");
  await c.get("https://b.test/");
  await c.get("https://a.test/"); // a is now the most recent
  await c.get("https://c.test/"); // evicts b
  assert.equal(c.size, 2);
  await c.get("https://a.test/");
  await c.get("https://b.test/");
  assert.deepEqual(fetched, ["a.test", "b.test", "c.test", "b.test"]);
});

Deno.test("RobotsCache.get() keys the cache by origin: scheme, host case and port", async () => {
  const fetched: string[] = [];
  const c = cache({
    fetch: (input) => {
      fetched.push(String(input));
      return Promise.resolve(text(""));
    },
  });
  await c.get("https://A.test/x");
  await c.get("https://a.test:443/y");
  await c.get("http://a.test/");
  await c.get("https://a.test:8443/");
  assert.deepEqual(fetched, [
    "https://a.test/robots.txt",
    "http://a.test/robots.txt",
    "https://a.test:8443/robots.txt",
  ]);
});

Deno.test("RobotsCache.sitemaps() lists every origin's sitemaps, deduplicated and bounded", async () => {
  const c = cache({
    maxSitemaps: 3,
    fetch: (input) => {
      const host = new URL(String(input)).host;
      return Promise.resolve(
        text(
          `Sitemap: https://${host}/s.xml\nSitemap: https://shared.test/s.xml\n`,
        ),
      );
    },
  });
  await c.get("https://a.test/");
  await c.get("https://b.test/");
  await c.get("https://c.test/");
  assert.deepEqual(c.sitemaps(), [
    "https://a.test/s.xml",
    "https://shared.test/s.xml",
    "https://b.test/s.xml",
  ]);
});

Deno.test("RobotsCache.get() logs fetch outcomes", async () => {
  const records: Record<string, unknown>[] = [];
  const c = cache({
    onLog: (r) => records.push(r),
    fetch: () => Promise.resolve(text("", { status: 500 })),
  });
  await c.get("https://a.test/");
  assert.equal(records.length, 1);
  assert.equal(records[0].level, "warn");
  assert.equal(records[0].url, "https://a.test/robots.txt");
  assert.equal(records[0].outcome, "disallow-all");
});

Deno.test("RobotsCache.clear() aborts fetches in flight", async () => {
  const c = cache({
    fetch: (_input, init) =>
      new Promise((_resolve, reject) =>
        init!.signal!.addEventListener(
          "abort",
          () => reject(init!.signal!.reason),
        )
      ),
  });
  const p = c.get("https://a.test/");
  await delay(0);
  c[Symbol.dispose]();
  await assert.rejects(p, (err) => (err as Error).name === "AbortError");
});

Deno.test("RobotsCache() rejects bad options", () => {
  assert.throws(() => new RobotsCache({ userAgent: "" }), TypeError);
  assert.throws(
    () => new RobotsCache(undefined as unknown as RobotsCacheOptions),
    TypeError,
  );
  for (
    const bad of [
      { timeoutMs: 0 },
      { idleTimeoutMs: -1 },
      { maxBytes: 0 },
      { maxBytes: 1.5 },
      { maxRedirects: -1 },
      { ttlMs: NaN },
      { maxEntries: 0 },
    ]
  ) {
    assert.throws(() => cache(bad), RangeError, JSON.stringify(bad));
  }
  assert.throws(
    () => cache({ maxEntries: 0 }),
    {
      message:
        "Cannot create RobotsCache as 'maxEntries' must be a positive integer: current value is 0",
    },
  );
});

Deno.test("RobotsCache.get() rejects a URL that is not http(s)", async () => {
  const c = cache({ fetch: () => Promise.reject(new Error("unused")) });
  await assert.rejects(c.get("not a url"), TypeError);
  await assert.rejects(c.get("file:///etc/passwd"), TypeError);
  await assert.rejects(c.get("ftp://a.test/"), /http\(s\)/);
});
