// The crawler against hostile servers on 127.0.0.1 (issue "Hostile web"),
// part 2: redirect abuse, robots.txt redirects, 429/503 and connection
// failures.
// Small real timeouts (idle 300 ms, total 2 s); every server is disposed.
import assert from "node:assert/strict";
import type { LogRecord } from "../../mod.ts";
import { rawServer } from "../_support/hostile_server.ts";
import { html, serve } from "../_support/serve.ts";
import { base, byPath, figure, get, robots404, run } from "./_hostile.ts";

// ---------------------------------------------------------------- redirects

Deno.test("Crawler.run() bounds and reports redirect loops, long chains and non-http targets", async () => {
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

Deno.test("Crawler.run() bounds a robots.txt that redirects forever, loops, or points at file:", async () => {
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

Deno.test("Crawler.run() pauses a host at least as long as a 429 with Retry-After seconds or a 503 with an HTTP-date asks", async () => {
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

Deno.test("Crawler.run() pauses a host once for a burst of concurrent 429s, goes on with other hosts and drops nothing", async () => {
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

Deno.test("Crawler.run() retries connection resets and closes within 'retries', then reports a FetchError", async () => {
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

Deno.test("Crawler.run() retries DNS failures (an injected fetch), then reports a FetchError, and other hosts are unaffected", async () => {
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
