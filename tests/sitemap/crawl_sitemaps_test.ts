// Crawls that follow sitemaps: from robots.txt, from the sitemapUrls option,
// through indexes, gzip and text files; their scope, politeness, limits and
// failures. Every server is on 127.0.0.1.
import assert from "node:assert/strict";
import { Crawler } from "../../src/crawler/crawler.ts";
import type { CrawlOptions } from "../../src/crawler/options.ts";
import type { CrawlResult } from "../../src/crawler/result.ts";
import type { LogRecord } from "../../src/telemetry/log.ts";
import { html, serve, stall } from "../_support/serve.ts";

const fast: CrawlOptions = {
  workers: 0,
  retries: 0,
  backoff: { baseMs: 5, maxMs: 100 },
};

async function gzipped(text: string): Promise<Uint8Array<ArrayBuffer>> {
  const gz = new Blob([text]).stream().pipeThrough(
    new CompressionStream("gzip") as TransformStream<Uint8Array, Uint8Array>,
  );
  return new Uint8Array(await new Response(gz).arrayBuffer());
}

/** Runs a crawl; results by path (or full URL when on another origin). */
async function crawlSite(
  origin: string,
  seeds: string[],
  options: CrawlOptions = {},
): Promise<
  { results: Map<string, CrawlResult>; crawler: Crawler; logs: LogRecord[] }
> {
  const logs: LogRecord[] = [];
  const crawler = new Crawler(seeds, {
    ...fast,
    onLog: (r) => logs.push(r),
    ...options,
  });
  const results = new Map<string, CrawlResult>();
  for await (const r of crawler.run()) {
    const key = r.url.startsWith(origin) ? r.url.slice(origin.length) : r.url;
    assert.ok(!results.has(key), `${key} yielded twice`);
    results.set(key, r);
  }
  return { results, crawler, logs };
}

/** A site whose robots.txt names an index of a gzip, a plain and a text sitemap. */
function sitemapSite() {
  return serve(async (req, url) => {
    const o = `http://${req.headers.get("host")}`;
    switch (url.pathname) {
      case "/robots.txt":
        return new Response(
          `User-agent: *\nDisallow: /private\nSitemap: ${o}/sitemap_index.xml\nSitemap: /sitemap_index.xml\n`,
        );
      case "/":
        return html(`<a href="/linked">linked</a>`);
      case "/sitemap_index.xml":
        return new Response(
          `<?xml version="1.0" encoding="UTF-8"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <sitemap><loc>${o}/maps/pages.xml</loc><lastmod>2024-03-01</lastmod></sitemap>
  <sitemap><loc>${o}/maps/more.txt</loc></sitemap>
  <sitemap><loc>${o}/maps/plain.xml</loc></sitemap>
  <sitemap><loc>${o}/maps/pages.xml</loc><lastmod>2024-03-01</lastmod></sitemap>
</sitemapindex>`,
          { headers: { "content-type": "application/xml" } },
        );
      case "/maps/pages.xml": // gzip, whatever its name and type say
        return new Response(
          await gzipped(`<urlset>
  <url><loc>${o}/orphan-a</loc><lastmod>2024-02-20</lastmod></url>
  <url><loc>${o}/linked</loc></url>
  <url><loc>http://localhost:${url.port}/elsewhere</loc></url>
  <url><loc>${o}/private/secret</loc></url>
</urlset>`),
          { headers: { "content-type": "text/xml" } },
        );
      case "/maps/plain.xml":
        return new Response(
          `<urlset><url><loc>${o}/orphan-b</loc><lastmod>2023-11-05</lastmod></url></urlset>`,
        );
      case "/maps/more.txt":
        return new Response(`${o}/orphan-c\n${o}/\n`, {
          headers: { "content-type": "text/plain" },
        });
      default:
        return html(`<title>${url.pathname}</title>`);
    }
  });
}

Deno.test("Crawler.run() follows robots.txt sitemaps through an index to gzip, plain and text sitemaps, and reaches orphan pages", async () => {
  await using srv = sitemapSite();
  const { results, crawler, logs } = await crawlSite(srv.origin, [
    srv.origin + "/",
  ]);
  const o = srv.origin;
  assert.deepEqual([...results.keys()].sort(), [
    "/",
    "/linked",
    "/maps/more.txt",
    "/maps/pages.xml",
    "/maps/plain.xml",
    "/orphan-a",
    "/orphan-b",
    "/orphan-c",
    "/private/secret",
    "/sitemap_index.xml",
  ]);
  const index = results.get("/sitemap_index.xml")!;
  assert.equal(index.via, "robots");
  assert.equal(index.referrer, `${o}/robots.txt`);
  assert.deepEqual(index.sitemap, {
    pages: 0,
    sitemaps: 4,
    followed: 3,
    format: "xml",
    gzip: false,
  });
  const pages = results.get("/maps/pages.xml")!;
  assert.deepEqual(
    [pages.status, pages.via, pages.referrer, pages.lastmod],
    [200, "sitemap", `${o}/sitemap_index.xml`, "2024-03-01"],
  );
  assert.equal(pages.sitemap?.gzip, true);
  assert.equal(pages.sitemap?.pages, 4);
  assert.equal(results.get("/maps/more.txt")?.sitemap?.format, "text");
  const orphan = results.get("/orphan-a")!;
  assert.deepEqual(
    [orphan.status, orphan.via, orphan.referrer, orphan.lastmod, orphan.title],
    [200, "sitemap", `${o}/maps/pages.xml`, "2024-02-20", "/orphan-a"],
  );
  assert.equal(results.get("/orphan-b")?.lastmod, "2023-11-05");
  // Found through a link first: not marked.
  assert.equal(results.get("/linked")?.via, undefined);
  // Entries obey robots.txt and the scope like links.
  assert.equal(results.get("/private/secret")?.skipped, "robots");
  assert.equal(srv.hits("/elsewhere"), 0);
  // Each sitemap fetched once, though named twice.
  for (const p of ["/sitemap_index.xml", "/maps/pages.xml"]) {
    assert.equal(srv.hits(p), 1, p);
  }
  const stats = crawler.stats;
  assert.equal(stats.sitemapsFetched, 4);
  assert.equal(stats.sitemapEntries, 4 + 4 + 1 + 2);
  assert.deepEqual(stats.sitemaps, [
    `${o}/sitemap_index.xml`,
    "/sitemap_index.xml",
  ]);
  const read = logs.filter((l) => l.message.startsWith("sitemap read"));
  assert.equal(read.length, 4);
  assert.ok(read.every((l) => l.level === "info" && l.url));
});

Deno.test("Crawler.run() with sitemaps: false reads no robots.txt sitemap", async () => {
  await using srv = sitemapSite();
  const { results } = await crawlSite(srv.origin, [srv.origin + "/"], {
    sitemaps: false,
  });
  assert.deepEqual([...results.keys()].sort(), ["/", "/linked"]);
  assert.equal(srv.hits("/sitemap_index.xml"), 0);
});

Deno.test("Crawler.run() crawls from sitemapUrls alone, their host giving the scope", async () => {
  await using srv = sitemapSite();
  const { results, crawler } = await crawlSite(srv.origin, [], {
    sitemapUrls: [
      srv.origin + "/maps/plain.xml",
      srv.origin + "/maps/more.txt",
    ],
    sitemaps: false,
  });
  assert.deepEqual([...results.keys()].sort(), [
    "/",
    "/linked",
    "/maps/more.txt",
    "/maps/plain.xml",
    "/orphan-b",
    "/orphan-c",
  ]);
  const seed = results.get("/maps/plain.xml")!;
  assert.deepEqual([seed.depth, seed.via, seed.referrer], [
    0,
    undefined,
    undefined,
  ]);
  assert.equal(results.get("/orphan-b")?.depth, 1);
  assert.equal(results.get("/linked")?.depth, 2);
  assert.deepEqual(crawler.seeds, []);
});

Deno.test("Crawler.run() with since skips sitemap entries whose lastmod is older", async () => {
  await using srv = sitemapSite();
  const { results } = await crawlSite(srv.origin, [srv.origin + "/"], {
    since: new Date("2024-01-01T00:00:00Z"),
  });
  // orphan-b (2023-11-05) is older; orphan-c has no lastmod; orphan-a is newer.
  assert.equal(results.has("/orphan-b"), false);
  assert.equal(results.get("/orphan-c")?.status, 200);
  assert.equal(results.get("/orphan-a")?.status, 200);
  assert.equal(results.get("/maps/plain.xml")?.sitemap?.older, 1);
  // An index entry older than since is not fetched at all.
  const { results: later } = await crawlSite(srv.origin, [srv.origin + "/"], {
    since: new Date("2024-03-02T00:00:00Z"),
  });
  assert.equal(later.has("/maps/pages.xml"), false);
  assert.equal(later.get("/sitemap_index.xml")?.sitemap?.older, 2);
});

Deno.test("Crawler.run() goes on when a sitemap is missing, times out or is not XML", async () => {
  await using srv = serve((req, url) => {
    const o = `http://${req.headers.get("host")}`;
    switch (url.pathname) {
      case "/robots.txt":
        return new Response(
          `Sitemap: ${o}/gone.xml\nSitemap: ${o}/slow.xml\nSitemap: ${o}/page.xml\nSitemap: ${o}/ok.xml\n`,
        );
      case "/gone.xml":
        return new Response("no", { status: 404 });
      case "/slow.xml":
        return stall(req);
      case "/page.xml":
        return html("<html><body>Not a sitemap</body></html>");
      case "/ok.xml":
        return new Response(
          `<urlset><url><loc>${o}/orphan</loc></url></urlset>`,
        );
      default:
        return html(`<title>${url.pathname}</title>`);
    }
  });
  const { results, logs } = await crawlSite(srv.origin, [srv.origin + "/"], {
    timeoutMs: 300,
    idleTimeoutMs: 200,
  });
  assert.equal(results.get("/gone.xml")?.status, 404);
  assert.deepEqual(results.get("/gone.xml")?.sitemap, {
    pages: 0,
    sitemaps: 0,
    followed: 0,
  });
  assert.equal(results.get("/slow.xml")?.error?.name, "IdleTimeoutError");
  assert.equal(results.get("/page.xml")?.sitemap?.pages, 0);
  assert.equal(results.get("/orphan")?.status, 200);
  assert.ok(
    logs.some((l) => l.level === "warn" && l.message.includes("HTTP 404")),
  );
});

Deno.test("Crawler.run() fetches sitemaps within the host's politeness: one request at a time with perHost.concurrency 1", async () => {
  let inFlight = 0;
  let most = 0;
  await using srv = serve(async (req, url) => {
    inFlight++;
    most = Math.max(most, inFlight);
    try {
      await new Promise((r) => setTimeout(r, 5));
      const o = `http://${req.headers.get("host")}`;
      if (url.pathname === "/robots.txt") {
        return new Response(`Sitemap: ${o}/a.xml\nSitemap: ${o}/b.xml\n`);
      }
      if (url.pathname.endsWith(".xml")) {
        const locs = Array.from(
          { length: 5 },
          (_, i) => `<url><loc>${o}${url.pathname}-${i}</loc></url>`,
        );
        return new Response(`<urlset>${locs.join("")}</urlset>`);
      }
      return html(`<a href="/x">x</a><a href="/y">y</a>`);
    } finally {
      inFlight--;
    }
  });
  const { results } = await crawlSite(srv.origin, [srv.origin + "/"], {
    perHost: { concurrency: 1 },
  });
  assert.equal(results.size, 3 + 2 + 10);
  assert.equal(most, 1);
});

Deno.test("Crawler.run() honours robots.txt for sitemaps and stops index nesting past two levels", async () => {
  await using srv = serve((req, url) => {
    const o = `http://${req.headers.get("host")}`;
    const index = (next: string) =>
      new Response(
        `<sitemapindex><sitemap><loc>${o}/${next}</loc></sitemap></sitemapindex>`,
      );
    switch (url.pathname) {
      case "/robots.txt":
        return new Response(
          `User-agent: *\nDisallow: /hidden.xml\nSitemap: ${o}/hidden.xml\nSitemap: ${o}/i0.xml\n`,
        );
      case "/i0.xml":
        return index("i1.xml");
      case "/i1.xml":
        return index("i2.xml");
      case "/i2.xml":
        return index("i3.xml");
      default:
        return html("<title>t</title>");
    }
  });
  const { results, logs } = await crawlSite(srv.origin, [srv.origin + "/"]);
  assert.equal(results.get("/hidden.xml")?.skipped, "robots");
  assert.equal(srv.hits("/hidden.xml"), 0);
  assert.equal(results.get("/i1.xml")?.status, 200);
  assert.equal(results.get("/i2.xml")?.status, 200);
  assert.equal(results.has("/i3.xml"), false);
  assert.equal(srv.hits("/i3.xml"), 0);
  assert.ok(logs.some((l) => l.message.includes("nested too deep")));
});

Deno.test("Crawler.run() reads no sitemap with maxDepth 0, and follows none from a sitemap at maxDepth", async () => {
  await using srv = sitemapSite();
  const none = await crawlSite(srv.origin, [srv.origin + "/"], { maxDepth: 0 });
  assert.deepEqual([...none.results.keys()], ["/"]);
  const given = await crawlSite(srv.origin, [], {
    sitemapUrls: [srv.origin + "/maps/plain.xml"],
    maxDepth: 0,
  });
  assert.deepEqual([...given.results.keys()], ["/maps/plain.xml"]);
  assert.deepEqual(given.results.get("/maps/plain.xml")?.sitemap?.followed, 0);
});

Deno.test("new Crawler() refuses a sitemapUrls entry that is not an http(s) URL, and a since that is not a Date", () => {
  assert.throws(
    () => new Crawler([], { sitemapUrls: ["ftp://a.test/s.xml"] }),
    {
      name: "TypeError",
      message:
        "Cannot crawl as sitemap 'ftp://a.test/s.xml' is not an absolute http(s) URL",
    },
  );
  assert.throws(
    () => new Crawler([], { since: new Date("nope") }),
    {
      name: "TypeError",
      message:
        "Cannot crawl as 'since' must be a valid Date: current value is Invalid Date",
    },
  );
});

Deno.test("Crawler.settings names sitemap options only when they are not the default", () => {
  const plain = new Crawler(["https://a.test/"]).settings;
  assert.equal("sitemaps" in plain, false);
  assert.equal("sitemapUrls" in plain, false);
  const set = new Crawler(["https://a.test/"], {
    sitemaps: false,
    sitemapUrls: ["https://a.test/s.xml"],
  }).settings;
  assert.equal(set.sitemaps, false);
  assert.deepEqual(set.sitemapUrls, ["https://a.test/s.xml"]);
});

Deno.test("Crawler.run() reads a gzip bomb sitemap up to the cap, with a warning, and goes on", async () => {
  // 200 MB of sitemap once inflated, compressed as it is made: only its
  // ~200 KB of gzip is ever held.
  const piece = new TextEncoder().encode(" ".repeat(1 << 20));
  let made = 0;
  const inflated = new ReadableStream<Uint8Array>({
    pull(c) {
      if (made === 0) {
        c.enqueue(
          new TextEncoder().encode("<urlset><url><loc>/orphan</loc></url>"),
        );
      }
      if (made++ >= 200) c.close();
      else c.enqueue(piece);
    },
  }, { highWaterMark: 0 });
  const gz = await new Response(
    inflated.pipeThrough(
      new CompressionStream("gzip") as TransformStream<Uint8Array, Uint8Array>,
    ),
  ).arrayBuffer();
  await using srv = serve((req, url) => {
    const o = `http://${req.headers.get("host")}`;
    if (url.pathname === "/robots.txt") {
      return new Response(`Sitemap: ${o}/bomb.xml.gz\n`);
    }
    if (url.pathname === "/bomb.xml.gz") {
      return new Response(gz, {
        headers: { "content-type": "application/gzip" },
      });
    }
    return html("<title>t</title>");
  });
  const { results, logs } = await crawlSite(srv.origin, [srv.origin + "/"]);
  const sitemap = results.get("/bomb.xml.gz")!;
  assert.equal(sitemap.sitemap?.cut, "bytes");
  assert.equal(sitemap.sitemap?.gzip, true);
  assert.equal(sitemap.bytes, gz.byteLength);
  assert.equal(results.get("/orphan")?.status, 200);
  assert.ok(
    logs.some((l) => l.level === "warn" && l.message.startsWith("sitemap cut")),
  );
});
