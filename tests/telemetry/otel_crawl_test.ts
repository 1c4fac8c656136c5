// A small crawl in a subprocess with Deno's OpenTelemetry on, exporting to a
// loopback OTLP/HTTP receiver: the span tree of each page, the ids in the
// results, the attributes, the metrics and the logs, and what the crawled
// server is told (no trace context unless asked).
import assert from "node:assert/strict";
import type { CrawlResult } from "../../mod.ts";
import { delay } from "../../src/concurrency/clock.ts";
import { html, serve, stall } from "../_support/serve.ts";
import {
  type OtlpReceiver,
  type ReceivedSpan,
  startReceiver,
} from "./_otlp_receiver.ts";
import { runCrawl } from "./_run_crawl.ts";

const TRACE_HEADERS = ["traceparent", "tracestate", "baggage"];

/** The test site: robots.txt, a home page and a page of each outcome. */
function site() {
  let busy = 0;
  return serve((req, url) => {
    switch (url.pathname) {
      case "/robots.txt":
        return new Response("User-agent: *\nDisallow: /private\n");
      case "/":
        return html(
          ["/a", "/b.pdf", "/private", "/missing", "/busy", "/slow"]
            .map((p) => `<a href="${p}">${p}</a>`).join("") +
            "<title>home</title>",
        );
      case "/a":
        return html('<title>a</title><a href="/c">c</a>');
      case "/missing":
        return html("gone", { status: 404 });
      case "/busy":
        return busy++ === 0
          ? new Response("later", {
            status: 429,
            headers: { "retry-after": "0" },
          })
          : html("<title>busy</title>");
      case "/slow":
        return stall(req);
      default:
        return html(`<title>${url.pathname}</title>`);
    }
  });
}

/** Waits until `done()` holds, or fails after `ms`. */
async function until(done: () => boolean, what: string, ms = 10_000) {
  const deadline = Date.now() + ms;
  while (!done()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await delay(50);
  }
}

/** Waits until the receiver has every result's `trawl.page` span. */
async function spansOf(otlp: OtlpReceiver, results: CrawlResult[]) {
  const has = () =>
    results.every((r) =>
      otlp.spans.some((s) =>
        s.spanId === r.trace.spanId && s.name === "trawl.page"
      )
    );
  await until(has, "the page spans");
  return otlp.spans;
}

function byUrl(results: CrawlResult[], path: string): CrawlResult {
  const r = results.find((r) => new URL(r.url).pathname === path);
  assert.ok(r, `no result for ${path}`);
  return r;
}

function childrenOf(spans: ReceivedSpan[], parent: ReceivedSpan) {
  return spans.filter((s) =>
    s.traceId === parent.traceId && s.parentSpanId === parent.spanId
  );
}

Deno.test("Crawler.run() exports spans, metrics and logs over OTLP when OpenTelemetry is on", async (t) => {
  // Metrics every 100 ms, so the gauges are read while the crawl runs.
  await using otlp = startReceiver({ metricIntervalMs: 100 });
  await using srv = site();
  const { results } = await runCrawl(`${srv.origin}/`, {
    workers: 1,
    timeoutMs: 400,
    retries: 1,
    backoff: { baseMs: 10, maxMs: 50 },
    circuitBreaker: false,
    logLevel: "debug",
  }, otlp.env);
  const spans = await spansOf(otlp, results);
  const page = (r: CrawlResult) =>
    spans.find((s) => s.name === "trawl.page" && s.spanId === r.trace.spanId)!;

  await t.step(
    "Crawler.run() gives each URL a trawl.page span whose ids are its result's",
    () => {
      assert.equal(results.length, 8);
      for (const r of results) {
        const s = page(r);
        assert.equal(s.traceId, r.trace.traceId, r.url);
        assert.equal(s.scope, "trawl");
        assert.equal(
          s.parentSpanId,
          "",
          "a page span is the root of its trace",
        );
        assert.equal(s.attributes["url.full"], r.url);
      }
      assert.equal(
        new Set(results.map((r) => r.trace.traceId)).size,
        results.length,
        "one trace per URL",
      );
    },
  );

  await t.step(
    "Crawler.run() links each page span to the span of the page that found it",
    () => {
      const home = byUrl(results, "/");
      assert.deepEqual(page(home).links, []);
      for (const r of results.filter((r) => r !== home)) {
        const referrer = results.find((p) => p.url === r.referrer)!;
        assert.equal(r.trace.parentSpanId, referrer.trace.spanId);
        assert.equal(r.trace.parentTraceId, referrer.trace.traceId);
        assert.deepEqual(page(r).links, [{
          traceId: referrer.trace.traceId,
          spanId: referrer.trace.spanId,
          attributes: { "trawl.link": "referrer" },
        }]);
      }
    },
  );

  await t.step(
    "Crawler.run() puts the wait, robots.txt lookup, fetch and parse in the worker under the page span",
    () => {
      const a = page(byUrl(results, "/a"));
      const kids = childrenOf(spans, a);
      assert.deepEqual(
        kids.map((s) => s.name).sort(),
        ["trawl.fetch", "trawl.parse", "trawl.robots", "trawl.wait"],
      );
      const wait = kids.find((s) => s.name === "trawl.wait")!;
      assert.deepEqual(wait.events.map((e) => e.name), ["permit", "token"]);
      for (const e of wait.events) {
        assert.ok(wait.start <= e.time && e.time <= wait.end);
      }
      assert.equal(wait.start, a.start, "the page starts with its wait");
      const parse = kids.find((s) => s.name === "trawl.parse")!;
      assert.equal(parse.attributes["trawl.parse.thread"], "worker");
      assert.equal(parse.attributes["trawl.links"], 1);
      const fetch = kids.find((s) => s.name === "trawl.fetch")!;
      const client = childrenOf(spans, fetch);
      assert.equal(client.length, 1, "Deno's fetch span under the attempt");
      assert.equal(client[0].scope, "deno");
      assert.equal(client[0].attributes["url.full"], byUrl(results, "/a").url);
      // The seed's robots.txt lookup fetched it: Deno's span is below it.
      const home = page(byUrl(results, "/"));
      const robots = childrenOf(spans, home).find((s) =>
        s.name === "trawl.robots"
      )!;
      assert.equal(robots.attributes["url.full"], `${srv.origin}/robots.txt`);
      assert.equal(
        childrenOf(spans, robots)[0]?.attributes["url.full"],
        `${srv.origin}/robots.txt`,
      );
    },
  );

  await t.step(
    "Crawler.run() describes each page span with HTTP and trawl attributes",
    () => {
      const home = page(byUrl(results, "/"));
      assert.equal(home.attributes["http.request.method"], "GET");
      assert.equal(home.attributes["http.response.status_code"], 200);
      assert.equal(home.attributes["server.address"], "127.0.0.1");
      assert.equal(home.attributes["server.port"], srv.port);
      assert.equal(home.attributes["trawl.depth"], 0);
      assert.equal(home.attributes["trawl.attempts"], 1);
      assert.equal(home.attributes["trawl.bytes"], byUrl(results, "/").bytes);
      assert.equal(typeof home.attributes["trawl.crawl.id"], "string");
      const missing = page(byUrl(results, "/missing"));
      assert.equal(missing.attributes["http.response.status_code"], 404);
      assert.equal(missing.attributes["error.type"], "404");
      assert.equal(missing.status.code, 2);
      const pdf = page(byUrl(results, "/b.pdf"));
      assert.equal(pdf.attributes["trawl.skip_reason"], "extension");
      const robots = page(byUrl(results, "/private"));
      assert.equal(robots.attributes["trawl.skip_reason"], "robots");
      const slow = page(byUrl(results, "/slow"));
      assert.equal(slow.attributes["error.type"], "RequestTimeoutError");
      assert.equal(slow.attributes["trawl.attempts"], 2);
      const busy = page(byUrl(results, "/busy"));
      assert.deepEqual(
        childrenOf(spans, busy).filter((s) => s.name === "trawl.fetch")
          .map((
            s,
          ) => [
            s.attributes["trawl.attempt"],
            s.attributes["http.response.status_code"],
          ])
          .sort(),
        [[1, 429], [2, 200]],
      );
    },
  );

  await t.step(
    "Crawler.run() sends no traceparent, tracestate or baggage to the crawled site",
    () => {
      assert.ok(srv.log.length >= 8);
      for (const hit of srv.log) {
        for (const h of TRACE_HEADERS) {
          assert.equal(hit.headers.get(h), null, `${h} on ${hit.path}`);
        }
      }
    },
  );

  await t.step(
    "Crawler.run() exports trawl metrics whose values match the results",
    async () => {
      const total = (metric: string, attr?: [string, unknown]) =>
        otlp.points
          .filter((p) =>
            p.metric === metric && (!attr || p.attributes[attr[0]] === attr[1])
          )
          .reduce((max, p) => Math.max(max, p.value), 0);
      await until(
        () => total("trawl.pages", ["trawl.status_class", "2xx"]) === 4,
        "trawl.pages",
      );
      assert.equal(total("trawl.pages", ["trawl.status_class", "4xx"]), 1);
      assert.equal(total("trawl.skips", ["trawl.skip_reason", "extension"]), 1);
      assert.equal(total("trawl.skips", ["trawl.skip_reason", "robots"]), 1);
      assert.equal(
        total("trawl.errors", ["error.type", "RequestTimeoutError"]),
        1,
      );
      assert.equal(
        total("trawl.bytes"),
        results.reduce((n, r) => n + r.bytes, 0),
      );
      assert.equal(total("trawl.retries", ["error.type", "429"]), 1);
      assert.equal(
        total("trawl.retries", ["error.type", "RequestTimeoutError"]),
        1,
      );
      assert.equal(
        total("trawl.throttles", ["server.address", "127.0.0.1"]),
        1,
      );
      // Every attempt is timed: 6 fetched URLs, 2 of them twice.
      const attempts = otlp.points.filter((p) =>
        p.metric === "trawl.fetch.duration"
      );
      assert.equal(Math.max(...attempts.map((p) => p.value)) >= 1, true);
      const durations = new Map<unknown, number>();
      for (const p of attempts) {
        const k = p.attributes["trawl.status_class"];
        durations.set(k, Math.max(durations.get(k) ?? 0, p.value));
      }
      assert.deepEqual(Object.fromEntries(durations), {
        "2xx": 4,
        "4xx": 2,
        none: 2,
      });
      const ttfb = otlp.points.filter((p) => p.metric === "trawl.fetch.ttfb");
      const last = ttfb.at(-1)!;
      assert.equal(last.value, 5);
      assert.ok(last.sum! > 0 && last.sum! < 5, `ttfb sum ${last.sum} s`);
      const queue = otlp.points.filter((p) =>
        p.metric === "trawl.queue.length"
      );
      const inFlight = otlp.points.filter((p) =>
        p.metric === "trawl.in_flight"
      );
      assert.ok(
        queue.length > 0 && inFlight.length > 0,
        "the gauges were read",
      );
      assert.ok(queue.every((p) => p.value >= 0 && p.value <= 8));
      assert.ok(inFlight.every((p) => p.value >= 0 && p.value <= 16));
      assert.ok(
        inFlight.some((p) => p.value >= 1),
        "a request in flight was seen",
      );
    },
  );

  await t.step(
    "Crawler.run() exports its log records with the trace and span ids of their request",
    async () => {
      await until(
        () => otlp.logs.some((l) => l.body.startsWith("retrying")),
        "the logs",
      );
      const busy = byUrl(results, "/busy");
      const retry = otlp.logs.find((l) =>
        l.body.startsWith("retrying") && l.body.includes("/busy")
      )!;
      assert.equal(retry.severity, "INFO");
      assert.equal(retry.traceId, busy.trace.traceId);
      assert.equal(retry.spanId, busy.trace.spanId);
      const slow = byUrl(results, "/slow");
      const timeout = otlp.logs.find((l) =>
        l.severity === "WARN" && l.body.includes("/slow")
      )!;
      assert.equal(timeout.traceId, slow.trace.traceId);
      assert.equal(timeout.spanId, slow.trace.spanId);
      const started = otlp.logs.find((l) =>
        l.body.startsWith("crawl started")
      )!;
      assert.equal(
        started.traceId,
        "",
        "a record outside any request has no ids",
      );
    },
  );
});

Deno.test("Crawler.run() sends each request's trace context when propagateTrace is set", async () => {
  await using otlp = startReceiver();
  await using srv = site();
  const { results } = await runCrawl(`${srv.origin}/a`, {
    workers: 0,
    propagateTrace: true,
  }, otlp.env);
  assert.deepEqual(srv.log.map((h) => h.path).sort(), [
    "/a",
    "/c",
    "/robots.txt",
  ]);
  for (const hit of srv.log) {
    const parent = hit.headers.get("traceparent");
    assert.match(parent ?? "", /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/, hit.path);
  }
  const spans = await spansOf(otlp, results);
  for (const path of ["/a", "/c"]) {
    const r = byUrl(results, path);
    const [, traceId, spanId] = srv.log.find((h) => h.path === path)!
      .headers.get("traceparent")!.split("-");
    assert.equal(traceId, r.trace.traceId, "the page's own trace");
    const client = spans.find((s) => s.spanId === spanId)!;
    assert.equal(client.scope, "deno", "the parent is Deno's fetch span");
    // Inline parsing (workers: 0) is traced on the main thread.
    const parse = spans.find((s) =>
      s.name === "trawl.parse" && s.parentSpanId === r.trace.spanId
    )!;
    assert.equal(parse.attributes["trawl.parse.thread"], "main");
  }
});
