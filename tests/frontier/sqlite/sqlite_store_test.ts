/**
 * `SqliteStore` as a library: durable crawls with `state:`/`store:` against a
 * generated site on 127.0.0.1, the identity check, the lock, the memory
 * window, `importResult`/`isDone`/`results`, `status` and robots records.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  crawl,
  Crawler,
  type CrawlOptions,
  type CrawlResult,
  type CrawlStats,
  StateLockedError,
  StateMismatchError,
} from "../../../mod.ts";
import { SqliteStore, StateNotFoundError } from "../../../src/sqlite.ts";
import { systemClock } from "../../../src/concurrency/mod.ts";
import { serveGeneratedSite } from "../../_support/generated_site.ts";

const FAST: CrawlOptions = { workers: 0, retries: 0 };

/** A temporary folder, removed on dispose. */
async function tempDir(): Promise<{ path: string } & AsyncDisposable> {
  const path = await Deno.makeTempDir({ prefix: "trawl_sqlite_" });
  return {
    path,
    [Symbol.asyncDispose]: () => Deno.remove(path, { recursive: true }),
  };
}

/** Runs a crawl, stopping (as a consumer that breaks out) after `stopAfter`. */
async function collect(
  seeds: string[],
  options: CrawlOptions,
  stopAfter = Infinity,
): Promise<CrawlResult[]> {
  const out: CrawlResult[] = [];
  for await (const result of crawl(seeds, { ...FAST, ...options })) {
    out.push(result);
    if (out.length >= stopAfter) break;
  }
  return out;
}

function urls(results: Iterable<{ url: string }>): string[] {
  return [...results].map((r) => r.url).sort();
}

/** The committed results of a state file. */
async function committed(path: string): Promise<Map<string, string>> {
  await using store = new SqliteStore(path);
  return new Map([...store.results()].map((r) => [r.url, r.json]));
}

function pathOf(url: string): string {
  return new URL(url).pathname;
}

// ---- resume -------------------------------------------------------------------

for (const window of [undefined, 8]) {
  Deno.test(
    `SqliteStore.createFrontier() resumes a crawl stopped midway and fetches only the unfinished URLs (window ${
      window ?? "default"
    })`,
    async () => {
      await using site = serveGeneratedSite({
        pages: 150,
        missing: 5,
        redirects: 0,
        disallowed: 5,
      });
      await using dir = await tempDir();
      const path = join(dir.path, "crawl.db");
      // Each run marks its requests with a header (not part of the identity).
      const options = (run: string): CrawlOptions => ({
        store: new SqliteStore(path, { window }),
        headers: { "x-run": run },
      });
      const first = await collect([site.seed], options("1"), 40);
      assert.equal(first.length, 40);
      const done = await committed(path);
      for (const url of urls(first)) {
        assert.ok(done.has(url), `${url} committed`);
      }
      const midway = SqliteStore.status(path);
      assert.equal(midway.done, done.size);
      assert.ok(midway.pending > 0);
      assert.equal(midway.accepted, midway.done + midway.pending);

      const second = await collect([site.seed], options("2"));
      // The second run yields exactly what the first had not committed...
      const unfinished = [...site.expected.keys()].filter((u) => !done.has(u));
      assert.deepEqual(urls(second), unfinished.sort());
      // ...and requests each of those (robots-disallowed aside) once, nothing else.
      const requested = site.requests
        .filter((r) => r.headers.get("x-run") === "2")
        .map((r) => r.path);
      assert.deepEqual(
        requested.sort(),
        unfinished.map(pathOf).filter((p) => !p.startsWith("/private/")).sort(),
      );
      assert.equal(site.hits.get("/robots.txt"), 1, "robots.txt kept");
      // Every URL is committed exactly once, with its outcome.
      const all = await committed(path);
      assert.deepEqual(
        [...all.keys()].sort(),
        [...site.expected.keys()].sort(),
      );
      for (const [url, json] of all) {
        const result = JSON.parse(json) as CrawlResult;
        const want = site.expected.get(url);
        if (want === "skipped:robots") assert.equal(result.skipped, "robots");
        else assert.equal(result.status, want, url);
      }
    },
  );
}

Deno.test("SqliteStore.createFrontier() crawls a few hundred pages once each when the window is 8", async () => {
  await using site = serveGeneratedSite({ pages: 400 });
  await using dir = await tempDir();
  const path = join(dir.path, "crawl.db");
  const results = await collect([site.seed], {
    store: new SqliteStore(path, { window: 8 }),
    concurrency: 8,
    perHost: { concurrency: 4 },
  });
  assert.deepEqual(urls(results), [...site.expected.keys()].sort());
  for (const [path, n] of site.hits) {
    // A redirect target is requested through its redirect too.
    const via = [...site.redirectTargets.values()]
      .filter((t) => pathOf(t) === path).length;
    assert.equal(n, 1 + via, `${path} requested ${n} times`);
  }
  assert.equal(SqliteStore.status(path).done, site.expected.size);
});

// ---- identity ---------------------------------------------------------------

Deno.test("SqliteStore.prepare() refuses a state made with other seeds or options, naming the differences and changing nothing", async () => {
  await using site = serveGeneratedSite({ pages: 20 });
  await using dir = await tempDir();
  const path = join(dir.path, "crawl.db");
  await collect([site.seed], { state: path });
  const before = SqliteStore.status(path);
  const requests = site.pageRequests;
  const extra = `${site.origin}/p/3`;
  const error = await collect([site.seed, extra], {
    state: path,
    maxDepth: 2,
    userAgent: "other",
  }).then(() => undefined, (err) => err);
  assert.ok(error instanceof StateMismatchError, String(error));
  assert.equal(error.name, "StateMismatchError");
  assert.equal(error.location, path);
  assert.deepEqual(error.differences, [
    `seeds added: ${extra}`,
    "maxDepth was null, now 2",
    'userAgent was "trawl/0.1 (+https://jsr.io/@trawl/trawl)", now "other"',
  ]);
  assert.equal(
    error.message,
    `The crawl state in ${path} was made with other seeds or options (${
      error.differences.join("; ")
    }): pass --resume to continue it anyway (new seeds are added), or --fresh to discard it and start over`,
  );
  assert.equal(site.pageRequests, requests);
  assert.deepEqual(SqliteStore.status(path), before);
  // The same crawl again is no mismatch: it is done, nothing to fetch.
  assert.deepEqual(await collect([site.seed], { state: path }), []);
  assert.equal(site.pageRequests, requests);
});

Deno.test("SqliteStore.prepare() checks the state in mode auto, adds seeds with resume and discards everything with fresh", async () => {
  await using dir = await tempDir();
  const path = join(dir.path, "crawl.db");
  const a = "https://a.example/";
  const b = "https://b.example/";
  {
    await using store = new SqliteStore(path);
    const state = store.prepare({ seeds: [a], settings: { depth: 1 } });
    assert.deepEqual([...state.seen], []);
    assert.equal(store.importResult(JSON.stringify(result(a))), true);
    // Preparing again with the same identity is a no-op.
    assert.deepEqual(
      [...store.prepare({ seeds: [a], settings: { depth: 1 } }).seen],
      [a],
    );
  }
  {
    await using store = new SqliteStore(path);
    assert.throws(
      () => store.prepare({ seeds: [b], settings: { depth: 2 } }),
      (err) =>
        err instanceof StateMismatchError &&
        err.differences.join("; ") ===
          `seeds added: ${b}; seeds missing: ${a}; depth was 1, now 2`,
    );
    const state = store.prepare({
      seeds: [b],
      settings: { depth: 2 },
      mode: "resume",
    });
    assert.deepEqual([...state.seen], [a]);
    assert.equal(state.accepted, 0); // imported, never queued
  }
  assert.deepEqual(SqliteStore.status(path).seeds, [a, b]);
  {
    await using store = new SqliteStore(path);
    // Resume took the new settings: they now match.
    store.prepare({ seeds: [a, b], settings: { depth: 2 } });
  }
  {
    await using store = new SqliteStore(path);
    const state = store.prepare({
      seeds: [b],
      settings: { depth: 3 },
      mode: "fresh",
    });
    assert.deepEqual([...state.seen], []);
    assert.equal(store.isDone(a), false);
  }
  const status = SqliteStore.status(path);
  assert.deepEqual(status.seeds, [b]);
  assert.equal(status.accepted, 0);
});

// ---- lock -------------------------------------------------------------------------

Deno.test("SqliteStore.prepare() refuses a state another store holds until it closes, while status() reads it", async () => {
  await using dir = await tempDir();
  const path = join(dir.path, "crawl.db");
  const identity = { seeds: ["https://a.example/"], settings: {} };
  const first = new SqliteStore(path);
  first.prepare(identity);
  first.importResult(JSON.stringify(result("https://a.example/")));
  first.flush();
  const second = new SqliteStore(path);
  assert.throws(
    () => second.prepare(identity),
    (err) =>
      err instanceof StateLockedError && err.name === "StateLockedError" &&
      err.location === path &&
      err.message ===
        `The crawl state ${path} is in use by another trawl process: wait for it to finish or stop it first`,
  );
  await assert.rejects(
    collect(["https://a.example/"], { state: path }),
    StateLockedError,
  );
  assert.equal(SqliteStore.status(path).done, 1, "status needs no lock");
  first.close();
  first.close(); // twice is fine
  assert.throws(() => first.isDone("https://a.example/"), /it is closed/);
  second.prepare(identity);
  assert.equal(second.isDone("https://a.example/"), true);
  await second[Symbol.asyncDispose]();
});

// ---- importResult, isDone, results ---------------------------------------------

function result(url: string, extra: Partial<CrawlResult> = {}): CrawlResult {
  return {
    url,
    finalUrl: url,
    status: 200,
    depth: 1,
    links: 0,
    bytes: 10,
    attempts: 1,
    timings: { start: 0, ttfb: 1, total: 2 },
    trace: { traceId: "t", spanId: "s" },
    ...extra,
  };
}

Deno.test("SqliteStore.importResult() records a result line once, seen by isDone() and results() after reopening", async () => {
  await using dir = await tempDir();
  const path = join(dir.path, "crawl.db");
  const u = (p: string) => `https://a.example${p}`;
  const ok = JSON.stringify(result(u("/ok")));
  const failed = JSON.stringify(
    result(u("/t"), {
      status: 0,
      bytes: 0,
      error: { name: "TimeoutError", message: "slow" },
    }),
  );
  const skipped = JSON.stringify(
    result(u("/s"), { status: 0, bytes: 0, skipped: "robots" }),
  );
  {
    await using store = new SqliteStore(path);
    store.prepare({ seeds: [u("/")], settings: {} });
    assert.equal(store.isDone(u("/ok")), false);
    for (const bad of ["not json", "[1]", '{"nourl":1}', '{"url":5}', ""]) {
      assert.equal(store.importResult(bad), false, bad);
    }
    assert.equal(store.importResult(ok), true);
    assert.equal(store.importResult(ok), false, "already done");
    assert.equal(store.isDone(u("/ok")), true);
    assert.equal(store.importResult(failed), true);
    assert.equal(store.importResult(skipped), true);
    assert.deepEqual([...store.results()], [
      { url: u("/ok"), json: ok },
      { url: u("/t"), json: failed },
      { url: u("/s"), json: skipped },
    ]);
  }
  const status = SqliteStore.status(path);
  assert.equal(status.done, 3);
  assert.equal(status.pending, 0);
  assert.deepEqual(status.byStatusClass, { "2xx": 1 });
  assert.deepEqual(status.errors, { TimeoutError: 1 });
  assert.deepEqual(status.skipped, { robots: 1 });
  assert.deepEqual(status.hosts, [
    { host: "a.example", done: 3, pending: 0, failed: 1 },
  ]);
  await using again = new SqliteStore(path);
  assert.equal(again.isDone(u("/ok")), true);
  assert.equal(again.isDone(u("/nope")), false);
  assert.deepEqual(urls(again.results()), [u("/ok"), u("/s"), u("/t")]);
});

Deno.test("SqliteStore.importResult() keeps a queued URL from being fetched when the crawl resumes", async () => {
  await using site = serveGeneratedSite({ pages: 80, redirects: 0 });
  await using dir = await tempDir();
  const path = join(dir.path, "crawl.db");
  const options: CrawlOptions = { ...FAST, state: path };
  await collect([site.seed], options, 10);
  const identity = new Crawler([site.seed], options);
  let adopted: string;
  {
    await using store = new SqliteStore(path);
    const state = store.prepare({
      seeds: identity.seeds,
      settings: identity.settings,
    });
    // A pending page whose links are all linked from elsewhere too: an
    // adopted result brings no links, so pages linked only from it would
    // never be found.
    const linkedFrom = new Map<string, Set<string>>();
    for (const from of site.expected.keys()) {
      for (const to of site.linksOf(from)) {
        if (to === from) continue;
        linkedFrom.set(to, (linkedFrom.get(to) ?? new Set()).add(from));
      }
    }
    const pending = [...state.seen].filter((url) =>
      !store.isDone(url) && url.includes("/p/") &&
      !site.hits.has(pathOf(url)) &&
      site.linksOf(url).every((to) => (linkedFrom.get(to)?.size ?? 0) > 1)
    );
    assert.ok(pending.length > 0, "a pending page to adopt");
    adopted = pending[0];
    const json = JSON.stringify(result(adopted, { title: "adopted" }));
    assert.equal(store.importResult(json), true);
  }
  const hits = site.hits.get(pathOf(adopted)) ?? 0;
  const rest = await collect([site.seed], options);
  assert.ok(!rest.some((r) => r.url === adopted), "not yielded again");
  assert.equal(site.hits.get(pathOf(adopted)) ?? 0, hits, "not fetched");
  const all = await committed(path);
  assert.equal(all.size, site.expected.size);
  assert.equal(JSON.parse(all.get(adopted)!).title, "adopted");
});

// ---- status -----------------------------------------------------------------------

Deno.test("SqliteStore.status() counts a finished crawl and throws when the file is missing", async () => {
  await using site = serveGeneratedSite({
    pages: 40,
    missing: 4,
    redirects: 3,
    disallowed: 2,
  });
  await using dir = await tempDir();
  const path = join(dir.path, "crawl.db");
  await collect([site.seed], { state: path });
  const host = new URL(site.origin).host;
  assert.deepEqual(SqliteStore.status(path), {
    location: path,
    seeds: [site.seed],
    accepted: 49,
    done: 49,
    pending: 0,
    byStatusClass: { "2xx": 43, "4xx": 4 },
    errors: {},
    skipped: { robots: 2 },
    hosts: [{ host, done: 49, pending: 0, failed: 4 }],
  });
  const missing = join(dir.path, "none.db");
  assert.throws(
    () => SqliteStore.status(missing),
    new StateNotFoundError(missing),
  );
  await assert.rejects(Deno.stat(missing), Deno.errors.NotFound);
});

// ---- robots ------------------------------------------------------------------------

Deno.test("SqliteStore.createFrontier() keeps robots.txt answers, so a resumed crawl does not fetch robots.txt again", async () => {
  await using site = serveGeneratedSite({ pages: 60 });
  await using dir = await tempDir();
  const path = join(dir.path, "crawl.db");
  await collect([site.seed], { state: path }, 15);
  assert.equal(site.hits.get("/robots.txt"), 1);
  // The record is in the file, read through the store's RobotsStore.
  const stats = { accepted: 0, sitemaps: [] } as unknown as CrawlStats;
  const crawler = new Crawler([site.seed], { ...FAST, state: path });
  const store = new SqliteStore(path);
  const frontier = store.createFrontier({
    seeds: crawler.seeds,
    settings: crawler.settings,
    mode: "auto",
    perHostConcurrency: 1,
    perHostRate: Infinity,
    maxAccepted: Infinity,
    readySize: 1,
    clock: systemClock,
    spawn: () => {},
    stats,
    onLog: () => {},
  });
  const signal = new AbortController().signal;
  await frontier.open({ found: [], settled: [] }, signal);
  const record = await frontier.robots?.load(site.origin);
  assert.equal(record?.origin, site.origin);
  assert.equal(record?.outcome, "rules");
  assert.equal(record?.status, 200);
  assert.match(record?.text ?? "", /Disallow: \/private\//);
  assert.ok(typeof record?.fetchedAt === "number" && record.fetchedAt > 0);
  await frontier.close();
  const rest = await collect([site.seed], { state: path });
  assert.ok(rest.length > 0);
  assert.equal(site.hits.get("/robots.txt"), 1, "not fetched again");
  assert.equal(SqliteStore.status(path).done, site.expected.size);
});

// ---- options ----------------------------------------------------------------------

Deno.test("SqliteStore() rejects an empty path, ':memory:', a window that is not a positive integer and an unknown synchronous level", () => {
  assert.throws(
    () => new SqliteStore(""),
    new TypeError(
      "Cannot create SqliteStore as 'path' must be a file path other than ':memory:': current value is ",
    ),
  );
  assert.throws(() => new SqliteStore(":memory:"), TypeError);
  for (const window of [0, -1, 1.5, NaN]) {
    assert.throws(
      () => new SqliteStore("x.db", { window }),
      new RangeError(
        `Cannot create SqliteStore as 'window' must be a positive integer: current value is ${window}`,
      ),
    );
  }
  assert.throws(
    // @ts-expect-error: not a level
    () => new SqliteStore("x.db", { synchronous: "off" }),
    TypeError,
  );
  assert.throws(
    () => new Crawler(["https://a.example/"], { state: "" }),
    new TypeError(
      "Cannot crawl as 'state' must be a file path other than ':memory:': current value is ",
    ),
  );
  assert.throws(
    () =>
      new Crawler(["https://a.example/"], {
        state: "x.db",
        store: new SqliteStore("y.db"),
      }),
    new TypeError(
      "Cannot crawl as 'state' and 'store' both name a store: pass one",
    ),
  );
});
