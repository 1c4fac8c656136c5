// Which runs of the command get a crawl thread, and with what heap limits.
import assert from "node:assert/strict";
import { crawlThreadLimits } from "../../src/cli/crawl_thread.ts";
import {
  BOUNDED_HEAP_MB,
  CRAWL_THREAD_YOUNG_MB,
  MEMORY_HEAP_MB,
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

Deno.test("crawlThreadLimits() bounds the heap of an in-memory crawl under 2 GiB", () => {
  assert.deepEqual(crawlThreadLimits([SEED]), {
    maxYoungGenerationSizeMb: CRAWL_THREAD_YOUNG_MB,
    maxOldGenerationSizeMb: MEMORY_HEAP_MB,
  });
  assert.ok(MEMORY_HEAP_MB < 2048, "under 2 GiB V8 grows the heap less");
  assert.ok(MEMORY_HEAP_MB >= BOUNDED_HEAP_MB, "the queue lives in the heap");
});

Deno.test("crawlThreadLimits() keeps what is not a crawl on the main thread", () => {
  for (
    const argv of [
      ["--help"],
      ["check", SEED],
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
