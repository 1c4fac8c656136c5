/**
 * A batch of pages with an extraction hook whose worker dies: the page
 * whose hook ran gets an ExtractError (and is parsed again without it), the
 * batch's other pages are parsed again, each page is answered once.
 */
import assert from "node:assert/strict";
import { systemClock } from "../../src/concurrency/clock.ts";
import { WorkerPool } from "../../src/concurrency/worker_pool.ts";
import { ParseBatcher, type ParsePool } from "../../src/parse/parse_batcher.ts";
import type { ParseInput } from "../../src/parse/parse_html.ts";
import type { HookBatch } from "../../src/parse/parse_worker.ts";

const WORKER = new URL("../../src/parse/parse_worker.ts", import.meta.url);
const FAULTY = new URL("./hooks/faulty.ts", import.meta.url).href;

function page(path: string): ParseInput {
  const url = `http://ex.test${path}`;
  return {
    body: new TextEncoder().encode(
      `<title>${path}</title><a href="/next${path}">n</a>`,
    ).buffer,
    url,
    extract: {
      module: FAULTY,
      timeoutMs: 300,
      url,
      status: 200,
      headers: [],
    },
  };
}

async function runBatches(culprit: string): Promise<void> {
  // As the crawl starts them: threads with heap limits (their exit is seen).
  await using pool: ParsePool = new WorkerPool(WORKER, {
    size: 1,
    maxQueue: 4,
    resourceLimits: { maxYoungGenerationSizeMb: 8 },
  });
  const sizes: number[] = [];
  const counting = {
    run(input: HookBatch, options: { signal?: AbortSignal }) {
      sizes.push(input.items.length);
      return pool.run(input, options);
    },
  } as unknown as ParsePool;
  const batcher = new ParseBatcher(counting, 1, 16, {
    timeoutMs: 300,
    clock: systemClock,
  });
  const paths = ["/p0", "/p1", "/p2", culprit, "/p4", "/p5"];
  const pages = await Promise.all(
    paths.map((p) => batcher.parse(page(p), undefined)),
  );
  assert.ok(sizes[1] >= 5, `the culprit shared a batch: ${sizes}`);
  pages.forEach((p, i) => {
    assert.equal(p.title, paths[i], "each page answered with its own parse");
    assert.equal(p.links, `http://ex.test/next${paths[i]}`);
    if (paths[i] === culprit) {
      assert.equal(p.extractError?.name, "ExtractError");
      assert.equal(p.data, undefined);
    } else {
      assert.equal(p.extractError, undefined, paths[i]);
      assert.deepEqual(p.data, { ok: paths[i] });
    }
  });
  const culpritPage = pages[paths.indexOf(culprit)];
  assert.match(
    culpritPage.extractError!.message,
    culprit === "/crash"
      ? /ended its worker .*exited with code 3.*replaced/
      : /ran past extractTimeoutMs \(300 ms\)/,
  );
}

Deno.test("ParseBatcher.parse() parses again the other pages of a batch whose hook ended its worker", async () => {
  await runBatches("/crash");
});

Deno.test("ParseBatcher.parse() ends a worker whose hook blocks it, and parses again the others of its batch", async () => {
  await runBatches("/hang-sync");
});
