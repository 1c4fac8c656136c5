// Crawler behaviour that the fixture sites do not show on their own:
// cancellation and teardown, tracing, per-host concurrency, credentials,
// stats, option validation, parser workers, stall reports and the SSRF
// guard. Every server is on 127.0.0.1. Politeness timing (rates, delays,
// Retry-After, the circuit breaker) is in politeness_test.ts, on a FakeClock.
import assert from "node:assert/strict";
import {
  crawl,
  Crawler,
  type CrawlResult,
  type FrontierStore,
  type LogRecord,
} from "../../mod.ts";
import { html, serve, stall } from "../_support/serve.ts";

async function collect(
  it: AsyncIterable<CrawlResult>,
): Promise<CrawlResult[]> {
  const out: CrawlResult[] = [];
  for await (const r of it) out.push(r);
  return out;
}

const fast = { workers: 0, backoff: { baseMs: 5, maxMs: 2000 } };

Deno.test("Crawler.run() stops every request and task when the loop breaks", async () => {
  await using srv = serve((req, url) => {
    if (url.pathname === "/robots.txt") {
      return new Response("", { status: 404 });
    }
    if (url.pathname === "/") {
      const links = Array.from(
        { length: 40 },
        (_, i) => `<a href="/s${i}">s</a>`,
      );
      return html(links.join(""));
    }
    return stall(req);
  });
  const seen: CrawlResult[] = [];
  for await (
    const r of crawl([srv.origin + "/"], {
      ...fast,
      perHost: { concurrency: 8 },
    })
  ) {
    seen.push(r);
    break;
  }
  assert.equal(seen.length, 1);
  assert.equal(seen[0].status, 200);
  // The sanitizers fail this test if a request, timer or task is left over.
});

Deno.test("Crawler.run() rejects with the signal's reason and leaves nothing running when the signal aborts", async () => {
  await using srv = serve((req, url) => {
    if (url.pathname === "/robots.txt") {
      return new Response("", { status: 404 });
    }
    if (url.pathname === "/") return html(`<a href="/slow">slow</a>`);
    return stall(req);
  });
  const ctl = new AbortController();
  const reason = new Error("stop now");
  const results: CrawlResult[] = [];
  await assert.rejects(async () => {
    for await (
      const r of crawl([srv.origin + "/"], { ...fast, signal: ctl.signal })
    ) {
      results.push(r);
      ctl.abort(reason);
    }
  }, (err) => err === reason);
  assert.equal(results.length, 1);
});

Deno.test("Crawler[Symbol.asyncDispose]() stops the crawl when it is running", async () => {
  await using srv = serve((req, url) => {
    if (url.pathname === "/robots.txt") {
      return new Response("", { status: 404 });
    }
    if (url.pathname === "/") {
      return html(`<a href="/slow">slow</a><a href="/b">b</a>`);
    }
    if (url.pathname === "/b") return html("<title>b</title>");
    return stall(req);
  });
  const crawler = new Crawler([srv.origin + "/"], fast);
  const it = crawler.run();
  const first = await it.next();
  assert.equal(first.done, false);
  await crawler[Symbol.asyncDispose]();
  assert.equal((await it.next()).done, true);
  assert.throws(() => crawler.run(), /twice/);
});

Deno.test("Crawler.run() releases what it started when the store cannot build a frontier", async () => {
  // The loop monitor (stallThresholdMs) starts before the frontier is built:
  // its timer must be stopped, and the store's error must reach the caller.
  const failure = new Error("no frontier today");
  const store: FrontierStore = {
    createFrontier() {
      throw failure;
    },
  };
  const crawler = new Crawler(["http://127.0.0.1:9/"], {
    ...fast,
    stallThresholdMs: 50,
    store,
  });
  await assert.rejects(crawler.run().next(), (err) => err === failure);
  // The sanitizers fail this test if the monitor's timer is left running.
});

Deno.test("Crawler.run() links parent and child spans and puts them on log records", async () => {
  await using srv = serve((_req, url) => {
    if (url.pathname === "/robots.txt") {
      return new Response("", { status: 404 });
    }
    if (url.pathname === "/") return html(`<a href="/a">a</a>`);
    if (url.pathname === "/a") return html(`<a href="/gone">gone</a>`);
    return new Response("nope", { status: 500 });
  });
  const logs: LogRecord[] = [];
  const results = await collect(
    crawl([srv.origin + "/"], {
      ...fast,
      retries: 1,
      onLog: (r) => logs.push(r),
    }),
  );
  const by = new Map(results.map((r) => [new URL(r.url).pathname, r]));
  const root = by.get("/")!, a = by.get("/a")!, gone = by.get("/gone")!;
  assert.equal(root.trace.parentSpanId, undefined);
  assert.equal(a.trace.parentSpanId, root.trace.spanId);
  assert.equal(gone.trace.parentSpanId, a.trace.spanId);
  assert.equal(new Set(results.map((r) => r.trace.traceId)).size, 1);
  assert.match(root.trace.traceId, /^[0-9a-f]{32}$/);
  assert.match(root.trace.spanId, /^[0-9a-f]{16}$/);
  assert.equal(gone.status, 500);
  assert.equal(gone.attempts, 2);
  const retry = logs.find((l) => l.message.startsWith("retrying"));
  assert.ok(retry, "a retry is logged");
  assert.equal(retry.traceId, root.trace.traceId);
  assert.equal(retry.spanId, gone.trace.spanId);
  assert.equal(retry.url, gone.url);
});

Deno.test("Crawler.run() never exceeds perHost.concurrency", async () => {
  let inFlight = 0, peak = 0;
  await using srv = serve(async (_req, url) => {
    if (url.pathname === "/robots.txt") {
      return new Response("", { status: 404 });
    }
    inFlight++;
    peak = Math.max(peak, inFlight);
    await new Promise((r) => setTimeout(r, 15));
    inFlight--;
    if (url.pathname === "/") {
      return html(
        Array.from({ length: 30 }, (_, i) => `<a href="/p${i}">p</a>`).join(""),
      );
    }
    return html("<title>p</title>");
  });
  const results = await collect(
    crawl([srv.origin + "/"], {
      ...fast,
      concurrency: 16,
      perHost: { concurrency: 3 },
    }),
  );
  assert.equal(results.length, 31);
  assert.equal(peak, 3);
});

Deno.test("Crawler.run() keeps crawling other hosts when one host stalls", async () => {
  let released = false;
  await using srv = serve(async (req, url) => {
    if (url.pathname === "/robots.txt") {
      return new Response("", { status: 404 });
    }
    const slow = (req.headers.get("host") ?? "").startsWith("localhost");
    if (slow && url.pathname !== "/") {
      await new Promise((r) => setTimeout(r, 600));
      released = true;
      return html("<title>slow</title>");
    }
    return html(
      Array.from({ length: 10 }, (_, i) => `<a href="/p${i}">p</a>`).join(""),
    );
  });
  const order: { host: string; released: boolean }[] = [];
  for await (
    const r of crawl([srv.origin + "/", srv.alt + "/"], {
      ...fast,
      concurrency: 8,
      perHost: { concurrency: 2 },
    })
  ) {
    order.push({ host: new URL(r.url).hostname, released });
  }
  const fastHost = order.filter((o) => o.host === "127.0.0.1");
  assert.equal(fastHost.length, 11);
  assert.ok(
    fastHost.every((o) => !o.released),
    "the fast host finished while the slow one stalled",
  );
  assert.equal(order.length, 22);
});

Deno.test("Crawler.run() sends credentials to the seeds' origins only", async () => {
  await using srv = serve((_req, url) => {
    if (url.pathname === "/robots.txt") {
      return new Response("", { status: 404 });
    }
    if (url.pathname === "/") return html(`<a href="ALT/other">other</a>`);
    return html("<title>other</title>");
  });
  const seedPage = `<a href="${srv.alt}/other">other</a>`;
  await using srv2 = serve((_req, url) => {
    if (url.pathname === "/robots.txt") {
      return new Response("", { status: 404 });
    }
    return html(seedPage);
  });
  await collect(
    crawl([srv2.origin + "/"], {
      ...fast,
      scope: "any",
      maxDepth: 1,
      allowPrivateNetworks: true, // the other origin is on loopback too
      headers: {
        authorization: "Bearer secret",
        cookie: "a=b",
        "x-trace": "kept",
      },
    }),
  );
  const seedReq = srv2.log.find((l) => l.path === "/")!;
  assert.equal(seedReq.headers.get("authorization"), "Bearer secret");
  assert.equal(seedReq.headers.get("cookie"), "a=b");
  const other = srv.log.find((l) => l.path === "/other")!;
  assert.ok(other, "the other origin was crawled");
  assert.equal(other.headers.get("authorization"), null);
  assert.equal(other.headers.get("cookie"), null);
  assert.equal(other.headers.get("x-trace"), "kept");
  const robots = srv2.log.find((l) => l.path === "/robots.txt")!;
  assert.equal(robots.headers.get("authorization"), null);
});

Deno.test("Crawler.stats adds up to the results and records sitemaps when the crawl ends", async () => {
  await using srv = serve((_req, url) => {
    if (url.pathname === "/robots.txt") {
      return new Response(
        "User-agent: *\nDisallow: /private\nSitemap: https://example.com/sitemap.xml\n",
      );
    }
    if (url.pathname === "/") {
      return html(
        `<a href="/a">a</a><a href="/private/x">p</a><a href="/doc.pdf">d</a><a href="/404">n</a>`,
      );
    }
    if (url.pathname === "/404") return new Response("no", { status: 404 });
    return html("<title>a</title>");
  });
  const crawler = new Crawler([srv.origin + "/"], fast);
  const results = await collect(crawler.run());
  const s = crawler.stats;
  assert.equal(results.length, 5);
  assert.equal(s.done, 5);
  assert.equal(s.accepted, 5);
  assert.equal(s.queued, 0);
  assert.equal(s.inFlight, 0);
  assert.deepEqual(s.byStatusClass, { "2xx": 2, "4xx": 1 });
  assert.deepEqual(s.skipped, { robots: 1, extension: 1 });
  assert.deepEqual(s.sitemaps, ["https://example.com/sitemap.xml"]);
  assert.ok(s.bytes > 0);
});

Deno.test("new Crawler() throws clear errors when options or seeds are bad", () => {
  assert.throws(
    () => new Crawler(["http://127.0.0.1/"], { concurrency: 0 }),
    {
      name: "RangeError",
      message:
        "Cannot crawl as 'concurrency' must be a positive integer: current value is 0",
    },
  );
  assert.throws(
    () => new Crawler(["http://127.0.0.1/"], { perHost: { rate: -1 } }),
    RangeError,
  );
  assert.throws(() => new Crawler(["ftp://127.0.0.1/"]), {
    name: "TypeError",
    message:
      "Cannot crawl as seed 'ftp://127.0.0.1/' is not an absolute http(s) URL",
  });
  assert.throws(
    // deno-lint-ignore no-explicit-any
    () => new Crawler(["http://127.0.0.1/"], { scope: "planet" as any }),
    TypeError,
  );
  assert.throws(
    () => new Crawler(["http://127.0.0.1/"], { workers: 1.5 }),
    RangeError,
  );
});

Deno.test("Crawler.run() gives the same results when parsing in workers as inline", async () => {
  await using srv = serve((_req, url) => {
    if (url.pathname === "/robots.txt") {
      return new Response("", { status: 404 });
    }
    const n = Number(url.pathname.slice(2) || 0);
    const links = [n * 2 + 1, n * 2 + 2].filter((i) => i < 40).map((i) =>
      `<a href="/p${i}">${i}</a>`
    );
    return html(`<title>page ${n}</title>${links.join("")}`);
  });
  const summarize = (rs: CrawlResult[]) =>
    rs.map((r) => `${r.url} ${r.status} ${r.title} ${r.links} ${r.depth}`)
      .sort();
  const inline = await collect(
    crawl([srv.origin + "/p0"], { ...fast, workers: 0 }),
  );
  const pooled = await collect(
    crawl([srv.origin + "/p0"], { ...fast, workers: 2 }),
  );
  assert.equal(inline.length, 40);
  assert.deepEqual(summarize(pooled), summarize(inline));
});

Deno.test("Crawler.run() reports an event-loop stall with the trace of the page that caused it", async () => {
  // About 4 MB of links: parsing it inline blocks the loop for well over 20 ms.
  const big = "<title>big</title>" +
    '<p><a href="/same">x</a> text text text</p>'.repeat(100_000);
  await using srv = serve((_req, url) => {
    if (url.pathname === "/robots.txt") {
      return new Response("", { status: 404 });
    }
    if (url.pathname === "/") return html(`<a href="/big">big</a>`);
    if (url.pathname === "/big") return html(big);
    return html("<title>same</title>");
  });
  const logs: LogRecord[] = [];
  const results = await collect(
    crawl([srv.origin + "/"], {
      ...fast,
      maxBodyBytes: 8 * 1024 * 1024,
      stallThresholdMs: 20,
      onLog: (r) => logs.push(r),
    }),
  );
  const bigResult = results.find((r) => r.url.endsWith("/big"))!;
  assert.equal(bigResult.title, "big");
  const stall = logs.find((l) =>
    l.message.startsWith("event loop stalled") &&
    l.spanId === bigResult.trace.spanId
  );
  assert.ok(
    stall,
    `a stall attributed to /big: ${
      JSON.stringify(logs.map((l) => [l.message, l.url]))
    }`,
  );
  assert.equal(stall.url, bigResult.url);
  assert.equal(stall.traceId, bigResult.trace.traceId);
  assert.ok((stall.stallMs as number) >= 20);
});

Deno.test("Crawler.run() refuses links and redirects to internal addresses but allows the seeds' hosts", async () => {
  // "internal.test" and "meta.test" resolve (by the injected resolver) to other
  // loopback addresses, which the guard refuses; nothing is ever sent to them.
  const names = new Map([["internal.test", ["127.0.0.2"]], ["meta.test", [
    "127.0.0.3",
  ]]]);
  const asked: string[] = [];
  const resolver = (host: string) => {
    asked.push(host);
    const a = names.get(host);
    return a
      ? Promise.resolve(a)
      : Promise.reject(new Error(`no such host ${host}`));
  };
  await using srv = serve((_req, url) => {
    if (url.pathname === "/robots.txt") {
      return new Response("", { status: 404 });
    }
    if (url.pathname === "/") {
      return html(
        `<a href="http://internal.test:1/admin">a</a><a href="/hop">hop</a><a href="/ok">ok</a>`,
      );
    }
    if (url.pathname === "/hop") {
      return new Response(null, {
        status: 302,
        headers: { location: "http://meta.test:1/latest/meta-data/" },
      });
    }
    return html("<title>ok</title>");
  });
  const results = await collect(
    crawl([srv.origin + "/"], { ...fast, scope: "any", resolver }),
  );
  const by = new Map(results.map((r) => [r.url, r]));
  assert.equal(by.get(srv.origin + "/ok")?.status, 200);
  assert.equal(
    by.get("http://internal.test:1/admin")?.skipped,
    "private-address",
  );
  assert.equal(by.get(srv.origin + "/hop")?.skipped, "private-address");
  assert.equal(
    by.get(srv.origin + "/hop")?.finalUrl,
    "http://meta.test:1/latest/meta-data/",
  );
  assert.deepEqual([...new Set(asked)].sort(), ["internal.test", "meta.test"]);
  assert.equal(results.length, 4);
});

Deno.test("Crawler.run() retries a link whose host cannot be resolved and never requests it", async () => {
  const asked: string[] = [];
  const resolver = (host: string) => {
    asked.push(host);
    return Promise.reject(new Error(`no such host ${host}`));
  };
  const requested: string[] = [];
  const fetchFn: typeof fetch = (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    requested.push(url.href);
    return fetch(input, init);
  };
  await using srv = serve(() => html(`<a href="http://dead.test:1/x">x</a>`));
  const results = await collect(
    crawl([srv.origin + "/"], {
      ...fast,
      scope: "any",
      respectRobots: false,
      retries: 2,
      resolver,
      fetch: fetchFn,
    }),
  );
  const dead = results.find((r) => r.url === "http://dead.test:1/x")!;
  assert.equal(dead.error?.name, "FetchError", JSON.stringify(dead));
  assert.match(dead.error!.message, /no such host dead\.test/);
  assert.equal(dead.attempts, 3);
  assert.deepEqual(requested, [srv.origin + "/"], "dead.test never requested");
  // Once when taken from the frontier, then before each of the 3 attempts.
  assert.equal(asked.filter((h) => h === "dead.test").length, 4);
});

Deno.test("Crawler.run() with scope 'domain' follows links to the seeds' registrable domains only", async () => {
  // No server: `fetch` answers from this table, and every host resolves to
  // a public address, so the SSRF guard lets them through.
  const pages: Record<string, string> = {
    "http://www.example.co.uk/": `<a href="http://docs.example.co.uk/a">a</a>
      <a href="http://example.co.uk/b">b</a>
      <a href="http://other.co.uk/c">c</a>
      <a href="http://example.com/d">d</a>`,
    "http://docs.example.co.uk/a":
      `<a href="http://api.docs.example.co.uk/e">e</a>`,
  };
  const requested: string[] = [];
  const fetchFn: typeof fetch = (input) => {
    const url = input instanceof Request ? input.url : String(input);
    requested.push(url);
    return Promise.resolve(
      new Response(`<title>${url}</title>${pages[url] ?? ""}`, {
        headers: { "content-type": "text/html" },
      }),
    );
  };
  const results = await collect(
    crawl(["http://www.example.co.uk/"], {
      ...fast,
      scope: "domain",
      respectRobots: false,
      resolver: () => Promise.resolve(["93.184.216.34"]),
      fetch: fetchFn,
    }),
  );
  assert.deepEqual(results.map((r) => r.url).sort(), [
    "http://api.docs.example.co.uk/e",
    "http://docs.example.co.uk/a",
    "http://example.co.uk/b",
    "http://www.example.co.uk/",
  ]);
  assert.deepEqual(requested.sort(), results.map((r) => r.url).sort());
});
