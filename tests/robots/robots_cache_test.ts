import assert from "node:assert/strict";
import {
  RobotsCache,
  type RobotsCacheOptions,
} from "../../src/robots/robots_cache.ts";
import { FakeClock } from "../../src/concurrency/fake_clock.ts";
import { delay } from "../../src/concurrency/clock.ts";
import type { RobotsRecord, RobotsStore } from "../../src/frontier/store.ts";
import type { LogRecord } from "../../src/telemetry/log.ts";

const UA = "trawl/0.1 (+https://jsr.io/@trawl/trawl)";

interface TestServer extends AsyncDisposable {
  origin: string;
  /** Requests per path. */
  hits: Map<string, number>;
  /** Request headers, in order. */
  requests: { path: string; headers: Headers }[];
  hitsOf(path: string): number;
}

function serve(
  handler: (req: Request, url: URL) => Response | Promise<Response>,
): TestServer {
  const hits = new Map<string, number>();
  const requests: TestServer["requests"] = [];
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    (req) => {
      const url = new URL(req.url);
      hits.set(url.pathname, (hits.get(url.pathname) ?? 0) + 1);
      requests.push({ path: url.pathname, headers: req.headers });
      return handler(req, url);
    },
  );
  return {
    origin: `http://127.0.0.1:${server.addr.port}`,
    hits,
    requests,
    hitsOf: (path) => hits.get(path) ?? 0,
    [Symbol.asyncDispose]: () => server.shutdown(),
  };
}

function cache(options: Partial<RobotsCacheOptions> = {}): RobotsCache {
  return new RobotsCache({ userAgent: UA, ...options });
}

const text = (body: string, init?: ResponseInit) => new Response(body, init);

Deno.test("RobotsCache applies the rules of a 200 robots.txt", async () => {
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
  assert.equal(s.hitsOf("/robots.txt"), 1);
});

Deno.test("RobotsCache sends the user agent and extra headers, never credentials", async () => {
  await using s = serve(() => text(""));
  const c = cache({
    headers: {
      Authorization: "Basic eDp5",
      Cookie: "a=b",
      "Proxy-Authorization": "x",
      "User-Agent": "spoof",
      "X-Extra": "1",
    },
  });
  const p = await c.get(s.origin);
  assert.equal(p.outcome, "rules");
  assert.equal(p.isAllowed(`${s.origin}/x`), true); // empty body: allow all
  const h = s.requests[0].headers;
  assert.equal(h.get("user-agent"), UA);
  assert.equal(h.get("x-extra"), "1");
  assert.equal(h.get("authorization"), null);
  assert.equal(h.get("cookie"), null);
  assert.equal(h.get("proxy-authorization"), null);
});

Deno.test("RobotsCache treats 4xx (not 429) as allow-all and caches it", async () => {
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
    assert.equal(s.hitsOf("/robots.txt"), 1);
  }
});

Deno.test("RobotsCache treats 5xx as disallow-all, backs off and refetches", async () => {
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
  assert.equal(s.hitsOf("/robots.txt"), 1);

  // Second failure: the backoff doubles.
  status = 503;
  await clock.tick(1);
  const p2 = await c.get(s.origin);
  assert.equal(p2.outcome, "disallow-all");
  assert.equal(p2.status, 503);
  assert.equal(p2.retryAt, 300_000 + 600_000);
  assert.equal(s.hitsOf("/robots.txt"), 2);

  status = 200;
  await clock.tick(599_999);
  assert.equal((await c.get(s.origin)).outcome, "disallow-all");
  await clock.tick(1);
  const p3 = await c.get(s.origin);
  assert.equal(p3.outcome, "rules");
  assert.equal(p3.isAllowed(`${s.origin}/page`), true);
  assert.equal(p3.isAllowed(`${s.origin}/x`), false);
  assert.equal(s.hitsOf("/robots.txt"), 3);
});

Deno.test("RobotsCache caps the backoff at maxBackoffMs", async () => {
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

Deno.test("RobotsCache treats 429 as unreachable and honours Retry-After seconds", async () => {
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
  assert.equal(s.hitsOf("/robots.txt"), 1);
  await clock.tick(300_000);
  await c.get(s.origin);
  assert.equal(s.hitsOf("/robots.txt"), 2);
});

Deno.test("RobotsCache honours a Retry-After HTTP-date on 503", async () => {
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

Deno.test("RobotsCache keeps the last good copy when a refetch fails", async () => {
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

Deno.test("RobotsCache refetches after the TTL and picks up changes", async () => {
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
  assert.equal(s.hitsOf("/robots.txt"), 2);
  assert.deepEqual(c.stats, {
    requests: 2,
    hits: 1,
    joined: 0,
    fetches: 2,
    loaded: 0,
  });
});

Deno.test("RobotsCache shares one fetch among 50 concurrent gets", async () => {
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
  while (s.hitsOf("/robots.txt") === 0) await delay(5);
  release();
  const policies = await all;
  assert.equal(s.hitsOf("/robots.txt"), 1);
  assert.ok(policies.every((p) => p === policies[0]));
  assert.equal(c.stats.joined, 49);
});

Deno.test("RobotsCache follows 5 redirect hops and applies the rules to the origin", async () => {
  await using s = serve((_req, url) => {
    const m = /^\/hop(\d)$/.exec(url.pathname);
    if (url.pathname === "/robots.txt") {
      return Response.redirect(new URL("/hop1", url), 301);
    }
    if (m && Number(m[1]) < 5) {
      return Response.redirect(new URL(`/hop${Number(m[1]) + 1}`, url), 302);
    }
    if (url.pathname === "/hop5") {
      return text("User-agent: *\nDisallow: /private\n");
    }
    return text("", { status: 404 });
  });
  const checked: string[] = [];
  const c = cache({ checkUrl: (u) => void checked.push(u.pathname) });
  const p = await c.get(s.origin);
  assert.equal(p.origin, s.origin);
  assert.equal(p.outcome, "rules");
  assert.equal(p.isAllowed(`${s.origin}/private/x`), false);
  assert.deepEqual(checked, [
    "/robots.txt",
    "/hop1",
    "/hop2",
    "/hop3",
    "/hop4",
    "/hop5",
  ]);
});

Deno.test("RobotsCache treats a 6th redirect as unavailable (allow-all)", async () => {
  await using s = serve((_req, url) => {
    if (url.pathname === "/robots.txt") {
      return Response.redirect(new URL("/hop1", url), 307);
    }
    const n = Number(url.pathname.slice(4));
    if (n < 6) return Response.redirect(new URL(`/hop${n + 1}`, url), 308);
    return text("User-agent: *\nDisallow: /\n");
  });
  const p = await cache().get(s.origin);
  assert.equal(p.outcome, "allow-all");
  assert.equal(p.error?.name, "RedirectError");
  assert.match(p.error!.message, /too-many/);
  assert.equal(s.requests.length, 6, "no request past the limit");
  assert.equal(s.hitsOf("/hop6"), 0);
  // maxRedirects: 0 refuses even one hop.
  assert.equal(
    (await cache({ maxRedirects: 0 }).get(s.origin)).outcome,
    "allow-all",
  );
  assert.equal(s.requests.length, 7);
});

Deno.test("RobotsCache treats a redirect loop as unavailable (allow-all)", async () => {
  await using s = serve((_req, url) =>
    Response.redirect(
      new URL(url.pathname === "/robots.txt" ? "/a" : "/robots.txt", url),
      301,
    )
  );
  const p = await cache({ maxRedirects: 20 }).get(s.origin);
  assert.equal(p.outcome, "allow-all");
  assert.match(p.error!.message, /loop/);
  assert.equal(s.requests.length, 2);
});

Deno.test("RobotsCache treats a redirect to file: or a bad Location as unreachable", async () => {
  for (
    const location of ["file:///etc/passwd", "http://[::1", "data:text/plain,x"]
  ) {
    await using s = serve(() =>
      new Response(null, { status: 302, headers: { location } })
    );
    const p = await cache().get(s.origin);
    assert.equal(p.outcome, "disallow-all", location);
    assert.equal(p.error?.name, "RedirectError");
    assert.equal(p.isAllowed(`${s.origin}/`), false);
    assert.equal(s.requests.length, 1);
  }
  await using s = serve(() => new Response(null, { status: 302 })); // no Location
  assert.equal((await cache().get(s.origin)).outcome, "disallow-all");
});

Deno.test("RobotsCache applies a cross-origin target's rules to the original origin", async () => {
  await using target = serve(() => text("User-agent: *\nDisallow: /shared\n"));
  await using s = serve(() =>
    Response.redirect(`${target.origin}/robots.txt`, 301)
  );
  const c = cache();
  const p = await c.get(`${s.origin}/x`);
  assert.equal(p.origin, s.origin);
  assert.equal(p.isAllowed(`${s.origin}/shared/1`), false);
  assert.equal(c.size, 1, "only the original origin is cached");
});

Deno.test("RobotsCache treats a refused hop (checkUrl throws) as unreachable", async () => {
  await using s = serve((_req, url) =>
    url.pathname === "/robots.txt"
      ? Response.redirect("http://169.254.169.254/latest/meta-data", 302)
      : text("")
  );
  const c = cache({
    checkUrl: (u) => {
      if (u.hostname === "169.254.169.254") throw new Error("private address");
    },
  });
  const p = await c.get(s.origin);
  assert.equal(p.outcome, "disallow-all");
  assert.equal(p.error?.message, "private address");
  // An async refusal of the first URL works too, and nothing is requested.
  await using s2 = serve(() => text(""));
  const p2 = await cache({ checkUrl: () => Promise.reject("nope") }).get(
    s2.origin,
  );
  assert.equal(p2.outcome, "disallow-all");
  assert.equal(p2.error?.name, "FetchError");
  assert.equal(s2.requests.length, 0);
});

Deno.test("RobotsCache parses only the first maxBytes of a large robots.txt", async () => {
  const head = "User-agent: *\nDisallow: /early\n";
  const filler = ("# " + "x".repeat(97) + "\n").repeat(7000); // 700,000 bytes
  const body = head + filler + "Disallow: /secret\n";
  assert.ok(
    body.length > 700 * 1024 - 20_000 && body.indexOf("/secret") > 512_000,
  );
  await using s = serve(() => text(body));
  const p = await cache().get(s.origin);
  assert.equal(p.outcome, "rules");
  assert.equal(p.isAllowed(`${s.origin}/early`), false);
  assert.equal(p.isAllowed(`${s.origin}/secret`), true);
  // With a large enough cap the late rule counts.
  const all = await cache({ maxBytes: 1_000_000 }).get(s.origin);
  assert.equal(all.isAllowed(`${s.origin}/secret`), false);
});

Deno.test("RobotsCache drops a partial last line of a cut body", async () => {
  const body = "User-agent: *\nDisallow: /abcdef\n";
  await using s = serve(() => text(body));
  // Cut inside "/abcdef": a kept "Disallow: /abc" would block /abcx.
  const p = await cache({ maxBytes: body.indexOf("def") }).get(s.origin);
  assert.equal(p.isAllowed(`${s.origin}/abcx`), true);
  const whole = await cache({ maxBytes: body.length }).get(s.origin);
  assert.equal(whole.isAllowed(`${s.origin}/abcdef`), false);
  assert.equal(whole.isAllowed(`${s.origin}/abcx`), true);
});

Deno.test("RobotsCache cuts a gzip bomb at maxBytes of decoded data", async () => {
  const rules = new TextEncoder().encode("User-agent: *\nDisallow: /bomb\n");
  const chunk = new Uint8Array(1 << 20); // zeros
  await using s = serve(() => {
    let i = 0;
    const plain = new ReadableStream<BufferSource>({
      pull(c) {
        if (i === 0) c.enqueue(rules);
        else if (i <= 50) c.enqueue(chunk); // ~50 MiB inflated
        else c.close();
        i++;
      },
    }, { highWaterMark: 0 });
    return new Response(plain.pipeThrough(new CompressionStream("gzip")), {
      headers: { "content-encoding": "gzip", "content-type": "text/plain" },
    });
  });
  // Count the decoded bytes the cache actually pulls out of the response.
  let decoded = 0;
  const counting: typeof fetch = async (input, init) => {
    const res = await fetch(input, init);
    const counter = new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, c) {
        decoded += chunk.byteLength;
        c.enqueue(chunk);
      },
    });
    return new Response(res.body!.pipeThrough(counter), res);
  };
  const p = await cache({ fetch: counting }).get(s.origin);
  assert.equal(p.outcome, "rules");
  assert.equal(p.isAllowed(`${s.origin}/bomb`), false);
  assert.equal(p.isAllowed(`${s.origin}/other`), true);
  assert.equal(s.hitsOf("/robots.txt"), 1);
  assert.ok(
    decoded >= 512_000 && decoded < 4 * (1 << 20),
    `read ${decoded} decoded bytes of ~50 MiB`,
  );
});

Deno.test("RobotsCache treats a body stalled past the idle timeout as unreachable", async () => {
  const clock = new FakeClock();
  let cancelled = false;
  await using s = serve(() =>
    new Response(
      new ReadableStream<Uint8Array>({
        start(c) {
          c.enqueue(new TextEncoder().encode("User-agent: *\n"));
        },
        pull: () => new Promise(() => {}),
        cancel() {
          cancelled = true;
        },
      }),
    )
  );
  const c = cache({ clock, idleTimeoutMs: 10_000 });
  const pending = c.get(s.origin);
  // Wait (in real time) until the body is being read: two timers then.
  while (clock.pending < 2) await delay(5);
  await clock.tick(9_999);
  await clock.tick(1);
  const p = await pending;
  assert.equal(p.outcome, "disallow-all");
  assert.equal(p.error?.name, "IdleTimeoutError");
  assert.equal(p.retryAt, 10_000 + 300_000);
  assert.equal(clock.pending, 0, "every timer cleared");
  while (!cancelled) await delay(5); // the server saw the connection go
});

Deno.test("RobotsCache treats a request past timeoutMs as unreachable", async () => {
  const clock = new FakeClock();
  let seenAbort: unknown;
  const c = cache({
    clock,
    timeoutMs: 5000,
    fetch: (_input, init) =>
      new Promise((_resolve, reject) => {
        init!.signal!.addEventListener("abort", () => {
          seenAbort = init!.signal!.reason;
          reject(init!.signal!.reason);
        });
      }),
  });
  const pending = c.get("https://stub.test/");
  await clock.tick(4999);
  await clock.tick(1);
  const p = await pending;
  assert.equal(p.outcome, "disallow-all");
  assert.equal(p.error?.name, "RequestTimeoutError");
  assert.equal((seenAbort as Error).name, "RequestTimeoutError");
  assert.equal(clock.pending, 0);
});

Deno.test("RobotsCache treats a network error as unreachable", async () => {
  const c = cache({
    fetch: () =>
      Promise.reject(
        new TypeError("error sending request: connection refused"),
      ),
  });
  const p = await c.get("https://stub.test/a");
  assert.equal(p.outcome, "disallow-all");
  assert.equal(p.error?.name, "FetchError");
  assert.match(p.error!.message, /connection refused/);
  assert.equal(p.status, undefined);
});

Deno.test("RobotsCache: one waiter's abort leaves the shared fetch to the others", async () => {
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
  while (s.hitsOf("/robots.txt") === 0) await delay(5);
  const reason = new Error("gone");
  ac.abort(reason);
  await assert.rejects(a, (err) => err === reason);
  release();
  assert.equal((await b).outcome, "rules");
  assert.equal(s.hitsOf("/robots.txt"), 1);
});

Deno.test("RobotsCache aborts the fetch when every waiter aborts, caching nothing", async () => {
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

Deno.test("RobotsCache is an LRU bounded by maxEntries", async () => {
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

Deno.test("RobotsCache keys by origin: scheme, host case and port", async () => {
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

Deno.test("RobotsCache collects sitemaps of every origin, deduplicated and bounded", async () => {
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

Deno.test("RobotsCache logs fetch outcomes", async () => {
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

Deno.test("RobotsCache rejects bad arguments", async () => {
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
        "Cannot create RobotsCache as 'maxEntries' must be an integer >= 1: current value is 0",
    },
  );
  const c = cache({ fetch: () => Promise.reject(new Error("unused")) });
  await assert.rejects(c.get("not a url"), TypeError);
  await assert.rejects(c.get("file:///etc/passwd"), TypeError);
  await assert.rejects(c.get("ftp://a.test/"), /http\(s\)/);
});

Deno.test("RobotsCache's total timeout covers a slow-drip body", async () => {
  const clock = new FakeClock();
  let ctl!: ReadableStreamDefaultController<Uint8Array>;
  let cancelled: unknown;
  const body = new ReadableStream<Uint8Array>({
    start(c) {
      ctl = c;
    },
    cancel(reason) {
      cancelled = reason;
    },
  });
  const c = cache({
    clock,
    timeoutMs: 30_000,
    idleTimeoutMs: 10_000,
    fetch: () => Promise.resolve(new Response(body)),
  });
  const pending = c.get("https://drip.test/");
  for (let t = 0; t < 25_000; t += 5_000) {
    await clock.tick(5_000);
    ctl.enqueue(new TextEncoder().encode("# drip\n"));
  }
  await clock.tick(5_000);
  const p = await pending;
  assert.equal(p.outcome, "disallow-all");
  assert.equal(p.error?.name, "RequestTimeoutError");
  assert.equal((cancelled as Error).name, "RequestTimeoutError");
  assert.equal(clock.pending, 0);
});

Deno.test("RobotsCache's timeout also bounds a hung checkUrl or a fetch ignoring its signal", async () => {
  for (
    const hang of [
      { checkUrl: () => new Promise<void>(() => {}) },
      { fetch: () => new Promise<Response>(() => {}) },
    ]
  ) {
    const clock = new FakeClock();
    const c = cache({
      clock,
      timeoutMs: 1000,
      fetch: () => Promise.resolve(text("")),
      ...hang,
    });
    const pending = c.get("https://hang.test/");
    await clock.tick(1000);
    const p = await pending;
    assert.equal(p.outcome, "disallow-all");
    assert.equal(p.error?.name, "RequestTimeoutError");
    assert.equal(clock.pending, 0);
  }
});

// --- store (persistence between runs) ---

const ORIGIN = "https://stub.test";
const RULES = "User-agent: *\nDisallow: /private\nCrawl-delay: 3\n" +
  "Sitemap: https://stub.test/sitemap.xml\n";

interface TestStore extends RobotsStore {
  loads: string[];
  saves: RobotsRecord[];
}

/**
 * A store whose `load` answers from `records`, newest save first (or from
 * `hooks.load`, when given).
 */
function memoryStore(
  records: RobotsRecord[] = [],
  hooks: {
    load?: (origin: string) => ReturnType<RobotsStore["load"]>;
    save?: (record: RobotsRecord) => ReturnType<RobotsStore["save"]>;
  } = {},
): TestStore {
  const loads: string[] = [];
  const saves: RobotsRecord[] = [];
  return {
    loads,
    saves,
    load(origin) {
      loads.push(origin);
      if (hooks.load) return hooks.load(origin);
      return records.find((r) => r.origin === origin);
    },
    save(record) {
      saves.push(record);
      records.unshift(record);
      return hooks.save?.(record);
    },
  };
}

/** A stub `fetch` that counts calls and answers with `respond()`. */
function stubFetch(respond: () => Response | Promise<Response>) {
  const f = Object.assign(
    (_input: string | URL | Request, _init?: RequestInit) => {
      f.calls++;
      return Promise.resolve(respond());
    },
    { calls: 0 },
  );
  return f;
}

/** Lets promise chains (an unawaited save's rejection) settle. */
const settle = () => delay(0);

Deno.test("RobotsCache uses a fresh stored rules record without fetching", async () => {
  const clock = new FakeClock(5_000_000);
  let record: RobotsRecord | undefined = {
    origin: ORIGIN,
    outcome: "rules",
    status: 200,
    text: RULES,
    fetchedAt: Date.now() - 60_000,
  };
  const store = memoryStore([], { load: () => record });
  const f = stubFetch(() => text("User-agent: *\nDisallow: /\n"));
  const c = cache({ clock, fetch: f, store, ttlMs: 100_000 });
  const p = await c.get(`${ORIGIN}/a`);
  assert.equal(f.calls, 0);
  assert.deepEqual(store.loads, [ORIGIN]);
  assert.equal(p.outcome, "rules");
  assert.equal(p.status, 200);
  assert.equal(p.isAllowed(`${ORIGIN}/private/x`), false);
  assert.equal(p.isAllowed(`${ORIGIN}/public`), true);
  assert.equal(p.crawlDelay(), 3);
  assert.deepEqual(p.sitemaps, ["https://stub.test/sitemap.xml"]);
  assert.deepEqual(c.sitemaps(), ["https://stub.test/sitemap.xml"]);
  // fetchedAt maps the record's age onto the cache's clock.
  assert.ok(p.fetchedAt <= 5_000_000 - 60_000);
  assert.ok(p.fetchedAt > 5_000_000 - 100_000);
  assert.deepEqual(store.saves, [], "a loaded record is not saved again");
  assert.deepEqual(c.stats, {
    requests: 0,
    hits: 0,
    joined: 0,
    fetches: 0,
    loaded: 1,
  });
  // Cached for what is left of ttlMs (at most 40 s of the cache's clock).
  await clock.tick(30_000);
  assert.equal(await c.get(`${ORIGIN}/b`), p);
  assert.equal(store.loads.length, 1);
  await clock.tick(10_000);
  record = undefined;
  const p2 = await c.get(`${ORIGIN}/c`);
  assert.equal(store.loads.length, 2, "expired: the store is asked again");
  assert.equal(f.calls, 1);
  assert.equal(p2.isAllowed(`${ORIGIN}/public`), false);
  assert.equal(c.stats.hits, 1);
});

Deno.test("RobotsCache fetches and saves again when the stored record is stale", async () => {
  const ttlMs = 86_400_000;
  const store = memoryStore([{
    origin: ORIGIN,
    outcome: "rules",
    status: 200,
    text: "User-agent: *\nDisallow: /old\n",
    fetchedAt: Date.now() - ttlMs - 1,
  }]);
  const f = stubFetch(() => text(RULES));
  const c = cache({ clock: new FakeClock(), fetch: f, store, ttlMs });
  const before = Date.now();
  const p = await c.get(`${ORIGIN}/a`);
  const after = Date.now();
  assert.equal(f.calls, 1);
  assert.equal(p.isAllowed(`${ORIGIN}/old`), true);
  assert.equal(p.isAllowed(`${ORIGIN}/private`), false);
  assert.equal(store.saves.length, 1);
  const { fetchedAt, ...rest } = store.saves[0];
  assert.deepEqual(rest, {
    origin: ORIGIN,
    outcome: "rules",
    status: 200,
    text: RULES,
  });
  assert.ok(fetchedAt >= before && fetchedAt <= after, "wall time");
  assert.equal(c.stats.loaded, 0);
  assert.equal(c.stats.fetches, 1);
});

Deno.test("RobotsCache uses a fresh stored allow-all record", async () => {
  const store = memoryStore([{
    origin: ORIGIN,
    outcome: "allow-all",
    status: 404,
    fetchedAt: Date.now(),
  }]);
  const f = stubFetch(() => text("User-agent: *\nDisallow: /\n"));
  const c = cache({ clock: new FakeClock(), fetch: f, store });
  const p = await c.get(`${ORIGIN}/a`);
  assert.equal(f.calls, 0);
  assert.equal(p.outcome, "allow-all");
  assert.equal(p.status, 404);
  assert.equal(p.rules, undefined);
  assert.equal(p.isAllowed(`${ORIGIN}/anything`), true);
  assert.deepEqual(p.sitemaps, []);
  assert.equal(c.stats.loaded, 1);
});

Deno.test("RobotsCache saves rules and allow-all results after a fetch", async () => {
  let status = 200;
  const f = stubFetch(() => text(RULES, { status }));
  const store = memoryStore();
  const c = cache({ clock: new FakeClock(), fetch: f, store });
  const before = Date.now();
  await c.get("https://a.test/");
  status = 404;
  await c.get("https://b.test/");
  const after = Date.now();
  assert.deepEqual(store.loads, ["https://a.test", "https://b.test"]);
  assert.deepEqual(
    store.saves.map(({ fetchedAt: _, ...r }) => r),
    [
      { origin: "https://a.test", outcome: "rules", status: 200, text: RULES },
      { origin: "https://b.test", outcome: "allow-all", status: 404 },
    ],
  );
  for (const r of store.saves) {
    assert.ok(r.fetchedAt >= before && r.fetchedAt <= after);
  }
  // A saved record is a fresh one for the next run.
  const f2 = stubFetch(() => text("", { status: 500 }));
  const next = cache({ clock: new FakeClock(), fetch: f2, store });
  const p = await next.get("https://a.test/x");
  assert.equal(p.outcome, "rules");
  assert.equal(p.isAllowed("https://a.test/private"), false);
  assert.equal((await next.get("https://b.test/x")).outcome, "allow-all");
  assert.equal(f2.calls, 0);
  assert.equal(next.stats.loaded, 2);
});

Deno.test("RobotsCache never saves unreachable results", async () => {
  const clock = new FakeClock();
  const cases: [string, () => Response | Promise<Response>][] = [
    ["https://e500.test", () => text("", { status: 500 })],
    ["https://e503.test", () => text("", { status: 503 })],
    ["https://e429.test", () => text("", { status: 429 })],
    ["https://down.test", () => Promise.reject(new TypeError("refused"))],
  ];
  for (const [origin, respond] of cases) {
    const store = memoryStore();
    const c = cache({ clock, fetch: stubFetch(respond), store });
    const p = await c.get(origin);
    assert.equal(p.outcome, "disallow-all", origin);
    assert.deepEqual(store.loads, [origin]);
    assert.deepEqual(store.saves, [], origin);
  }
  // Nor a stale good copy served while the origin is down.
  let up = true;
  const store = memoryStore([], { load: () => undefined });
  const c = cache({
    clock,
    ttlMs: 1000,
    store,
    fetch: stubFetch(() => up ? text(RULES) : text("", { status: 500 })),
  });
  await c.get(ORIGIN);
  assert.equal(store.saves.length, 1);
  up = false;
  store.saves.length = 0;
  await clock.tick(1000);
  const stale = await c.get(ORIGIN);
  assert.equal(stale.stale, true);
  assert.deepEqual(store.saves, []);
});

Deno.test("RobotsCache keeps a loaded record as the good copy", async () => {
  const clock = new FakeClock();
  let record: RobotsRecord | undefined = {
    origin: ORIGIN,
    outcome: "rules",
    text: RULES,
    fetchedAt: Date.now(),
  };
  const store = memoryStore([], { load: () => record });
  const f = stubFetch(() => text("", { status: 500 }));
  const c = cache({ clock, fetch: f, store, ttlMs: 1000, staleMs: 10_000 });
  assert.equal((await c.get(ORIGIN)).status, undefined);
  record = undefined;
  await clock.tick(1000);
  const stale = await c.get(ORIGIN);
  assert.equal(f.calls, 1);
  assert.equal(stale.outcome, "rules");
  assert.equal(stale.stale, true);
  assert.equal(stale.isAllowed(`${ORIGIN}/private`), false);
});

Deno.test("RobotsCache ignores malformed, foreign and future stored records", async () => {
  const now = Date.now();
  const bad: unknown[] = [
    {
      origin: "https://other.test",
      outcome: "rules",
      text: "",
      fetchedAt: now,
    },
    { origin: ORIGIN, outcome: "rules", fetchedAt: now }, // no text
    { origin: ORIGIN, outcome: "disallow-all", fetchedAt: now },
    { origin: ORIGIN, outcome: "allow-all", fetchedAt: "yesterday" },
    { origin: ORIGIN, outcome: "allow-all", status: 99, fetchedAt: now },
    { origin: ORIGIN, outcome: "allow-all", fetchedAt: now + 3_600_000 },
  ];
  for (const record of bad) {
    const logs: LogRecord[] = [];
    const store = memoryStore([], { load: () => record as RobotsRecord });
    const f = stubFetch(() => text("User-agent: *\nDisallow: /x\n"));
    const c = cache({ fetch: f, store, onLog: (r) => logs.push(r) });
    const p = await c.get(ORIGIN);
    const what = JSON.stringify(record);
    assert.equal(f.calls, 1, what);
    assert.equal(p.isAllowed(`${ORIGIN}/x`), false, what);
    assert.equal(c.stats.loaded, 0, what);
    assert.equal(store.saves.length, 1, what);
    assert.ok(
      logs.some((r) => r.message.startsWith("robots.txt store record")),
      what,
    );
  }
});

Deno.test("RobotsCache fetches when the store's load throws or rejects", async () => {
  const failures: [string, () => ReturnType<RobotsStore["load"]>][] = [
    ["throws", () => {
      throw new Error("db locked");
    }],
    ["rejects", () => Promise.reject(new Error("db locked"))],
    ["rejects a non-error", () => Promise.reject("db locked")],
  ];
  for (const [how, load] of failures) {
    const logs: LogRecord[] = [];
    const store = memoryStore([], { load });
    const f = stubFetch(() => text(RULES));
    const c = cache({ fetch: f, store, onLog: (r) => logs.push(r) });
    const p = await c.get(ORIGIN);
    assert.equal(p.outcome, "rules", how);
    assert.equal(f.calls, 1, how);
    assert.equal(store.saves.length, 1, how);
    const warn = logs.find((r) => r.message === "robots.txt store load failed");
    assert.ok(warn, how);
    assert.equal(warn.level, "warn");
    assert.equal(warn.url, `${ORIGIN}/robots.txt`);
    assert.match(
      (warn.error as { message: string }).message,
      /db locked/,
      how,
    );
  }
});

Deno.test("RobotsCache carries on when the store's save throws or rejects", async () => {
  const failures: [string, () => ReturnType<RobotsStore["save"]>][] = [
    ["throws", () => {
      throw new Error("disk full");
    }],
    ["rejects", () => Promise.reject(new Error("disk full"))],
  ];
  for (const [how, save] of failures) {
    const logs: LogRecord[] = [];
    const store = memoryStore([], { save });
    const f = stubFetch(() => text(RULES));
    const c = cache({ fetch: f, store, onLog: (r) => logs.push(r) });
    const p = await c.get(ORIGIN);
    assert.equal(p.outcome, "rules", how);
    assert.equal(p.isAllowed(`${ORIGIN}/private`), false, how);
    assert.equal(await c.get(`${ORIGIN}/b`), p, how);
    await settle();
    const warn = logs.find((r) => r.message === "robots.txt store save failed");
    assert.ok(warn, how);
    assert.equal(warn.level, "warn");
    assert.match((warn.error as { message: string }).message, /disk full/);
  }
});

Deno.test("RobotsCache does not wait for a slow save", async () => {
  let finish!: () => void;
  const store = memoryStore([], {
    save: () => new Promise<void>((r) => finish = r),
  });
  const c = cache({ fetch: stubFetch(() => text(RULES)), store });
  assert.equal((await c.get(ORIGIN)).outcome, "rules");
  assert.equal(store.saves.length, 1);
  finish();
});

Deno.test("RobotsCache shares one store load among concurrent gets", async () => {
  let release!: () => void;
  const gate = new Promise<void>((r) => release = r);
  const record: RobotsRecord = {
    origin: ORIGIN,
    outcome: "rules",
    status: 200,
    text: RULES,
    fetchedAt: Date.now(),
  };
  const store = memoryStore([], { load: () => gate.then(() => record) });
  const f = stubFetch(() => text(""));
  const c = cache({ clock: new FakeClock(), fetch: f, store });
  const all = Promise.all(
    Array.from({ length: 20 }, (_, i) => c.get(`${ORIGIN}/p${i}`)),
  );
  await settle();
  release();
  const policies = await all;
  assert.deepEqual(store.loads, [ORIGIN]);
  assert.equal(f.calls, 0);
  assert.ok(policies.every((p) => p === policies[0]));
  assert.equal(policies[0].isAllowed(`${ORIGIN}/private`), false);
  assert.deepEqual(c.stats, {
    requests: 0,
    hits: 0,
    joined: 19,
    fetches: 0,
    loaded: 1,
  });
});

Deno.test("RobotsCache: aborting every waiter during a load caches nothing", async () => {
  let release!: () => void;
  const gate = new Promise<void>((r) => release = r);
  const record: RobotsRecord = {
    origin: ORIGIN,
    outcome: "allow-all",
    fetchedAt: Date.now(),
  };
  let slow = true;
  const store = memoryStore([], {
    load: () => slow ? gate.then(() => record) : record,
  });
  const f = stubFetch(() => text(""));
  const c = cache({ clock: new FakeClock(), fetch: f, store });
  const a1 = new AbortController();
  const a2 = new AbortController();
  const p1 = c.get(ORIGIN, { signal: a1.signal });
  const p2 = c.get(ORIGIN, { signal: a2.signal });
  await settle();
  a1.abort(new Error("one"));
  await assert.rejects(p1, /one/);
  a2.abort(new Error("two"));
  await assert.rejects(p2, /two/);
  release();
  await settle();
  assert.equal(c.size, 0);
  assert.equal(c.stats.loaded, 0);
  assert.equal(f.calls, 0);
  slow = false;
  assert.equal((await c.get(ORIGIN)).outcome, "allow-all");
  assert.deepEqual(store.loads, [ORIGIN, ORIGIN]);
  assert.equal(c.stats.loaded, 1);
  // clear() during a load rejects the waiters too.
  const c2 = cache({
    clock: new FakeClock(),
    fetch: f,
    store: memoryStore([], { load: () => new Promise(() => {}) }),
  });
  const p3 = c2.get(ORIGIN);
  await settle();
  c2.clear();
  await assert.rejects(p3, (err) => (err as Error).name === "AbortError");
  assert.equal(f.calls, 0);
});

Deno.test("RobotsCache rejects a store without load and save", () => {
  assert.throws(
    () => cache({ store: {} as RobotsStore }),
    (err) =>
      err instanceof TypeError &&
      /'store' must have load and save methods/.test(err.message),
  );
  assert.throws(
    () => cache({ store: null as unknown as RobotsStore }),
    TypeError,
  );
});
