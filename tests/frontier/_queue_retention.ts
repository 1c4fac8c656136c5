/**
 * A program (run in a subprocess by host_queue_test.ts, with
 * `--v8-flags=--expose-gc`) that queues a few links of 100 pages whose
 * links come as one long string each, as the parser sends them, then prints
 * the heap in use after a full collection: the queue must not keep those
 * strings alive.
 *
 * @module
 */
import { HostQueue } from "../../src/frontier/host_queue.ts";

const gc = (globalThis as { gc?: () => void }).gc!;
const q = new HostQueue();
const filler = "x".repeat(100);
for (let page = 0; page < 100; page++) {
  // About 1 MB of links, of which the queue takes 11 (a run and one alone).
  const links = Array.from(
    { length: 8000 },
    (_, i) => `https://a.test/p${page}/${i}/${filler}`,
  ).join("\n");
  const urls = links.split("\n");
  q.pushRun(
    urls.slice(0, 10).map((url) => ({
      url,
      host: "a.test",
      depth: 1,
      referrer: "https://a.test/",
    })),
  );
  q.push({ url: urls[5000], host: "a.test", depth: 2 });
}
gc();
gc();
console.log(
  JSON.stringify({ queued: q.length, heapUsed: Deno.memoryUsage().heapUsed }),
);
