// Sitemaps in a crawl shared through Redis: a sitemap entry keeps what marks
// it (a sitemap, found via robots.txt or a sitemap, its lastmod) on its way
// through Redis; and a Redis store refuses a recrawl.
import assert from "node:assert/strict";
import { Crawler } from "../../../src/crawler/crawler.ts";
import type { CrawlResult } from "../../../src/crawler/result.ts";
import { RedisStore } from "../../../src/frontier/redis/redis_store.ts";
import { redisTest } from "../../_support/redis_server.ts";
import { html, serve } from "../../_support/serve.ts";

redisTest(
  "Crawler.run() with a RedisStore reads robots.txt sitemaps and their pages keep via, referrer and lastmod",
  async ({ url, crawl }) => {
    await using srv = serve((req, u) => {
      const o = `http://${req.headers.get("host")}`;
      switch (u.pathname) {
        case "/robots.txt":
          return new Response(`Sitemap: ${o}/index.xml\n`);
        case "/index.xml":
          return new Response(
            `<sitemapindex><sitemap><loc>${o}/pages.xml</loc></sitemap></sitemapindex>`,
          );
        case "/pages.xml":
          return new Response(
            `<urlset><url><loc>${o}/orphan</loc><lastmod>2024-02-02</lastmod></url></urlset>`,
          );
        default:
          return html("<title>t</title>");
      }
    });
    const store = new RedisStore({ url, crawl });
    const results = new Map<string, CrawlResult>();
    try {
      for await (
        const r of new Crawler([srv.origin + "/"], {
          workers: 0,
          retries: 0,
          store,
        }).run()
      ) results.set(r.url.slice(srv.origin.length), r);
    } finally {
      await store.close();
    }
    assert.deepEqual([...results.keys()].sort(), [
      "/",
      "/index.xml",
      "/orphan",
      "/pages.xml",
    ]);
    assert.equal(results.get("/index.xml")?.via, "robots");
    assert.equal(results.get("/index.xml")?.sitemap?.sitemaps, 1);
    assert.equal(results.get("/pages.xml")?.sitemap?.pages, 1);
    const orphan = results.get("/orphan")!;
    assert.deepEqual(
      [orphan.via, orphan.referrer, orphan.lastmod],
      ["sitemap", srv.origin + "/pages.xml", "2024-02-02"],
    );
  },
);

Deno.test("new Crawler() refuses recrawl with a RedisStore", () => {
  // Never connected (it connects when a crawl opens it): nothing to close.
  const store = new RedisStore({
    url: "redis://127.0.0.1:1/0",
    crawl: "never-connected",
  });
  assert.throws(
    () => new Crawler(["https://a.test/"], { recrawl: true, store }),
    {
      name: "TypeError",
      message:
        "Cannot crawl as 'recrawl' needs a store that keeps every URL: pass 'state' (a SQLite file) or a SqliteStore",
    },
  );
});
