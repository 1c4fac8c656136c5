// The crawler against hostile servers on 127.0.0.1 (issue "Hostile web"):
// slow and stalled servers, huge bodies and compression bombs, redirect
// abuse, 429/503 and connection failures, garbage of every kind, and a site
// where a third of the pages fail, checked for lost or duplicated URLs.
// Small real timeouts (idle 300 ms, total 2 s); every server is disposed.
import assert from "node:assert/strict";
import {
  Crawler,
  type CrawlOptions,
  type CrawlResult,
  type LogRecord,
} from "../../mod.ts";
import {
  bomb,
  drip,
  type Meter,
  rawServer,
  writeFiller,
  writeStream,
  zeros,
} from "../_support/hostile_server.ts";
import { html, serve, stall } from "../_support/serve.ts";

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

/** The small limits. */
const base: CrawlOptions = {
  workers: 0,
  idleTimeoutMs: 300,
  timeoutMs: 2000,
  backoff: { baseMs: 10, maxMs: 1500 },
  maxBodyBytes: MiB,
  logLevel: "error",
  // The hostile servers are loopback servers on several ports on purpose.
  allowPrivateNetworks: true,
};

/** Set `HOSTILE_VERBOSE=1` to print the figures for the report. */
const verbose = (() => {
  try {
    return Deno.env.get("HOSTILE_VERBOSE") === "1";
  } catch {
    return false;
  }
})();
function figure(hazard: string, data: Record<string, unknown>): void {
  if (verbose) console.log(`FIGURE ${hazard}: ${JSON.stringify(data)}`);
}

/**
 * Runs a crawl to the end and returns its results and stats; a crawl that
 * is still running after `guardMs` is aborted and the test fails ("hung").
 */
async function run(
  seeds: string[],
  options: CrawlOptions,
  guardMs = 20_000,
): Promise<{ results: CrawlResult[]; crawler: Crawler; ms: number }> {
  const ctl = new AbortController();
  const hung = new Error(`crawl still running after ${guardMs} ms (hung)`);
  const timer = setTimeout(() => ctl.abort(hung), guardMs);
  const crawler = new Crawler(seeds, { ...options, signal: ctl.signal });
  const results: CrawlResult[] = [];
  const t0 = performance.now();
  try {
    for await (const r of crawler.run()) results.push(r);
  } finally {
    clearTimeout(timer);
  }
  return { results, crawler, ms: performance.now() - t0 };
}

function byPath(results: CrawlResult[]): Map<string, CrawlResult> {
  const map = new Map<string, CrawlResult>();
  for (const r of results) {
    const u = new URL(r.url);
    const key = `${u.hostname}${u.pathname}${u.search}`;
    assert.ok(!map.has(key), `two results for ${r.url}`);
    map.set(key, r);
  }
  return map;
}

function get(map: Map<string, CrawlResult>, key: string): CrawlResult {
  const r = map.get(key);
  assert.ok(r, `no result for ${key}; have ${[...map.keys()].join(", ")}`);
  return r;
}

const robots404 = () => new Response("", { status: 404 });

// ---------------------------------------------------------------- slow

Deno.test("hostile: a 1 byte/s drip, a faster endless drip and a silent server are cut off by idleTimeoutMs and timeoutMs", async () => {
  await using srv = rawServer(async (c) => {
    const head = await c.readHead();
    const path = head.split(" ")[1];
    const ok = "HTTP/1.1 200 OK\r\ncontent-type: text/html\r\n" +
      "content-length: 100000\r\nconnection: close\r\n\r\n";
    if (path === "/drip-1s") return await drip(c, ok, "<p>".repeat(100), 1000);
    if (path === "/drip-100ms") {
      return await drip(c, ok, "<p>".repeat(1000), 100);
    }
    if (path === "/silent") return await c.untilClosed();
    await c.write("HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n");
  });
  const { results } = await run(
    [
      `${srv.origin}/drip-1s`,
      `${srv.origin}/drip-100ms`,
      `${srv.origin}/silent`,
    ],
    { ...base, retries: 1, perHost: { concurrency: 3 }, respectRobots: false },
  );
  const map = byPath(results);
  const slow = get(map, "127.0.0.1/drip-1s");
  assert.equal(slow.error?.name, "IdleTimeoutError", JSON.stringify(slow));
  assert.equal(slow.status, 200);
  assert.equal(slow.attempts, 2, "retried once (retries: 1), then reported");
  const fast = get(map, "127.0.0.1/drip-100ms");
  assert.equal(fast.error?.name, "RequestTimeoutError", JSON.stringify(fast));
  assert.equal(fast.attempts, 2);
  // Two attempts of about 2 s each: the total deadline, not the idle one.
  assert.ok(fast.timings.total >= 2 * 2000 - 50, `${fast.timings.total}`);
  const silent = get(map, "127.0.0.1/silent");
  assert.equal(silent.status, 0);
  assert.equal(silent.error?.name, "IdleTimeoutError", JSON.stringify(silent));
  assert.equal(silent.attempts, 2);
  // Each attempt gave up after the idle limit, long before the drip ended.
  assert.ok(slow.timings.total >= 2 * 300 - 20 && slow.timings.total < 2000);
  await srv.settled();
  const drips = srv.connections.filter((c) => c.path === "/drip-1s");
  assert.equal(drips.length, 2);
  for (const c of drips) assert.ok(c.sent < 200, `sent ${c.sent}`);
  figure("slow", {
    drip1s: {
      ms: Math.round(slow.timings.total),
      sent: drips.map((c) => c.sent),
    },
    drip100ms: {
      ms: Math.round(fast.timings.total),
      sent: srv.connections.filter((c) => c.path === "/drip-100ms").map((c) =>
        c.sent
      ),
    },
    silent: { ms: Math.round(silent.timings.total) },
  });
});

Deno.test("hostile: other hosts keep full speed while one host stalls", async () => {
  const FAST = 30;
  let fastServed = 0;
  let release!: () => void;
  const released = new Promise<void>((r) => release = r);
  await using srv = serve(async (req, url) => {
    const host = url.hostname;
    if (url.pathname === "/robots.txt") return robots404();
    if (host === "localhost") {
      if (url.pathname === "/") {
        return html(
          Array.from({ length: FAST }, (_, i) => `<a href="/f${i}">f</a>`)
            .join(""),
        );
      }
      if (++fastServed === FAST) release();
      return html(`<title>${url.pathname}</title>`);
    }
    if (url.pathname === "/") {
      return html(
        Array.from({ length: 4 }, (_, i) => `<a href="/s${i}">s</a>`).join(""),
      );
    }
    // Stalled until every page of the other host was served (or the client
    // gives up): only a crawler that keeps the other host going sees a 200.
    const gone = stall(req);
    gone.catch(() => {});
    await Promise.race([released, gone]);
    return html("<title>late</title>");
  });
  const t0 = performance.now();
  const order: string[] = [];
  const { results } = await run([`${srv.origin}/`, `${srv.alt}/`], {
    ...base,
    idleTimeoutMs: 10_000,
    timeoutMs: 15_000,
    retries: 0,
    concurrency: 4,
    perHost: { concurrency: 2 },
  }, 30_000);
  for (const r of results) order.push(new URL(r.url).hostname);
  const map = byPath(results);
  assert.equal(results.length, 2 + FAST + 4);
  for (let i = 0; i < 4; i++) {
    assert.equal(get(map, `127.0.0.1/s${i}`).status, 200);
  }
  const lastFast = order.lastIndexOf("localhost");
  const firstStalled = results.findIndex((r) => /\/s\d$/.test(r.url));
  assert.ok(
    lastFast < firstStalled,
    "every page of the free host finished before the stalled host's pages",
  );
  const fastDone = performance.now() - t0;
  figure("stall-isolation", {
    fastPages: FAST,
    stalledPages: 4,
    msUntilFreeHostDone: Math.round(fastDone),
  });
});

// ---------------------------------------------------------------- huge

Deno.test("hostile: a lazy 1 GiB body, with and without Content-Length, stops at the cap and the server sees the hang-up", async () => {
  await using srv = rawServer(async (c) => {
    const head = await c.readHead();
    const path = head.split(" ")[1];
    if (path === "/robots.txt") {
      return await c.write(
        "HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n",
      );
    }
    await c.write(
      "HTTP/1.1 200 OK\r\ncontent-type: text/html\r\nconnection: close\r\n" +
        (path === "/sized" ? `content-length: ${GiB}\r\n` : "") + "\r\n",
    );
    await writeFiller(c, GiB);
  });
  const { results } = await run(
    [`${srv.origin}/sized`, `${srv.origin}/unsized`],
    { ...base, retries: 2 },
  );
  const map = byPath(results);
  for (const path of ["/sized", "/unsized"]) {
    const r = get(map, `127.0.0.1${path}`);
    assert.equal(r.skipped, "too-large", JSON.stringify(r));
    // A declared length past the cap is refused before reading; without one
    // the body is read up to the cap exactly.
    assert.equal(r.bytes, path === "/sized" ? 0 : MiB);
    assert.equal(r.attempts, 1, "a too-large page is not retried");
    assert.equal(r.error, undefined);
  }
  await srv.settled();
  for (const path of ["/sized", "/unsized"]) {
    const conns = srv.connections.filter((c) => c.path === path);
    assert.equal(conns.length, 1);
    assert.ok(conns[0].peerClosed, `${path}: the server saw the hang-up`);
    assert.ok(conns[0].sent < 64 * MiB, `${path}: sent ${conns[0].sent}`);
    figure(`huge${path}`, { sent: conns[0].sent, result: "too-large" });
  }
});

Deno.test("hostile: lazy gzip and brotli bombs of 1 GiB and a chunked 1 GiB body are capped on decoded bytes", async () => {
  const meters = new Map<string, { sent: Meter; zeros: Meter }>();
  await using srv = rawServer(async (c) => {
    const head = await c.readHead();
    const path = head.split(" ")[1];
    if (path === "/robots.txt") {
      return await c.write(
        "HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n",
      );
    }
    const m = {
      sent: { bytes: 0, cancelled: false },
      zeros: { bytes: 0, cancelled: false },
    };
    meters.set(path, m);
    const encoding = path === "/gzip"
      ? "gzip"
      : path === "/brotli"
      ? "br"
      : undefined;
    await c.write(
      "HTTP/1.1 200 OK\r\ncontent-type: text/html\r\nconnection: close\r\n" +
        "transfer-encoding: chunked\r\n" +
        (encoding ? `content-encoding: ${encoding}\r\n` : "") + "\r\n",
    );
    const body = path === "/gzip"
      ? bomb("gzip", GiB, m.sent, m.zeros)
      : path === "/brotli"
      ? bomb("brotli", GiB, m.sent, m.zeros)
      : zeros(GiB, m.zeros, 0x20);
    await writeStream(c, body, true);
  });
  const { results } = await run(
    [`${srv.origin}/gzip`, `${srv.origin}/brotli`, `${srv.origin}/chunked`],
    base,
  );
  const map = byPath(results);
  for (const path of ["/gzip", "/brotli", "/chunked"]) {
    const r = get(map, `127.0.0.1${path}`);
    assert.equal(r.skipped, "too-large", `${path}: ${JSON.stringify(r)}`);
    assert.equal(r.bytes, MiB, `${path}: counted on decoded bytes`);
    assert.equal(r.attempts, 1);
  }
  await srv.settled();
  for (const [path, m] of meters) {
    if (path === "/robots.txt") continue;
    const conn = srv.connections.find((c) => c.path === path)!;
    assert.ok(
      conn.peerClosed,
      `${path}: the server saw the connection closed early`,
    );
    assert.ok(
      m.zeros.bytes < 256 * MiB,
      `${path}: generated ${m.zeros.bytes} of ${GiB} decoded bytes`,
    );
    figure(`bomb${path}`, {
      sentBytes: conn.sent,
      decodedBytesGenerated: m.zeros.bytes,
      of: GiB,
    });
  }
});

// ---------------------------------------------------------------- redirects

Deno.test("hostile: redirect loops, long chains and non-http targets are bounded and reported", async () => {
  await using srv = serve((_req, url) => {
    const p = url.pathname;
    const to = (location: string) =>
      new Response(null, { status: 302, headers: { location } });
    if (p === "/robots.txt") return robots404();
    if (p === "/loop-a") return to("/loop-b");
    if (p === "/loop-b") return to("/loop-a");
    if (p === "/self") return to("/self");
    if (p.startsWith("/chain/")) return to(`/chain/${Number(p.slice(7)) + 1}`);
    if (p === "/to-file") return to("file:///etc/passwd");
    if (p === "/to-data") return to("data:text/html,<a href=/x>x</a>");
    if (p === "/to-js") return to("javascript:alert(1)");
    if (p === "/to-out") return to(`${srv.alt}/outside`);
    if (p === "/bad-location") return to("http://[::1");
    return html("<title>ok</title>");
  });
  const paths = [
    "/loop-a",
    "/self",
    "/chain/0",
    "/to-file",
    "/to-data",
    "/to-js",
    "/to-out",
    "/bad-location",
  ];
  const { results, crawler } = await run(
    paths.map((p) => srv.origin + p),
    { ...base, maxRedirects: 5, retries: 2 },
  );
  const map = byPath(results);
  assert.equal(results.length, paths.length);
  const problem = (p: string) => {
    const r = get(map, `127.0.0.1${p}`);
    assert.equal(r.error?.name, "RedirectError", `${p}: ${JSON.stringify(r)}`);
    assert.equal(r.attempts, 1, `${p}: a redirect error is not retried`);
    return r.error!.message;
  };
  assert.match(problem("/loop-a"), /loop/);
  assert.match(problem("/self"), /loop/);
  assert.match(problem("/chain/0"), /too-many/);
  assert.match(problem("/to-file"), /scheme/);
  assert.match(problem("/to-data"), /scheme/);
  assert.match(problem("/to-js"), /scheme/);
  assert.match(problem("/bad-location"), /bad-location|scheme/);
  const out = get(map, "127.0.0.1/to-out");
  assert.equal(out.skipped, "out-of-scope");
  assert.equal(
    srv.hits("/outside"),
    0,
    "the out-of-scope target is not fetched",
  );
  assert.equal(srv.hits("/loop-a") + srv.hits("/loop-b"), 2);
  assert.equal(srv.hits("/self"), 1);
  const chain = srv.log.filter((h) => h.path.startsWith("/chain/")).length;
  assert.equal(chain, 6, "the first request and 5 redirect hops");
  assert.equal(crawler.stats.retries, 0);
  figure("redirects", {
    loopHits: 2,
    chainHits: chain,
    results: Object.fromEntries(
      results.map((r) => [
        new URL(r.url).pathname,
        r.error?.message ?? r.skipped,
      ]),
    ),
  });
});

Deno.test("hostile: a robots.txt that redirects forever, loops, or points at file: is bounded", async () => {
  // 127.0.0.1: an endless chain; localhost: a loop; the second server: file:.
  await using srv = serve((_req, url) => {
    if (url.pathname === "/robots.txt" || url.pathname === "/r") {
      const n = Number(url.searchParams.get("n") ?? 0);
      const location = url.hostname === "localhost"
        ? (url.pathname === "/robots.txt" ? "/r" : "/robots.txt")
        : `/robots.txt?n=${n + 1}`;
      return new Response(null, { status: 301, headers: { location } });
    }
    return html("<title>page</title>");
  });
  await using fileSrv = serve((_req, url) =>
    url.pathname === "/robots.txt"
      ? new Response(null, {
        status: 302,
        headers: { location: "file:///etc/passwd" },
      })
      : html("<title>page</title>")
  );
  const { results } = await run(
    [`${srv.origin}/a`, `${srv.alt}/b`, `${fileSrv.origin}/c`],
    base,
  );
  assert.equal(results.length, 3);
  const robotsHits =
    srv.log.filter((h) =>
      h.host.startsWith("127.0.0.1") && h.path.startsWith("/robots.txt")
    ).length;
  const loopHits =
    srv.log.filter((h) => h.host.startsWith("localhost") && h.path !== "/b")
      .length;
  assert.ok(robotsHits <= 6, `robots chain requests: ${robotsHits}`);
  assert.ok(loopHits <= 3, `robots loop requests: ${loopHits}`);
  assert.equal(fileSrv.hits("/robots.txt"), 1);
  const map = byPath(results);
  // Too many hops or a loop: RFC 9309 allows all; file: is unreachable.
  assert.equal(get(map, "127.0.0.1/a").status, 200);
  assert.equal(get(map, "localhost/b").status, 200);
  const c = get(map, "127.0.0.1/c");
  assert.equal(c.skipped, "robots", JSON.stringify(c));
  assert.equal(fileSrv.hits("/c"), 0);
  figure("robots-redirect", {
    chainHits: robotsHits,
    loopHits,
    file: c.skipped,
  });
});

// ---------------------------------------------------------------- signals

Deno.test("hostile: 429 with Retry-After seconds and 503 with an HTTP-date pause the host at least that long", async () => {
  const first = new Map<string, number>();
  await using srv = serve((_req, url) => {
    const host = url.hostname;
    if (url.pathname === "/robots.txt") return robots404();
    if (url.pathname === "/") {
      if (!first.has(host)) {
        first.set(host, performance.now());
        const retryAfter = host === "localhost"
          ? new Date(Date.now() + 2000).toUTCString()
          : "1";
        return new Response("slow down", {
          status: host === "localhost" ? 503 : 429,
          headers: { "retry-after": retryAfter },
        });
      }
      return html(`<a href="/x">x</a><a href="/y">y</a>`);
    }
    return html("<title>ok</title>");
  });
  const { results } = await run([`${srv.origin}/`, `${srv.alt}/`], {
    ...base,
    retries: 2,
  });
  assert.equal(results.length, 6, "no URL of a throttled host is dropped");
  for (const r of results) assert.equal(r.status, 200, JSON.stringify(r));
  const gaps: Record<string, number> = {};
  for (const host of ["127.0.0.1", "localhost"]) {
    const t = first.get(host)!;
    const later = srv.log.filter((h) =>
      h.host.startsWith(host) && h.path !== "/robots.txt" && h.time > t
    );
    assert.equal(later.length, 3);
    const gap = Math.min(...later.map((h) => h.time - t));
    gaps[host] = Math.round(gap);
    // 1 s; the HTTP-date is 1-2 s ahead (second resolution), capped at 1.5 s.
    assert.ok(gap >= 950, `${host}: next request after ${gap} ms`);
  }
  figure("retry-after", { gapMs: gaps });
});

Deno.test("hostile: a burst of concurrent 429s pauses the host once; other hosts go on; nothing is dropped", async () => {
  const N = 6;
  const firstHit = new Map<string, number>();
  await using srv = serve((_req, url) => {
    const p = url.pathname;
    if (p === "/robots.txt") return robots404();
    if (url.hostname === "localhost") {
      // A chain: one page after another, all through the pause.
      const i = Number(p.slice(2) || 0);
      return html(i < 20 ? `<a href="/c${i + 1}">next</a>` : "end");
    }
    if (p === "/") {
      return html(
        Array.from({ length: N }, (_, i) => `<a href="/b${i}">b</a>`).join(""),
      );
    }
    if (!firstHit.has(p)) {
      firstHit.set(p, performance.now());
      return new Response("", { status: 429, headers: { "retry-after": "1" } });
    }
    return html("<title>ok</title>");
  });
  const logs: LogRecord[] = [];
  const { results, crawler } = await run([`${srv.origin}/`, `${srv.alt}/c0`], {
    ...base,
    retries: 2,
    perHost: { concurrency: N },
    logLevel: "warn",
    onLog: (r) => logs.push(r),
  });
  const map = byPath(results);
  for (let i = 0; i < N; i++) {
    const r = get(map, `127.0.0.1/b${i}`);
    assert.equal(r.status, 200, JSON.stringify(r));
    assert.equal(r.attempts, 2);
  }
  assert.equal(results.length, 1 + N + 21);
  const t429 = Math.min(...firstHit.values());
  const retries = srv.log.filter((h) =>
    h.host.startsWith("127.0.0.1") && /^\/b\d$/.test(h.path) &&
    h.time > Math.max(...firstHit.values())
  );
  assert.equal(retries.length, N);
  const lastRetry = Math.max(...retries.map((h) => h.time));
  const firstRetry = Math.min(...retries.map((h) => h.time));
  assert.ok(firstRetry - t429 >= 950, `retried after ${firstRetry - t429} ms`);
  // One pause of about 1 s, not N of them (N s).
  assert.ok(
    lastRetry - t429 < 1000 * N / 2,
    `all retried within ${lastRetry - t429} ms`,
  );
  const during =
    srv.log.filter((h) =>
      h.host.startsWith("localhost") && h.time > t429 && h.time < firstRetry
    ).length;
  assert.ok(during > 0, "the other host was crawled during the pause");
  assert.equal(crawler.stats.retries, N);
  figure("burst-429", {
    n: N,
    firstRetryAfterMs: Math.round(firstRetry - t429),
    lastRetryAfterMs: Math.round(lastRetry - t429),
    otherHostRequestsDuringPause: during,
    throttleLogs: logs.filter((l) => /slow down/.test(l.message)).length,
  });
});

Deno.test("hostile: connection resets and closes are retried within 'retries', then reported as FetchError", async () => {
  await using reset = rawServer((c) => c.reset());
  await using closed = rawServer(async (c) => {
    await c.readHead();
  });
  let n = 0;
  await using flaky = rawServer(async (c) => {
    await c.readHead();
    if (++n === 1) return; // first connection: closed without an answer
    await c.write(
      "HTTP/1.1 200 OK\r\ncontent-type: text/html\r\ncontent-length: 17\r\n" +
        "connection: close\r\n\r\n<title>ok</title>",
    );
  });
  const { results } = await run(
    [`${reset.origin}/r`, `${closed.origin}/c`, `${flaky.origin}/f`],
    { ...base, retries: 2, respectRobots: false, perHost: { concurrency: 1 } },
  );
  assert.equal(results.length, 3);
  const of = (origin: string) => results.find((r) => r.url.startsWith(origin))!;
  for (const [srv, name] of [[reset, "reset"], [closed, "closed"]] as const) {
    const r = of(srv.origin);
    assert.equal(r.error?.name, "FetchError", `${name}: ${JSON.stringify(r)}`);
    assert.equal(r.attempts, 3);
    assert.equal(srv.connections.length, 3, `${name}: retries + 1 connections`);
    figure(`conn-${name}`, { attempts: r.attempts, error: r.error?.message });
  }
  const f = of(flaky.origin);
  assert.equal(f.status, 200, JSON.stringify(f));
  assert.equal(f.attempts, 2);
});

Deno.test("hostile: DNS failures (an injected fetch) are retried, then reported as FetchError; other hosts are unaffected", async () => {
  await using srv = serve((_req, url) =>
    url.pathname === "/robots.txt" ? robots404() : html("<title>ok</title>")
  );
  const calls: string[] = [];
  const fetchFn: typeof fetch = (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    if (url.hostname === "dead.test") {
      calls.push(url.pathname);
      return Promise.reject(new TypeError("dns error"));
    }
    return fetch(input, init);
  };
  const { results } = await run(
    ["http://dead.test/page", `${srv.origin}/ok`],
    { ...base, retries: 2, respectRobots: false, fetch: fetchFn },
  );
  const map = byPath(results);
  const dead = get(map, "dead.test/page");
  assert.equal(dead.error?.name, "FetchError", JSON.stringify(dead));
  assert.match(dead.error!.message, /dns error/);
  assert.equal(dead.attempts, 3);
  assert.deepEqual(calls, ["/page", "/page", "/page"]);
  assert.equal(get(map, "127.0.0.1/ok").status, 200);
  // With robots on, the robots.txt lookup fails first: unreachable means
  // disallow-all (RFC 9309), and the page still gets exactly one result.
  calls.length = 0;
  const robotsOn = await run(["http://dead.test/page"], {
    ...base,
    retries: 2,
    fetch: fetchFn,
  });
  assert.equal(robotsOn.results.length, 1);
  assert.equal(robotsOn.results[0].skipped, "robots");
  assert.deepEqual(calls, ["/robots.txt"]);
  figure("dns", {
    attempts: dead.attempts,
    error: dead.error?.message,
    withRobots: robotsOn.results[0].skipped,
  });
});

// ---------------------------------------------------------------- garbage

Deno.test("hostile: garbage of every kind gets a result and the crawl goes on", async () => {
  await using raw = rawServer(async (c) => {
    const head = await c.readHead();
    const path = head.split(" ")[1];
    if (path === "/truncated-chunked") {
      await c.write(
        "HTTP/1.1 200 OK\r\ncontent-type: text/html\r\n" +
          "transfer-encoding: chunked\r\nconnection: close\r\n\r\n" +
          "20\r\n<a href='/after-trunc'>x</a>   \r\n" + "400\r\n<p>cut",
      );
      return;
    }
    if (path === "/bad-status") {
      return await c.write("HTTP/1.1 abc OK\r\ncontent-length: 0\r\n\r\n");
    }
    if (path === "/garbage") return await c.write("garbage\r\n\r\n");
    await c.write(
      "HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
    );
  });
  const enc = new TextEncoder();
  const cat = (...parts: (string | number[])[]) => {
    const chunks = parts.map((p) =>
      typeof p === "string" ? enc.encode(p) : new Uint8Array(p)
    );
    const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
    let at = 0;
    for (const c of chunks) out.set(c, (at += c.length) - c.length);
    return out;
  };
  const pages: Record<string, () => Response> = {
    "/malformed": () =>
      html(
        `<html><head><title>a<b</title ><body><table><td><a href="/after-malformed">x<p><div></b></i>` +
          `<a href=/after-unquoted>y</a><a href="javascript:void(0)">j</a><a href="http://[::1">bad</a>` +
          `<a href="` + "<".repeat(1000),
      ),
    "/nul": () =>
      html(
        cat(
          '<title>n\0ul</title>\0\0<a href="/after-nul\0">',
          [0, 0, 0],
          "</a>",
          [0],
        ),
      ),
    "/invalid-utf8": () =>
      html(
        cat(
          "<title>",
          [0xff, 0xfe, 0xc3, 0x28, 0xed, 0xa0, 0x80],
          '</title><a href="/after-utf8">x</a>',
        ),
      ),
    "/mislabeled": () =>
      new Response(
        // windows-1251 bytes, labelled utf-8 in the header and koi8-r in meta.
        cat(`<meta charset="koi8-r"><title>`, [
          0xcf,
          0xf0,
          0xe8,
          0xe2,
          0xe5,
          0xf2,
        ], `</title><a href="/after-mislabeled">x</a>`),
        { headers: { "content-type": "text/html; charset=utf-8" } },
      ),
    "/huge-attr": () =>
      html(
        `<div title="${"x".repeat(5 * MiB)}"></div><a href="/after-attr">x</a>`,
      ),
    "/huge-href": () =>
      html(
        `<a href="/${"h".repeat(5 * MiB)}">x</a><a href="/after-href">y</a>`,
      ),
    "/ct-empty-charset": () =>
      new Response(`<a href="/after-ct1">x</a>`, {
        headers: { "content-type": "text/html; charset=" },
      }),
    "/ct-semicolons": () =>
      new Response(`<a href="/after-ct2">x</a>`, {
        headers: { "content-type": ";;;" },
      }),
    "/ct-bogus-charset": () =>
      new Response(`<a href="/after-ct3">x</a>`, {
        headers: { "content-type": "text/html; charset=x-no-such-charset" },
      }),
    "/ce-gzip-plain": () =>
      html(`<a href="/after-ce1">plain, labelled gzip</a>`, {
        headers: { "content-encoding": "gzip" },
      }),
    "/ce-br-bogus": () =>
      html(`<a href="/after-ce2">plain, labelled br, x-bogus</a>`, {
        headers: { "content-encoding": "br, x-bogus" },
      }),
    "/binary-as-html": () =>
      html(new Uint8Array(4096).map((_, i) => (i * 7919) & 0xff)),
  };
  const rawPaths = ["/truncated-chunked", "/bad-status", "/garbage"];
  const oks = ["/ok1", "/ok2", "/ok3"];
  await using srv = serve((_req, url) => {
    const p = url.pathname;
    if (p === "/robots.txt") return robots404();
    if (p === "/") {
      return html(
        [
          ...Object.keys(pages),
          ...rawPaths.map((r) => raw.origin + r),
          ...oks,
        ].map((h) => `<a href="${h}">l</a>`).join(""),
      );
    }
    const page = pages[p];
    if (page) return page();
    return html(`<title>${p}</title>`);
  });
  const { results } = await run([`${srv.origin}/`], {
    ...base,
    maxBodyBytes: 16 * MiB,
    retries: 1,
    // The 5 MB pages are parsed off the main thread, and the idle limit is
    // generous: a busy event loop must not turn a truncated body into an
    // idle timeout on a loaded machine.
    workers: 1,
    idleTimeoutMs: 2000,
  }, 30_000);
  const map = byPath(results);
  const summary: Record<string, string> = {};
  for (const p of [...Object.keys(pages), ...rawPaths, ...oks]) {
    const r = get(map, `127.0.0.1${p}`);
    assert.ok(
      r.status > 0 || r.error !== undefined || r.skipped !== undefined,
      `${p}: ${JSON.stringify(r)}`,
    );
    summary[p] = r.error
      ? `${r.error.name}: ${r.error.message.slice(0, 60)}`
      : r.skipped
      ? `skipped ${r.skipped}`
      : `${r.status} links=${r.links} title=${
        JSON.stringify(r.title?.slice(0, 20))
      }`;
  }
  for (const p of oks) assert.equal(get(map, `127.0.0.1${p}`).status, 200);
  // The parseable garbage still yields its links.
  for (
    const p of [
      "/after-malformed",
      "/after-unquoted",
      "/after-utf8",
      "/after-mislabeled",
      "/after-attr",
      "/after-href",
      "/after-ct1",
      "/after-ct2",
      "/after-ct3",
    ]
  ) {
    assert.equal(get(map, `127.0.0.1${p}`).status, 200, p);
  }
  for (const p of rawPaths) {
    assert.equal(get(map, `127.0.0.1${p}`).error?.name, "FetchError", p);
  }
  assert.equal(get(map, "127.0.0.1/ce-gzip-plain").error?.name, "FetchError");
  figure("garbage", summary);
});

// ---------------------------------------------------------------- nothing lost

Deno.test("hostile: nothing lost: on a 60-page site where a third fails, every reachable URL ends as exactly one result", async () => {
  const PAGES = 60;
  const kinds = ["stall", "drop", "500", "bomb", "bad-encoding"] as const;
  const kindOf = (i: number) =>
    i % 3 === 2 ? kinds[Math.floor(i / 3) % kinds.length] : "ok";
  // Connections dropped without an answer (robots.txt is a plain 404).
  await using raw = rawServer(async (c) => {
    const head = await c.readHead();
    if (head.startsWith("GET /robots.txt ")) {
      await c.write("HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n");
    }
  });
  await using bombs = rawServer(async (c) => {
    await c.readHead();
    await c.write(
      "HTTP/1.1 200 OK\r\ncontent-type: text/html\r\nconnection: close\r\n" +
        "content-encoding: gzip\r\n\r\n",
    );
    await writeStream(c, bomb("gzip", GiB));
  });
  const hrefOf = (i: number) =>
    kindOf(i) === "drop"
      ? `${raw.origin}/p${i}`
      : kindOf(i) === "bomb"
      ? `${bombs.origin}/p${i}`
      : `/p${i}`;
  /** Each good page links to two others; the index links to a few. */
  const linksOf = (
    i: number,
  ) => [(i + 1) % PAGES, (i * 7 + 3) % PAGES, (i * 13 + 5) % PAGES];
  await using srv = serve((req, url) => {
    const p = url.pathname;
    if (p === "/robots.txt") return robots404();
    if (p === "/") {
      return html(
        [0, 1, 2, 5].map((i) => `<a href="${hrefOf(i)}">x</a>`).join(""),
      );
    }
    const i = Number(p.slice(2));
    switch (kindOf(i)) {
      case "stall":
        return stall(req);
      case "500":
        return new Response("oops", { status: 500 });
      case "bad-encoding":
        return html("<p>not gzip at all</p>", {
          headers: { "content-encoding": "gzip" },
        });
      default:
        return html(
          `<title>p${i}</title>` +
            linksOf(i).map((j) => `<a href="${hrefOf(j)}">p${j}</a>`).join(""),
        );
    }
  });
  // Every URL reachable from the seed, when only good pages' links count.
  const reachable = new Set<string>([`${srv.origin}/`]);
  const todo = [0, 1, 2, 5];
  while (todo.length) {
    const i = todo.pop()!;
    const u = new URL(hrefOf(i), srv.origin).href;
    if (reachable.has(u)) continue;
    reachable.add(u);
    if (kindOf(i) === "ok") todo.push(...linksOf(i));
  }
  assert.ok(reachable.size >= 55, `reachable: ${reachable.size}`);
  for (const breaker of [false, true]) {
    const { results, crawler, ms } = await run([`${srv.origin}/`], {
      ...base,
      retries: 1,
      perHost: { concurrency: 4 },
      circuitBreaker: breaker && {
        failureThreshold: 10,
        windowMs: 10_000,
        cooldownMs: 200,
      },
    }, 30_000);
    const urls = results.map((r) => r.url);
    if (verbose) {
      for (const r of results) {
        console.log(r.url, r.status, r.error?.name ?? r.skipped ?? "");
      }
    }
    assert.equal(new Set(urls).size, urls.length, "no URL twice");
    // The URLs the crawl must have reached: the seed and every link of every
    // page it parsed (a page skipped by the circuit breaker is not parsed).
    const expected = new Set<string>([`${srv.origin}/`]);
    for (const r of results) {
      if (r.status !== 200 || r.error || r.skipped) continue;
      const path = new URL(r.url).pathname;
      const links = path === "/"
        ? [0, 1, 2, 5]
        : linksOf(Number(path.slice(2)));
      for (const j of links) expected.add(new URL(hrefOf(j), srv.origin).href);
    }
    assert.deepEqual(new Set(urls), expected, "no URL missing, none extra");
    if (!breaker) {
      assert.deepEqual(new Set(urls), reachable, "everything reachable");
    }
    const failing = results.filter((r) =>
      r.error || r.skipped || r.status >= 400
    );
    assert.ok(
      failing.length >= results.length / 4,
      `failing: ${failing.length}`,
    );
    const s = crawler.stats;
    assert.equal(s.accepted, results.length);
    assert.equal(s.done, results.length);
    assert.equal(s.queued, 0);
    assert.equal(s.inFlight, 0);
    assert.equal(s.errors, results.filter((r) => r.error).length);
    const skipped = Object.values(s.skipped).reduce((a, b) => a + (b ?? 0), 0);
    assert.equal(skipped, results.filter((r) => r.skipped).length);
    const statuses = Object.values(s.byStatusClass).reduce((a, b) => a + b, 0);
    assert.equal(statuses, results.filter((r) => r.status > 0).length);
    // Every result is a page, an error or a skip; those without a status are
    // errors or skips.
    assert.equal(
      results.filter((r) => r.status === 0 && !r.error && !r.skipped).length,
      0,
    );
    assert.equal(s.bytes, results.reduce((n, r) => n + r.bytes, 0));
    const tally: Record<string, number> = {};
    for (const r of results) {
      const k = r.error?.name ?? r.skipped ?? String(r.status);
      tally[k] = (tally[k] ?? 0) + 1;
    }
    figure(`nothing-lost breaker=${breaker}`, {
      results: results.length,
      ms: Math.round(ms),
      tally,
      stats: {
        errors: s.errors,
        skipped: s.skipped,
        byStatusClass: s.byStatusClass,
        retries: s.retries,
      },
    });
  }
});
