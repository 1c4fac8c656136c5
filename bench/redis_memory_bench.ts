// Redis memory of a shared crawl's frontier (issue 18): queues 1,000,000
// URLs (1,000 hosts × 1,000 pages, each with a referrer and a parent span,
// as the crawler queues them) through RedisStore's commits, then reads
// `used_memory` (INFO memory) and `MEMORY USAGE` of each kind of key, and
// prints bytes per URL: while queued, and once done (the queues emptied: what
// is left is the dedupe set, 64-bit fingerprints in sharded hashes, and the
// per-host counters).
//
//   deno run --allow-net=127.0.0.1 --allow-run=redis-server --allow-sys=hostname \
//     bench/redis_memory_bench.ts [URLS=1000000] [HOSTS=1000]
//
// It starts its own redis-server (no persistence) on a free loopback port.
import { createClient } from "redis";
import { systemClock } from "../src/concurrency/clock.ts";
import { emptyStats } from "../src/crawler/stats.ts";
import { RedisStore } from "../src/frontier/redis/redis_store.ts";
import type { FrontierEntry } from "../src/frontier/store.ts";
import { startRedis } from "./redis_server.ts";

/** URL `i` of host `h`, the shape of a documentation site's pages. */
function pageUrl(h: number, i: number): string {
  return `https://docs.site-${h}.example.com/guide/section-${
    i % 40
  }/page-${i}.html`;
}

async function main(): Promise<void> {
  const urls = Number(Deno.args[0] ?? 1_000_000);
  const hosts = Number(Deno.args[1] ?? 1_000);
  const perHost = Math.ceil(urls / hosts);
  const server = await startRedis();
  const url = server.url;
  const client = createClient({ url });
  client.on("error", () => {});
  await client.connect();
  const used = async () =>
    Number(/used_memory:(\d+)/.exec(await client.info("memory"))?.[1]);
  const usage = async (pattern: string) => {
    let bytes = 0, keys = 0;
    for await (
      const batch of client.scanIterator({ MATCH: pattern, COUNT: 1000 })
    ) {
      for (const key of batch) {
        bytes += Number(await client.memoryUsage(key) ?? 0);
        keys++;
      }
    }
    return { bytes, keys };
  };
  const store = new RedisStore({ url, crawl: "memory" });
  const frontier = store.createFrontier({
    seeds: [],
    settings: {},
    mode: "fresh",
    perHostConcurrency: 16,
    perHostRate: Infinity,
    maxAccepted: Infinity,
    readySize: 16,
    clock: systemClock,
    spawn: () => {},
    stats: emptyStats(),
    onLog: () => {},
  });
  try {
    const before = await used();
    const t0 = performance.now();
    await frontier.open(
      { found: [], settled: [] },
      new AbortController().signal,
    );
    // Batches of 1,000 found URLs, as many pages' commits would bring them.
    const span = "0123456789abcdef";
    let queued = 0;
    for (let i = 0; i < perHost && queued < urls; i++) {
      const batch: FrontierEntry[] = [];
      for (let h = 0; h < hosts && queued < urls; h++, queued++) {
        batch.push({
          url: pageUrl(h, i),
          host: `docs.site-${h}.example.com`,
          depth: 3,
          referrer: pageUrl(h, Math.max(0, i - 1)),
          parentSpanId: span,
        });
      }
      await frontier.commit({ found: batch, settled: [] });
    }
    const seconds = (performance.now() - t0) / 1000;
    const full = await used();
    const P = store.prefix;
    const parts = {
      "queues q:*": await usage(`${P}q:*`),
      "dedupe s:*": await usage(`${P}s:*`),
      "hosts zset": await usage(`${P}hosts`),
      "counters (c)": await usage(`${P}c`),
    };
    const st = await store.status();
    console.log(
      `bench: ${queued} URLs over ${hosts} hosts queued in ${
        seconds.toFixed(1)
      } s (${
        (queued / seconds).toFixed(0)
      } URLs/s); status: ${st.pending} pending`,
    );
    console.log(
      `  queued: used_memory +${((full - before) / 1e6).toFixed(1)} MB = ${
        ((full - before) / queued).toFixed(1)
      } B per URL`,
    );
    for (const [name, p] of Object.entries(parts)) {
      console.log(
        `    ${name.padEnd(18)} ${String(p.keys).padStart(6)} keys, ${
          (p.bytes / 1e6).toFixed(1).padStart(6)
        } MB = ${(p.bytes / queued).toFixed(1)} B per URL`,
      );
    }
    // Done: every queue emptied (claimed and committed), as after the crawl.
    for await (
      const batch of client.scanIterator({ MATCH: `${P}q:*`, COUNT: 1000 })
    ) {
      if (batch.length > 0) await client.unlink(batch);
    }
    await client.unlink(`${P}hosts`);
    const done = await used();
    console.log(
      `  done (queues gone, dedupe set left): used_memory +${
        ((done - before) / 1e6).toFixed(1)
      } MB = ${((done - before) / queued).toFixed(1)} B per URL`,
    );
  } finally {
    await frontier.close();
    await store.close();
    await client.quit().catch(() => {});
    await server.stop();
  }
}

if (import.meta.main) await main();
