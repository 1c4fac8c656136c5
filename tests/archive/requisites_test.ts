import assert from "node:assert/strict";
import { join } from "node:path";
import { crawl } from "../../src/crawler/crawler.ts";
import type { CrawlOptions } from "../../src/crawler/options.ts";
import type { CrawlResult } from "../../src/crawler/result.ts";
import { html, serve } from "../_support/serve.ts";

const BASE: CrawlOptions = {
  workers: 0,
  retries: 0,
  requisites: true,
  resolver: () => Promise.resolve(["127.0.0.1"]),
};

async function run(
  seed: string,
  options: CrawlOptions,
): Promise<CrawlResult[]> {
  const out: CrawlResult[] = [];
  for await (const r of crawl([seed], { ...BASE, ...options })) out.push(r);
  return out;
}

const png = () =>
  new Response(new Uint8Array([0x89, 0x50, 0x4e, 0x47]), {
    headers: { "content-type": "image/png" },
  });

Deno.test("crawl() with requisites fetches a page's requisites at its depth, past maxDepth and skipExtensions, each a result with requisite: true", async () => {
  await using server = serve((_req, url) => {
    if (url.pathname === "/") {
      return html(
        `<img src="/a.png"><link rel=stylesheet href="/s.css">
         <a href="/next">next</a>`,
      );
    }
    if (url.pathname === "/s.css") {
      return new Response("x { background: url(b.png) }", {
        headers: { "content-type": "text/css" },
      });
    }
    if (url.pathname.endsWith(".png")) return png();
    return html("<title>next</title>");
  });
  const results = await run(server.origin + "/", {
    allowPrivateNetworks: true,
    maxDepth: 0,
  });
  const byPath = new Map(
    results.map((r) => [r.url.slice(server.origin.length), r]),
  );
  assert.deepEqual([...byPath.keys()].sort(), [
    "/",
    "/a.png",
    "/b.png",
    "/s.css",
  ]);
  for (const path of ["/a.png", "/b.png", "/s.css"]) {
    const r = byPath.get(path)!;
    assert.equal(r.requisite, true, path);
    assert.equal(r.status, 200, path);
    assert.equal(r.depth, 0, path);
    assert.equal(r.skipped, undefined, path);
  }
  assert.equal(byPath.get("/b.png")!.referrer, server.origin + "/s.css");
  assert.equal(byPath.get("/s.css")!.links, 1);
  assert.equal(byPath.get("/")!.requisite, undefined);
  assert.equal(server.hits("/next"), 0);
});

Deno.test("crawl() with requisites refuses requisites out of scope, disallowed by robots.txt or at an internal address", async () => {
  await using server = serve((_req, url) => {
    if (url.pathname === "/robots.txt") {
      return new Response("User-agent: *\nDisallow: /private/\n");
    }
    if (url.pathname === "/") {
      const alt = `http://localhost:${url.port}`;
      return html(
        `<img src="/private/p.png"><img src="${alt}/other.png">
         <img src="/ok.png">`,
      );
    }
    return png();
  });
  // Same host only: localhost is another host.
  const scoped = await run(server.origin + "/", { allowPrivateNetworks: true });
  assert.deepEqual(
    scoped.map((
      r,
    ) => [r.url.slice(server.origin.length), r.skipped ?? r.status])
      .sort(),
    [["/", 200], ["/ok.png", 200], ["/private/p.png", "robots"]],
  );
  assert.equal(server.hits("/other.png", "localhost"), 0);
  assert.equal(server.hits("/private/p.png"), 0);
  // Any host, but no private addresses beyond the seed's own host.
  const any = await run(server.origin + "/", { scope: "any" });
  const other = any.find((r) => r.url.endsWith("/other.png"));
  assert.equal(other?.skipped, "private-address");
  assert.equal(other?.requisite, true);
  assert.equal(server.hits("/other.png", "localhost"), 0);
});

Deno.test("crawl() with requisites does not parse a requisite for links, and caps its body like a page's", async () => {
  await using server = serve((_req, url) => {
    if (url.pathname === "/") {
      return html(
        `<img src="/looks-like-a-page.html"><script src="/big.js"></script>`,
      );
    }
    if (url.pathname === "/looks-like-a-page.html") {
      return html(`<title>t</title><a href="/never">never</a>`);
    }
    if (url.pathname === "/big.js") {
      return new Response("x".repeat(5000), {
        headers: { "content-type": "text/javascript" },
      });
    }
    return html("<title>never</title>");
  });
  const results = await run(server.origin + "/", {
    allowPrivateNetworks: true,
    maxBodyBytes: 1000,
  });
  const page = results.find((r) => r.url.endsWith("/looks-like-a-page.html"));
  assert.equal(page?.requisite, true);
  assert.equal(page?.title, undefined);
  assert.equal(page?.links, 0);
  assert.equal(server.hits("/never"), 0);
  const big = results.find((r) => r.url.endsWith("/big.js"));
  assert.equal(big?.skipped, "too-large");
  assert.equal(big?.requisite, true);
});

Deno.test("crawl() with requisites and a state keeps queued requisites requisites across a resume", async () => {
  await using server = serve((_req, url) => {
    if (url.pathname === "/") {
      return html(
        `<img src="/i1.html"><img src="/i2.html"><img src="/i3.html">`,
      );
    }
    // Requisites that look like pages: a resumed crawl must not parse them.
    return html(`<a href="/never${url.pathname}">x</a>`);
  });
  const dir = await Deno.makeTempDir({ prefix: "trawl_requisites_" });
  try {
    const state = join(dir, "s.db");
    const options = { allowPrivateNetworks: true, state, perHost: { rate: 5 } };
    const first = new AbortController();
    const stopped = (async () => {
      const results = crawl([server.origin + "/"], {
        ...BASE,
        ...options,
        signal: first.signal,
      });
      for await (const r of results) {
        if (r.url === server.origin + "/") first.abort();
      }
    })();
    await assert.rejects(stopped, (e) => (e as Error).name === "AbortError");
    const rest = await run(server.origin + "/", options);
    assert.ok(rest.length >= 1, "the resumed crawl had requisites left");
    for (const r of rest) {
      assert.equal(r.requisite, true, r.url);
      assert.equal(r.links, 0, r.url);
    }
    assert.equal(
      server.log.filter((h) => h.path.startsWith("/never")).length,
      0,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
