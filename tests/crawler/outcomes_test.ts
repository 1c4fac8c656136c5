// What a crawl tells a library user without being asked: warnings on
// console.error when there is no onLog (and nothing with "silent"), and
// timings rounded to 0.1 ms.
import assert from "node:assert/strict";
import { crawl, type CrawlResult } from "../../mod.ts";
import { html, serve } from "../_support/serve.ts";

async function collect(
  it: AsyncIterable<CrawlResult>,
): Promise<CrawlResult[]> {
  const out: CrawlResult[] = [];
  for await (const r of it) out.push(r);
  return out;
}

/** Runs `fn` with console.error captured. */
async function capturingStderr(fn: () => Promise<unknown>): Promise<string[]> {
  const lines: string[] = [];
  const original = console.error;
  console.error = (...args: unknown[]) => void lines.push(args.join(" "));
  try {
    await fn();
  } finally {
    console.error = original;
  }
  return lines;
}

Deno.test("crawl() prints warnings with console.error when no onLog is given, and nothing with logLevel 'silent'", async () => {
  await using srv = serve((_req, url) =>
    url.pathname === "/robots.txt"
      ? new Response("", { status: 404 })
      : new Response("gone", { status: 500 })
  );
  const options = { workers: 0, retries: 0 };
  const printed = await capturingStderr(() =>
    collect(crawl([`${srv.origin}/`], {
      ...options,
      fetch: () => Promise.reject(new TypeError("boom")),
    }))
  );
  assert.ok(
    printed.some((l) => /^trawl: warn: .*boom/.test(l)),
    printed.join("\n"),
  );
  assert.ok(!printed.some((l) => /: info: /.test(l)), "info is not printed");
  const silent = await capturingStderr(() =>
    collect(crawl([`${srv.origin}/`], {
      ...options,
      logLevel: "silent",
      fetch: () => Promise.reject(new TypeError("boom")),
    }))
  );
  assert.deepEqual(silent, []);
  // With onLog, records go there only.
  const records: string[] = [];
  const handled = await capturingStderr(() =>
    collect(crawl([`${srv.origin}/`], {
      ...options,
      onLog: (r) => void records.push(r.level),
      fetch: () => Promise.reject(new TypeError("boom")),
    }))
  );
  assert.deepEqual(handled, []);
  assert.ok(records.includes("warn"));
});

Deno.test("crawl() rounds a result's timings to 0.1 ms", async () => {
  await using srv = serve((_req, url) =>
    url.pathname === "/robots.txt"
      ? new Response("", { status: 404 })
      : html(`<a href="/a">a</a><a href="/b">b</a><a href="/c">c</a>`)
  );
  const results = await collect(crawl([`${srv.origin}/`], { workers: 0 }));
  assert.equal(results.length, 4);
  for (const r of results) {
    for (const ms of [r.timings.ttfb, r.timings.total]) {
      assert.equal(Math.round(ms * 10) / 10, ms, JSON.stringify(r.timings));
      assert.ok(!/\.\d\d/.test(String(ms)), String(ms));
    }
  }
});
