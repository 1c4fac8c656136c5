// Which runs of the command get a crawl thread, and with what heap limits.
import assert from "node:assert/strict";
import { crawlThreadLimits } from "../../src/cli/crawl_thread.ts";
import {
  BOUNDED_HEAP_MB,
  CRAWL_THREAD_YOUNG_MB,
} from "../../src/cli/heap_limits.ts";

const SEED = "http://127.0.0.1:9/";

Deno.test("crawlThreadLimits() bounds the heap of a crawl whose queue waits outside memory or that gives --max-heap", () => {
  const bounded = {
    maxYoungGenerationSizeMb: CRAWL_THREAD_YOUNG_MB,
    maxOldGenerationSizeMb: BOUNDED_HEAP_MB,
  };
  assert.deepEqual(crawlThreadLimits(["--state", "c.db", SEED]), bounded);
  assert.deepEqual(
    crawlThreadLimits([
      "--frontier",
      "redis://127.0.0.1:6379/0",
      "--crawl",
      "x",
      SEED,
    ]),
    bounded,
  );
  assert.deepEqual(
    crawlThreadLimits(["--state", "c.db", "--max-heap", "512", SEED]),
    {
      maxYoungGenerationSizeMb: CRAWL_THREAD_YOUNG_MB,
      maxOldGenerationSizeMb: 512,
    },
  );
  // --max-heap alone asks for the thread in memory too.
  assert.deepEqual(crawlThreadLimits(["--max-heap", "4096", SEED]), {
    maxYoungGenerationSizeMb: CRAWL_THREAD_YOUNG_MB,
    maxOldGenerationSizeMb: 4096,
  });
  assert.ok(BOUNDED_HEAP_MB < 2048, "under 2 GiB V8 grows the heap less");
});

Deno.test("crawlThreadLimits() keeps every other run on the main thread", () => {
  for (
    const argv of [
      [SEED], // in memory: V8's own heap, as fast as before
      ["--help"],
      ["--version"],
      ["status", "--state", "c.db"],
      ["--state", "c.db"], // no seeds: the usage error is reported inline
      ["--concurrency", "0", "--state", "c.db", SEED],
      ["--max-heap", "10", SEED],
    ]
  ) {
    assert.equal(crawlThreadLimits(argv), undefined, argv.join(" "));
  }
});
