// With OpenTelemetry off (no OTEL_DENO, no registered provider) trawl takes
// its plain path: no telemetry object, the caller's fetch untouched, nothing
// exported, one trace id for the whole crawl.
import assert from "node:assert/strict";
import { systemClock } from "../../src/concurrency/clock.ts";
import { emptyStats } from "../../src/crawler/stats.ts";
import { CrawlTelemetry } from "../../src/telemetry/crawl_telemetry.ts";
import { otelMeter, otelTracer } from "../../src/telemetry/otel.ts";
import { privateFetch } from "../../src/telemetry/private_fetch.ts";
import { html, serve } from "../_support/serve.ts";
import { startReceiver } from "./_otlp_receiver.ts";
import { runCrawl } from "./_run_crawl.ts";

Deno.test("CrawlTelemetry.start() returns undefined when OpenTelemetry is off", () => {
  assert.equal(otelTracer(), undefined);
  assert.equal(otelMeter(), undefined);
  const stats = emptyStats();
  const telemetry = CrawlTelemetry.start({
    crawlId: "0".repeat(32),
    clock: systemClock,
    stats: () => stats,
  });
  assert.equal(telemetry, undefined);
});

Deno.test("privateFetch() returns the fetch it was given when OpenTelemetry is off", () => {
  const f: typeof fetch = () => Promise.resolve(new Response());
  assert.equal(privateFetch(f, false), f);
  assert.equal(privateFetch(f, true), f);
});

Deno.test("Crawler.run() exports nothing and keeps one trace id for the crawl when OpenTelemetry is off", async () => {
  await using otlp = startReceiver();
  await using srv = serve((_req, url) =>
    url.pathname === "/" ? html('<a href="/a">a</a>') : html("<title>a</title>")
  );
  const { OTEL_DENO: _, ...env } = otlp.env;
  const { results } = await runCrawl(`${srv.origin}/`, { workers: 1 }, env);
  assert.equal(results.length, 2);
  assert.equal(new Set(results.map((r) => r.trace.traceId)).size, 1);
  assert.ok(results.every((r) => r.trace.parentTraceId === undefined));
  for (const hit of srv.log) assert.equal(hit.headers.get("traceparent"), null);
  assert.equal(otlp.server.log.length, 0, "nothing was exported");
});
