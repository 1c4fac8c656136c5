// A state file written by schema version 1 (before sitemaps and recrawls):
// read as it is by `status`, brought up to version 2 when a crawl opens it,
// and then resumed and recrawled like any other.
import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { join } from "node:path";
import { Crawler } from "../../../src/crawler/crawler.ts";
import type { CrawlResult } from "../../../src/crawler/result.ts";
import { SqliteStore } from "../../../src/frontier/sqlite/sqlite_store.ts";
import { ADDED_COLUMNS } from "../../../src/frontier/sqlite/schema.ts";
import { conditionalSite } from "../../_support/conditional_site.ts";

/** The tables as schema version 1 made them. */
const SCHEMA_V1 = `
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE urls (
  id INTEGER PRIMARY KEY,
  url TEXT NOT NULL UNIQUE,
  host TEXT NOT NULL,
  depth INTEGER NOT NULL,
  referrer TEXT,
  parent TEXT,
  queued INTEGER NOT NULL,
  done INTEGER NOT NULL DEFAULT 0,
  status INTEGER,
  skipped TEXT,
  error TEXT,
  bytes INTEGER,
  result TEXT
);
CREATE INDEX urls_pending ON urls (id) WHERE done = 0;
CREATE TABLE robots (
  origin TEXT PRIMARY KEY,
  outcome TEXT NOT NULL,
  status INTEGER,
  text TEXT,
  fetched_at INTEGER NOT NULL
);
`;

function columns(path: string): string[] {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    return (db.prepare("PRAGMA table_info(urls)").all() as { name: string }[])
      .map((c) => c.name);
  } finally {
    db.close();
  }
}

Deno.test("SqliteStore opens a version-1 state file, adds the version-2 columns, and the crawl resumes and recrawls it", async () => {
  await using site = conditionalSite({
    "/robots.txt": "User-agent: *\n",
    "/": `<a href="/a">a</a> <a href="/b">b</a>`,
    "/a": "<title>A</title>",
    "/b": "<title>B</title>",
  });
  const dir = await Deno.makeTempDir({ prefix: "trawl_migrate_" });
  try {
    const state = join(dir, "v1.db");
    const seed = site.origin + "/";
    const options = { workers: 0, retries: 0 };
    const settings = new Crawler([seed], options).settings;
    // The state a version-1 crawl left: the home page done, /a and /b queued.
    const home: CrawlResult = {
      url: seed,
      finalUrl: seed,
      status: 200,
      depth: 0,
      links: 2,
      bytes: 40,
      attempts: 1,
      timings: { start: 1, ttfb: 1, total: 1 },
      trace: { traceId: "t", spanId: "s" },
    };
    const db = new DatabaseSync(state);
    db.exec(SCHEMA_V1);
    const meta = db.prepare("INSERT INTO meta (key, value) VALUES (?, ?)");
    meta.run("version", "1");
    meta.run("seeds", JSON.stringify([seed]));
    meta.run("settings", JSON.stringify(settings));
    const row = db.prepare(
      "INSERT INTO urls (url, host, depth, referrer, queued, done, status, bytes, result) VALUES (?, ?, ?, ?, 1, ?, ?, ?, ?)",
    );
    const host = new URL(seed).host;
    row.run(seed, host, 0, null, 1, 200, 40, JSON.stringify(home));
    row.run(site.origin + "/a", host, 1, seed, 0, null, null, null);
    row.run(site.origin + "/b", host, 1, seed, 0, null, null, null);
    db.close();

    // `status` reads it as it is, without changing it.
    const before = SqliteStore.status(state);
    assert.deepEqual([before.done, before.pending], [1, 2]);
    assert.equal(before.recrawl, undefined);
    assert.ok(!columns(state).includes("gen"));

    // A crawl opens it: the columns are added, the two pending pages fetched.
    const resumed: string[] = [];
    for await (
      const r of new Crawler([seed], { ...options, state }).run()
    ) resumed.push(r.url.slice(site.origin.length));
    assert.deepEqual(resumed.sort(), ["/a", "/b"]);
    for (const [name] of ADDED_COLUMNS) {
      assert.ok(columns(state).includes(name), name);
    }
    {
      await using store = new SqliteStore(state);
      const urls = [...store.results()].map((r) => r.url);
      assert.deepEqual(urls, [seed, site.origin + "/a", site.origin + "/b"]);
    }

    // A recrawl revisits all three; the home page, done by version 1, has no
    // validators and is fetched in full.
    site.reset();
    const again = new Map<string, CrawlResult>();
    for await (
      const r of new Crawler([seed], { ...options, state, recrawl: true }).run()
    ) again.set(r.url.slice(site.origin.length), r);
    assert.deepEqual(
      [...again].map(([p, r]) => [p, r.status, r.recrawl]).sort(),
      [["/", 200, 1], ["/a", 304, 1], ["/b", 304, 1]],
    );
    const after = SqliteStore.status(state);
    assert.equal(after.recrawl?.generation, 1);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
