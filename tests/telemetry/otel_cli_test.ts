// The command with Deno's OpenTelemetry on: what the crawled site is told
// (no trace context unless --propagate-trace), the ids its results carry,
// and its warnings exported as logs with those ids.
import assert from "node:assert/strict";
import type { CrawlResult } from "../../mod.ts";
import { parseCliArgs } from "../../src/cli/args.ts";
import { delay } from "../../src/concurrency/clock.ts";
import { startCli } from "../_support/cli_process.ts";
import { html, serve } from "../_support/serve.ts";
import { startReceiver } from "./_otlp_receiver.ts";

const PERMS = ["--allow-net=127.0.0.1", "--allow-read"];

function site() {
  return serve((_req, url) => {
    if (url.pathname === "/robots.txt") return new Response("");
    if (url.pathname === "/") {
      return html('<a href="/a">a</a><a href="/gone">g</a>');
    }
    if (url.pathname === "/gone") {
      return new Response("down", {
        status: 503,
        headers: { "retry-after": "0" },
      });
    }
    return html("<title>a</title>");
  });
}

async function crawlWith(args: string[], env: Record<string, string>) {
  await using cli = startCli(
    ["--quiet", "--retries", "1", "--log-level", "warn", ...args],
    PERMS,
    30_000,
    env,
  );
  const { code, text } = await cli.output;
  assert.equal(code, 0, text);
  const results = text.split("\n").filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as CrawlResult);
  return { results, text };
}

Deno.test("trawl sends crawled sites no trace context when OpenTelemetry is on", async () => {
  await using otlp = startReceiver();
  await using srv = site();
  const { results, text } = await crawlWith([`${srv.origin}/`], otlp.env);
  assert.equal(results.length, 3);
  assert.deepEqual(srv.log.map((h) => h.path).sort(), [
    "/",
    "/a",
    "/gone",
    "/gone",
    "/robots.txt",
  ]);
  for (const hit of srv.log) {
    for (const h of ["traceparent", "tracestate", "baggage"]) {
      assert.equal(hit.headers.get(h), null, `${h} on ${hit.path}`);
    }
  }
  // The results' ids are the exported page spans'.
  const deadline = Date.now() + 10_000;
  const exported = () =>
    results.every((r) =>
      otlp.spans.some((s) =>
        s.name === "trawl.page" && s.spanId === r.trace.spanId &&
        s.traceId === r.trace.traceId
      )
    );
  while (!exported()) {
    assert.ok(Date.now() < deadline, "the page spans were not exported");
    await delay(50);
  }
  // The 503 asks to slow down, a warning: printed on stderr and exported
  // with its page's ids.
  const gone = results.find((r) => r.url.endsWith("/gone"))!;
  assert.match(text, /WARN .*\/gone/);
  while (!otlp.logs.some((l) => l.severity === "WARN")) {
    assert.ok(Date.now() < deadline, "the warning was not exported");
    await delay(50);
  }
  const warning = otlp.logs.find((l) =>
    l.severity === "WARN" && l.body.includes("/gone")
  )!;
  assert.equal(warning.traceId, gone.trace.traceId);
  assert.equal(warning.spanId, gone.trace.spanId);
});

Deno.test("trawl --propagate-trace sends each request's traceparent when OpenTelemetry is on", async () => {
  await using otlp = startReceiver();
  await using srv = site();
  const { results } = await crawlWith(
    ["--propagate-trace", `${srv.origin}/`],
    otlp.env,
  );
  assert.equal(results.length, 3);
  for (const hit of srv.log) {
    assert.match(
      hit.headers.get("traceparent") ?? "",
      /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/,
      hit.path,
    );
  }
  const a = results.find((r) => r.url.endsWith("/a"))!;
  const sent = srv.log.find((h) => h.path === "/a")!.headers.get(
    "traceparent",
  )!;
  assert.equal(sent.split("-")[1], a.trace.traceId);
});

Deno.test("parseCliArgs() sets propagateTrace only with --propagate-trace", () => {
  const seed = "https://example.com/";
  assert.equal(
    parseCliArgs(["--propagate-trace", seed]).options.propagateTrace,
    true,
  );
  assert.equal(parseCliArgs([seed]).options.propagateTrace, undefined);
});
