// Recrawls of a durable crawl (`state`) against a site that answers
// conditional requests as nginx does: unchanged pages end as 304, changed
// ones are read again, gone ones are reported, new ones are crawled.
import assert from "node:assert/strict";
import { join } from "node:path";
import { Crawler } from "../../src/crawler/crawler.ts";
import type { CrawlOptions } from "../../src/crawler/options.ts";
import type { CrawlResult } from "../../src/crawler/result.ts";
import { MemoryStore } from "../../src/frontier/memory_store.ts";
import { SqliteStore } from "../../src/frontier/sqlite/sqlite_store.ts";
import type { LogRecord } from "../../src/telemetry/log.ts";
import {
  type ConditionalSite,
  conditionalSite,
} from "../_support/conditional_site.ts";

const fast: CrawlOptions = { workers: 0, retries: 0 };

/** A site: a home page, three linked pages, one behind /b, a sitemap orphan. */
function site(): ConditionalSite {
  return conditionalSite({
    "/robots.txt": "User-agent: *\nSitemap: {{origin}}/sitemap.xml\n",
    "/": `<a href="/a">a</a> <a href="/b">b</a> <a href="/c">c</a>`,
    "/a": "<title>A</title>",
    "/b": `<title>B</title><a href="/gone">gone</a>`,
    "/c": "<title>C</title>",
    "/gone": "<title>Soon gone</title>",
    "/sitemap.xml": "<urlset><url><loc>{{origin}}/orphan</loc></url></urlset>",
    "/orphan": "<title>Orphan</title>",
  });
}

/** Runs one crawl; its results by path, and its log. */
async function run(
  s: ConditionalSite,
  state: string,
  options: CrawlOptions = {},
): Promise<{ results: Map<string, CrawlResult>; logs: LogRecord[] }> {
  const logs: LogRecord[] = [];
  const results = new Map<string, CrawlResult>();
  const crawler = new Crawler([s.origin + "/"], {
    ...fast,
    state,
    onLog: (r) => logs.push(r),
    ...options,
  });
  for await (const r of crawler.run()) {
    const path = r.url.slice(s.origin.length);
    assert.ok(!results.has(path), `${path} yielded twice`);
    results.set(path, r);
  }
  return { results, logs };
}

function statuses(results: Map<string, CrawlResult>): Record<string, number> {
  return Object.fromEntries(
    [...results].sort(([a], [b]) => a < b ? -1 : 1).map((
      [p, r],
    ) => [p, r.status]),
  );
}

async function tempState(): Promise<
  { state: string } & AsyncDisposable
> {
  const dir = await Deno.makeTempDir({ prefix: "trawl_recrawl_" });
  return {
    state: join(dir, "s.db"),
    [Symbol.asyncDispose]: () => Deno.remove(dir, { recursive: true }),
  };
}

Deno.test("Crawler.run() with recrawl revisits every URL once: 304 for unchanged pages, changed ones read again with their new links, gone ones reported, new ones crawled", async () => {
  await using s = site();
  await using tmp = await tempState();
  const first = await run(s, tmp.state);
  assert.deepEqual(statuses(first.results), {
    "/": 200,
    "/a": 200,
    "/b": 200,
    "/c": 200,
    "/gone": 200,
    "/orphan": 200,
    "/sitemap.xml": 200,
  });
  const home = first.results.get("/")!;
  assert.match(home.etag ?? "", /^"[0-9a-f]+-[0-9a-f]+"$/);
  assert.equal(home.lastModified, "Mon, 01 Jan 2024 00:00:00 GMT");
  assert.equal(home.recrawl, undefined);
  assert.equal(s.answers.filter((a) => a.conditional).length, 0);

  // The site changes: /a gains a link, /gone goes, the sitemap lists a new page.
  s.put("/a", `<title>A2</title><a href="/new">new</a>`);
  s.put("/new", "<title>New</title>");
  s.remove("/gone");
  s.put(
    "/sitemap.xml",
    "<urlset><url><loc>{{origin}}/orphan</loc></url><url><loc>{{origin}}/orphan2</loc></url></urlset>",
  );
  s.put("/orphan2", "<title>Orphan 2</title>");
  s.reset();
  const second = await run(s, tmp.state, { recrawl: true });
  assert.deepEqual(statuses(second.results), {
    "/": 304,
    "/a": 200,
    "/b": 304,
    "/c": 304,
    "/gone": 404,
    "/new": 200,
    "/orphan": 304,
    "/orphan2": 200,
    "/sitemap.xml": 200,
  });
  for (const r of second.results.values()) assert.equal(r.recrawl, 1, r.url);
  const unchanged = second.results.get("/b")!;
  assert.equal(unchanged.notModified, true);
  assert.equal(unchanged.etag, first.results.get("/b")!.etag);
  assert.equal(unchanged.links, 0);
  const changed = second.results.get("/a")!;
  assert.equal(changed.title, "A2");
  assert.equal(changed.notModified, undefined);
  assert.notEqual(changed.etag, first.results.get("/a")!.etag);
  assert.equal(second.results.get("/new")?.referrer, s.origin + "/a");
  assert.equal(second.results.get("/orphan2")?.via, "sitemap");
  // Revisits are conditional; new pages are not.
  const byPath = new Map(s.answers.map((a) => [a.path, a]));
  for (const p of ["/", "/a", "/b", "/c", "/gone", "/orphan", "/sitemap.xml"]) {
    assert.equal(byPath.get(p)?.conditional, true, p);
  }
  assert.equal(byPath.get("/new")?.conditional, false);
  assert.equal(s.answers.filter((a) => a.path !== "/robots.txt").length, 9);
  assert.ok(
    second.logs.some((l) =>
      l.message === "recrawl 1 started: 7 URL(s) to revisit"
    ),
  );

  const status = SqliteStore.status(tmp.state);
  assert.deepEqual(
    [status.recrawl?.generation, status.recrawl?.done, status.recrawl?.pending],
    [1, 9, 0],
  );
  assert.deepEqual(status.byStatusClass, { "2xx": 4, "3xx": 4, "4xx": 1 });

  // Again: the state remembers the 404, and now everything is unchanged.
  s.reset();
  const third = await run(s, tmp.state, { recrawl: true });
  assert.deepEqual(statuses(third.results), {
    "/": 304,
    "/a": 304,
    "/b": 304,
    "/c": 304,
    "/gone": 404,
    "/new": 304,
    "/orphan": 304,
    "/orphan2": 304,
    "/sitemap.xml": 304,
  });
  for (const r of third.results.values()) assert.equal(r.recrawl, 2, r.url);
  // A run without recrawl on a finished state does nothing.
  s.reset();
  const idle = await run(s, tmp.state);
  assert.equal(idle.results.size, 0);
  assert.deepEqual(s.answers, []);
});

Deno.test("Crawler.run() with recrawlOlderThanMs revisits only URLs fetched longer ago", async () => {
  await using s = site();
  await using tmp = await tempState();
  await run(s, tmp.state);
  s.reset();
  const recent = await run(s, tmp.state, { recrawlOlderThanMs: 3_600_000 });
  assert.equal(recent.results.size, 0);
  assert.deepEqual(s.answers, []);
  assert.ok(
    recent.logs.some((l) => l.message.startsWith("nothing to recrawl")),
  );
  await new Promise((r) => setTimeout(r, 30));
  const old = await run(s, tmp.state, { recrawlOlderThanMs: 10 });
  assert.equal(old.results.size, 7);
  assert.ok([...old.results.values()].every((r) => r.status === 304));
});

Deno.test("Crawler.run() with recrawl on an unfinished crawl continues it first", async () => {
  await using s = site();
  await using tmp = await tempState();
  // Stop the first crawl after two results.
  const ctl = new AbortController();
  const before = new Set<string>();
  await assert.rejects(async () => {
    for await (
      const r of new Crawler([s.origin + "/"], {
        ...fast,
        state: tmp.state,
        perHost: { concurrency: 1 },
        signal: ctl.signal,
      }).run()
    ) {
      before.add(r.url.slice(s.origin.length));
      if (before.size === 2) ctl.abort(new Error("stop"));
    }
  });
  // What the first run committed (its last commits may not have been yielded).
  {
    await using store = new SqliteStore(tmp.state);
    for (const r of store.results()) before.add(r.url.slice(s.origin.length));
  }
  s.reset();
  const resumed = await run(s, tmp.state, { recrawl: true });
  for (const p of resumed.results.keys()) assert.ok(!before.has(p), p);
  assert.equal(before.size + resumed.results.size, 7);
  assert.ok(resumed.results.size >= 4, `${resumed.results.size}`);
  for (const r of resumed.results.values()) {
    assert.equal(r.recrawl, undefined);
    assert.equal(r.status, 200);
  }
  assert.ok(resumed.logs.some((l) => l.message.includes("continuing it")));
  assert.equal(s.answers.filter((a) => a.conditional).length, 0);
});

Deno.test("new Crawler() refuses recrawl without a store that keeps every URL", () => {
  const message =
    "Cannot crawl as 'recrawl' needs a store that keeps every URL: pass 'state' (a SQLite file) or a SqliteStore";
  assert.throws(() => new Crawler(["https://a.test/"], { recrawl: true }), {
    name: "TypeError",
    message,
  });
  assert.throws(
    () =>
      new Crawler(["https://a.test/"], {
        recrawlOlderThanMs: 1000,
        store: new MemoryStore(),
      }),
    { name: "TypeError", message },
  );
  assert.throws(
    () =>
      new Crawler(["https://a.test/"], {
        recrawl: false,
        recrawlOlderThanMs: 1000,
        state: "x.db",
      }),
    TypeError,
  );
  assert.throws(
    () =>
      new Crawler(["https://a.test/"], {
        recrawlOlderThanMs: 0,
        state: "x.db",
      }),
    RangeError,
  );
  // A SqliteStore passed as the store can recrawl.
  new Crawler(["https://a.test/"], {
    recrawl: true,
    store: new SqliteStore("never-opened.db"),
  });
});
