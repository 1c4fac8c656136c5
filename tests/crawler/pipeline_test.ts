/**
 * The crawl pipeline (`startPipeline`): fetch loops hold a host's permit
 * only while a request is in flight, fetched pages wait for the parse loops
 * in a bounded queue, the memory and SQLite frontiers keep their
 * guarantees (per-host limits, cancellation, exactly-once commits), and
 * URLs skipped without a request do not hold the event loop.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { systemClock } from "../../src/concurrency/clock.ts";
import { baseResult } from "../../src/crawler/base_result.ts";
import { CrawlTasks } from "../../src/crawler/crawl_tasks.ts";
import { crawl } from "../../src/crawler/crawler.ts";
import type { FetchedPage, PageTask } from "../../src/crawler/page_task.ts";
import { startPipeline } from "../../src/crawler/pipeline.ts";
import type { CrawlResult } from "../../src/crawler/result.ts";
import { emptyStats } from "../../src/crawler/stats.ts";
import { Frontier } from "../../src/frontier/frontier.ts";
import { SqliteStore } from "../../src/frontier/sqlite/sqlite_store.ts";
import type {
  CrawlFrontier,
  FrontierBatch,
  FrontierContext,
  ReadyEntry,
} from "../../src/frontier/store.ts";
import { html, serve } from "../_support/serve.ts";

const HOSTS = ["a.test", "b.test"];

/** `n` URLs spread over two hosts. */
function seedUrls(n: number): string[] {
  return Array.from(
    { length: n },
    (_, i) => `https://${HOSTS[i % 2]}/p${i}`,
  );
}

function seedBatch(urls: string[]): FrontierBatch {
  return {
    found: urls.map((url) => ({ url, host: new URL(url).host, depth: 0 })),
    settled: [],
  };
}

function context(
  seeds: string[],
  tasks: CrawlTasks,
  perHostConcurrency: number,
): FrontierContext {
  return {
    seeds,
    settings: {},
    mode: "auto",
    perHostConcurrency,
    perHostRate: Infinity,
    maxAccepted: Infinity,
    readySize: 4,
    clock: systemClock,
    spawn: tasks.spawn,
    stats: emptyStats(),
    onLog: () => {},
  };
}

/** A gate the parses wait on until it is opened. */
function gate(): { wait: Promise<void>; open: () => void } {
  let open!: () => void;
  const wait = new Promise<void>((resolve) => (open = resolve));
  return { wait, open };
}

/**
 * A page task whose requests take a few ms (counted per host while in
 * flight) and whose parses wait for `parsed(url)` to resolve.
 */
class StubPage implements Pick<PageTask, "fetch" | "finish"> {
  readonly inFlight = new Map<string, number>();
  maxInFlight = 0;
  fetched = 0;
  finished = 0;
  readonly #parsed: (url: string, signal: AbortSignal) => Promise<void>;

  constructor(parsed: (url: string, signal: AbortSignal) => Promise<void>) {
    this.#parsed = parsed;
  }

  async fetch(entry: ReadyEntry, signal: AbortSignal): Promise<FetchedPage> {
    const n = (this.inFlight.get(entry.host) ?? 0) + 1;
    this.inFlight.set(entry.host, n);
    this.maxInFlight = Math.max(this.maxInFlight, n);
    try {
      await sleep(2, signal);
    } finally {
      this.inFlight.set(entry.host, this.inFlight.get(entry.host)! - 1);
    }
    this.fetched++;
    const trace = {
      traceId: "t",
      spanId: `s${this.fetched}`,
      url: entry.url,
      depth: 0,
      attempt: 1,
    };
    const result = baseResult(entry, trace, 0);
    result.status = 200;
    return { entry, trace, result, t0: 0 };
  }

  async finish(
    page: FetchedPage,
    _batch: FrontierBatch,
    signal: AbortSignal,
  ): Promise<CrawlResult> {
    await this.#parsed(page.entry.url, signal);
    this.finished++;
    return page.result;
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const id = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => {
      clearTimeout(id);
      reject(signal.reason);
    }, { once: true });
  });
}

/** Resolves when `cond()` holds (checked every ms), or fails after 5 s. */
async function until(cond: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting: ${what}`);
    await new Promise((r) => setTimeout(r, 1));
  }
}

/** Yields the crawl's results as deliver does: flushed, then out. */
async function drain(
  frontier: CrawlFrontier,
  tasks: CrawlTasks,
  onResult: (r: CrawlResult) => void,
): Promise<void> {
  for await (const r of tasks.results) {
    await frontier.flush();
    onResult(r);
  }
}

Deno.test("startPipeline() keeps per-host requests within perHost.concurrency and frees the slots while parses are slow", async () => {
  const seeds = seedUrls(40);
  const parses = gate();
  const page = new StubPage(() => parses.wait);
  const results: string[] = [];
  {
    await using tasks = new CrawlTasks(undefined, 64);
    const frontier = new Frontier(context(seeds, tasks, 2));
    tasks.defer(() => frontier.close());
    startPipeline(tasks, frontier, page as unknown as PageTask, {
      fetchers: 4,
      parsers: 2,
      queue: 3,
    });
    await frontier.open(seedBatch(seeds), tasks.signal);
    const drained = drain(frontier, tasks, (r) => results.push(r.url));
    // With no parse done, the fetchers still finish requests: 2 pages in
    // the parse loops, 3 in the queue and one in each of the 4 fetchers.
    await until(() => page.fetched === 9, "9 pages fetched");
    await new Promise((r) => setTimeout(r, 30));
    assert.equal(page.fetched, 9, "the full queue holds the fetchers back");
    assert.equal(page.finished, 0);
    parses.open();
    await drained;
    tasks.throwIfFailed();
  }
  assert.ok(page.maxInFlight <= 2, `max in flight ${page.maxInFlight}`);
  assert.equal(page.maxInFlight, 2);
  assert.deepEqual(results.sort(), [...seeds].sort());
});

Deno.test("startPipeline() stops every loop when aborted with pages waiting for the parser, and a resumed SqliteStore crawl commits each page once", async () => {
  const dir = await Deno.makeTempDir({ prefix: "trawl_pipeline_" });
  try {
    const path = join(dir, "crawl.db");
    const seeds = seedUrls(30);
    // Run 1: five parses finish, then every parse hangs until the abort.
    const yielded1: string[] = [];
    let parsed = 0;
    const page1 = new StubPage((_url, signal): Promise<void> =>
      ++parsed <= 5 ? Promise.resolve() : sleep(60_000, signal)
    );
    const abort = new AbortController();
    {
      await using tasks = new CrawlTasks(abort.signal, 64);
      const frontier = new SqliteStore(path).createFrontier(
        context(seeds, tasks, 2),
      );
      tasks.defer(() => frontier.close());
      startPipeline(tasks, frontier, page1 as unknown as PageTask, {
        fetchers: 3,
        parsers: 2,
        queue: 4,
      });
      await frontier.open(seedBatch(seeds), tasks.signal);
      const drained = drain(frontier, tasks, (r) => yielded1.push(r.url));
      await until(
        () => yielded1.length === 5 && page1.fetched >= 5 + 2 + 4,
        "five results and a full parse queue",
      );
      abort.abort(new Error("stop"));
      await drained;
    }
    // Nothing of run 1 runs on (the test's sanitizers check the timers);
    // every yielded result is committed.
    await using check = new SqliteStore(path);
    const committed1 = [...check.results()].map((r) => r.url);
    check.close();
    for (const url of yielded1) assert.ok(committed1.includes(url), url);
    assert.ok(page1.fetched > committed1.length, "pages were left unparsed");

    // Run 2 resumes: it yields exactly the pages run 1 did not commit.
    const yielded2: string[] = [];
    const page2 = new StubPage(() => Promise.resolve());
    {
      await using tasks = new CrawlTasks(undefined, 64);
      const frontier = new SqliteStore(path).createFrontier(
        context(seeds, tasks, 2),
      );
      tasks.defer(() => frontier.close());
      startPipeline(tasks, frontier, page2 as unknown as PageTask, {
        fetchers: 3,
        parsers: 2,
        queue: 4,
      });
      await frontier.open(seedBatch(seeds), tasks.signal);
      await drain(frontier, tasks, (r) => yielded2.push(r.url));
      tasks.throwIfFailed();
    }
    assert.deepEqual(
      [...committed1, ...yielded2].sort(),
      [...seeds].sort(),
      "each page committed once over both runs",
    );
    await using after = new SqliteStore(path);
    assert.equal([...after.results()].length, seeds.length);
    after.close();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("startPipeline() lets timers and I/O run while the crawl skips thousands of URLs that robots.txt disallows", async () => {
  const LINKS = 5000;
  await using srv = serve((_req, url) => {
    if (url.pathname === "/robots.txt") {
      return new Response("User-agent: *\nDisallow: /l/\n");
    }
    if (url.pathname === "/") {
      return html(
        Array.from({ length: LINKS }, (_, i) => `<a href="/l/${i}">l</a>`)
          .join(""),
      );
    }
    return new Response("", { status: 404 });
  });
  // Each skip goes through the pipeline without I/O: in microtasks only,
  // unless the fetch loops give the event loop its turns.
  let skips = 0;
  let timerFired = false;
  let skipsAfterTimer = 0;
  for await (
    const r of crawl([srv.origin + "/"], {
      workers: 0,
      maxLinksPerPage: LINKS,
    })
  ) {
    if (r.skipped !== "robots") continue;
    if (++skips === 1) setTimeout(() => timerFired = true, 0);
    else if (timerFired) skipsAfterTimer++;
  }
  assert.equal(skips, LINKS);
  assert.equal(srv.log.filter((h) => h.path.startsWith("/l/")).length, 0);
  assert.ok(
    skipsAfterTimer > 0,
    "a timer set at the first skip fired only after the last one",
  );
});
