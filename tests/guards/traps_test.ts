// Spider traps end in bounded work, and the results say why URLs were skipped.
import assert from "node:assert/strict";
import { crawl, type CrawlOptions, type CrawlResult } from "../../mod.ts";
import { html, serve } from "../_support/serve.ts";

async function crawlTrap(
  handler: (url: URL) => Response,
  options: CrawlOptions = {},
): Promise<{ results: CrawlResult[]; requests: number }> {
  await using srv = serve((_req, url) =>
    url.pathname === "/robots.txt"
      ? new Response("", { status: 404 })
      : handler(url)
  );
  const results: CrawlResult[] = [];
  for await (
    const r of crawl([`${srv.origin}/`], {
      workers: 0,
      perHost: { concurrency: 4 },
      ...options,
    })
  ) results.push(r);
  const urls = results.map((r) => r.url);
  assert.equal(new Set(urls).size, urls.length, "each URL once");
  const requests = srv.log.filter((h) => h.path !== "/robots.txt").length;
  return { results, requests };
}

function reasons(results: CrawlResult[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of results) {
    const k = r.skipped ?? String(r.status);
    out[k] = (out[k] ?? 0) + 1;
  }
  return out;
}

Deno.test("crawl() stops an infinite calendar after traps.maxQueryVariants per path", async () => {
  const { results, requests } = await crawlTrap((url) => {
    const month = Number(url.searchParams.get("month") ?? 0);
    return html(
      `<a href="/cal?month=${month + 1}">next</a><a href="/cal?month=${
        month - 1
      }">prev</a>`,
    );
  }, { traps: { maxQueryVariants: 20 } });
  assert.equal(requests, 21); // "/" and 20 variants of /cal
  const r = reasons(results);
  assert.equal(r["200"], 21);
  assert.ok(
    r["query-variants"] >= 1 && r["query-variants"] <= 2,
    JSON.stringify(r),
  );
});

Deno.test("crawl() stops ever-deepening relative paths at repeated segments", async () => {
  const { results, requests } = await crawlTrap(() =>
    html(`<a href="a/">a</a><a href="b/">b</a>`)
  );
  // /a/, /a/b/, /a/b/a/ ... every path that repeats a segment more than 3
  // times, or goes deeper than 32 segments, is refused.
  assert.ok(requests < 200, `${requests} requests`);
  assert.ok(results.some((r) => r.skipped === "repeated-segments"));
  for (const r of results.filter((r) => r.status === 200)) {
    const segs = new URL(r.url).pathname.split("/").filter(Boolean);
    for (const s of new Set(segs)) {
      assert.ok(segs.filter((x) => x === s).length <= 3, r.url);
    }
  }
});

Deno.test("crawl() dedupes URLs to one when each carries a new session id", async () => {
  let n = 0;
  const { results, requests } = await crawlTrap((url) => {
    n++;
    const self = url.pathname + (url.search ? url.search + "&" : "?") +
      `PHPSESSID=${n}`;
    return html(
      `<a href="/page;jsessionid=${n}">p</a><a href="/other?sid=${n}&x=1">o</a><a href="${self}">self</a>`,
    );
  });
  const urls = results.map((r) =>
    new URL(r.url).pathname + new URL(r.url).search
  ).sort();
  assert.deepEqual(urls, ["/", "/other?x=1", "/page"]);
  assert.equal(requests, 3);
});

Deno.test("crawl() follows maxLinksPerPage links when a page has 100,000", async () => {
  const links = Array.from(
    { length: 100_000 },
    (_, i) => `<a href="/p${i}">${i}</a>`,
  ).join("");
  const big = html(links);
  const { results, requests } = await crawlTrap(
    (url) => url.pathname === "/" ? big : html("<title>leaf</title>"),
    { maxLinksPerPage: 50, maxBodyBytes: 4 * 1024 * 1024 },
  );
  const root = results.find((r) => new URL(r.url).pathname === "/")!;
  assert.equal(root.links, 100_000, "all links counted");
  assert.equal(results.length, 51, "only maxLinksPerPage followed");
  assert.equal(requests, 51);
});

Deno.test("crawl() stops a host at maxPagesPerHost and reports the rest as budget", async () => {
  const { results, requests } = await crawlTrap(
    (url) => {
      const n = Number(url.pathname.slice(2) || 0);
      return html(`<a href="/p${n + 1}">n</a><a href="/p${n + 2}">n</a>`);
    },
    { maxPagesPerHost: 10, perHost: { concurrency: 1 } },
  );
  assert.equal(requests, 10);
  const r = reasons(results);
  assert.equal(r["200"], 10);
  assert.ok(r.budget >= 1 && r.budget <= 2, JSON.stringify(r));
});

Deno.test("crawl() refuses over-long URLs", async () => {
  const long = "/x" + "y".repeat(3000);
  const { results, requests } = await crawlTrap(() =>
    html(`<a href="${long}">long</a>`)
  );
  assert.equal(requests, 1);
  assert.equal(
    results.find((r) => r.url.includes("yyy"))?.skipped,
    "url-too-long",
  );
});
