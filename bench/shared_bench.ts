// Shared crawls through Redis (issue 6): crawls the 10,000-page site of
// crawl_bench.ts with the CLI in memory (1 process), then through Redis with
// 1, 2 and 4 processes sharing the crawl (a fresh crawl name each), and
// prints pages/s (wall time from the first spawn to the last exit; every
// page checked to be once in the union of the outputs), peak RSS per
// process, Redis memory per URL, and the speed of one Redis-backed process
// relative to the in-memory mode.
//
//   deno run --allow-net=127.0.0.1 --allow-read=.bench --allow-write=.bench \
//     --allow-run=redis-server,sh,"$(deno eval -p 'Deno.execPath()')" \
//     bench/shared_bench.ts [PAGES=10000] [-- extra CLI flags]
//
// (from the repository root; `sh` samples the crawlers' RSS, and the
// crawlers are spawned as `Deno.execPath()`, which may not be the `deno` on
// PATH: a wrapper here.)
//
// The site is served from memory by Deno.serve in this process; each crawler
// is a separate `deno run cli.ts` process, as users run it, with
// `--per-host 16` (per-host concurrency is global in a shared crawl). The
// bench starts its own `redis-server` on a free loopback port, without
// persistence, and stops it at the end. Redis memory: `used_memory` (INFO)
// before each crawl, its peak while crawling (sampled every 50 ms) and after
// it, and `MEMORY USAGE` of the crawl's dedupe hashes (`s:N`) and of all its
// keys at the end, divided by the URLs the crawl recorded. Peak RSS is each
// crawler's VmHWM from /proc (Linux), sampled by sh. Exits 1 when a crawl
// fails or a page is missing or repeated.
import { serveSite } from "./site.ts";
import { createClient } from "redis";
import { ROOT, runCli } from "./durable_bench.ts";
import { startRedis } from "./redis_server.ts";

/** The union of the outputs, checked: each page once, nothing twice. */
async function union(
  paths: string[],
): Promise<
  { results: number; fetched: number; repeated: number; perFile: number[] }
> {
  const seen = new Set<string>();
  let fetched = 0, repeated = 0;
  const perFile: number[] = [];
  for (const path of paths) {
    let n = 0;
    const text = await Deno.readTextFile(path).catch(() => "");
    for (const line of text.split("\n")) {
      if (!line) continue;
      n++;
      const r = JSON.parse(line);
      if (seen.has(r.url)) repeated++;
      seen.add(r.url);
      if (r.status === 200) fetched++;
    }
    perFile.push(n);
  }
  return { results: seen.size, fetched, repeated, perFile };
}

interface Run {
  label: string;
  processes: number;
  ok: boolean;
  seconds: number;
  fetched: number;
  results: number;
  repeated: number;
  perFile: number[];
  peakKb: number[];
  /** Redis: used_memory before, peak while crawling, after (bytes). */
  redis?: {
    before: number;
    peak: number;
    after: number;
    dedupeBytes: number;
    keysBytes: number;
    urls: number;
  };
}

async function main(): Promise<void> {
  const dash = Deno.args.indexOf("--");
  const args = dash === -1 ? [...Deno.args] : Deno.args.slice(0, dash);
  const extra = dash === -1 ? [] : Deno.args.slice(dash + 1);
  const pages = Number(args[0] ?? 10_000);
  if (!Number.isInteger(pages) || pages < 1) {
    console.error(`bench: PAGES must be a positive integer: got "${args[0]}"`);
    Deno.exit(2);
  }

  await using site = serveSite(pages);
  const origin = site.origin;

  const redis = await startRedis();
  const redisUrl = redis.url;
  const client = createClient({ url: redisUrl });
  client.on("error", () => {}); // reported by the commands that fail
  await client.connect();
  const usedMemory = async () =>
    Number(/used_memory:(\d+)/.exec(await client.info("memory"))?.[1] ?? NaN);
  const memoryOf = async (pattern: string) => {
    let bytes = 0, fields = 0;
    for await (const keys of client.scanIterator({ MATCH: pattern })) {
      for (const key of keys) {
        bytes += Number(await client.memoryUsage(key) ?? 0);
        if (key.includes(":s:")) fields += await client.hLen(key);
      }
    }
    return { bytes, fields };
  };

  const dir = new URL(".bench/shared/", ROOT).pathname;
  await Deno.mkdir(dir, { recursive: true });
  const src = new URL("src/", ROOT).pathname;
  const cli = new URL("cli.ts", ROOT).href;
  const seed = `${origin}/index.html`;
  const runId = crypto.randomUUID().slice(0, 8);
  const command = (out: string, crawl?: string) => [
    "run",
    "--allow-net=127.0.0.1",
    `--allow-read=${crawl ? `${dir},${src}` : src}`,
    `--allow-write=${crawl ? dir : out}`,
    ...(crawl ? ["--allow-sys=hostname"] : []),
    cli,
    "--quiet",
    "--per-host",
    "16",
    ...(crawl ? ["--frontier", redisUrl, "--crawl", crawl] : []),
    "--out",
    out,
    ...extra,
    seed,
  ];
  console.log(`bench: ${pages} pages at ${origin}/, Redis at ${redisUrl}`);
  console.log(`  memory: deno ${command(`${dir}m.jsonl`).join(" ")}`);
  console.log(
    `  redis:  deno ${
      command(`${dir}rI.jsonl`, "NAME").join(" ")
    } (per process)`,
  );

  const runs: Run[] = [];
  const report = (r: Run) => {
    const mem = r.redis
      ? `, Redis +${((r.redis.after - r.redis.before) / 1e6).toFixed(1)} MB ` +
        `(peak +${((r.redis.peak - r.redis.before) / 1e6).toFixed(1)} MB)`
      : "";
    console.log(
      `  ${r.label.padEnd(8)} ${r.ok ? "ok" : "FAILED"}: ${r.fetched} pages ` +
        `(${r.results} results, ${r.repeated} repeated; per process ${
          r.perFile.join("/")
        }) in ${r.seconds.toFixed(2)} s: ${
          (r.fetched / r.seconds).toFixed(0)
        } pages/s, peak RSS ${
          r.peakKb.map((k) => (k / 1024).toFixed(0)).join("/")
        } MB${mem}`,
    );
  };
  try {
    // In memory, one process.
    {
      const out = `${dir}m.jsonl`;
      await Deno.remove(out).catch(() => {});
      const run = await runCli(command(out));
      const u = await union([out]);
      const r: Run = {
        label: "memory",
        processes: 1,
        ok: run.code === 0 && u.fetched === pages && u.repeated === 0,
        seconds: run.seconds,
        ...u,
        peakKb: [run.peakKb],
      };
      runs.push(r);
      report(r);
      await Deno.remove(out).catch(() => {});
    }
    // Through Redis, 1, 2 and 4 processes.
    for (const n of [1, 2, 4]) {
      await client.flushAll();
      const crawl = `bench-${runId}-${n}`;
      const outs = Array.from({ length: n }, (_, i) => `${dir}r${i}.jsonl`);
      for (const out of outs) await Deno.remove(out).catch(() => {});
      const before = await usedMemory();
      let peak = before;
      let sampling = true;
      const sampler = (async () => {
        while (sampling) {
          peak = Math.max(peak, await usedMemory());
          await new Promise((r) => setTimeout(r, 50));
        }
      })();
      const started = performance.now();
      const done = await Promise.all(
        outs.map((out) => runCli(command(out, crawl))),
      );
      const seconds = (performance.now() - started) / 1000;
      sampling = false;
      await sampler;
      const after = await usedMemory();
      peak = Math.max(peak, after);
      const prefix = `trawl:{${crawl}}:`;
      const dedupe = await memoryOf(`${prefix}s:*`);
      const all = await memoryOf(`${prefix}*`);
      const u = await union(outs);
      const r: Run = {
        label: `redis ×${n}`,
        processes: n,
        ok: done.every((d) => d.code === 0) && u.fetched === pages &&
          u.repeated === 0,
        seconds,
        ...u,
        peakKb: done.map((d) => d.peakKb),
        redis: {
          before,
          peak,
          after,
          dedupeBytes: dedupe.bytes,
          keysBytes: all.bytes,
          urls: dedupe.fields,
        },
      };
      runs.push(r);
      report(r);
      for (const out of outs) await Deno.remove(out).catch(() => {});
    }
  } finally {
    await client.quit().catch(() => {});
    await redis.stop();
  }

  const memory = runs[0];
  const rate = (r: Run) => r.fetched / r.seconds;
  console.log(
    `\n${"mode".padEnd(9)} ${"procs".padStart(5)} ${"time s".padStart(7)} ${
      "pages/s".padStart(8)
    } ${"vs memory".padStart(9)} ${"peak RSS MB (each)".padEnd(19)} ${
      "Redis B/URL".padStart(11)
    } ${"dedupe B/URL".padStart(12)} ${"URLs".padStart(6)}`,
  );
  for (const r of runs) {
    const perUrl = (bytes: number) =>
      r.redis && r.redis.urls > 0 ? (bytes / r.redis.urls).toFixed(1) : "-";
    console.log(
      `${r.label.padEnd(9)} ${String(r.processes).padStart(5)} ${
        r.seconds.toFixed(2).padStart(7)
      } ${rate(r).toFixed(0).padStart(8)} ${
        `${(rate(r) / rate(memory) * 100).toFixed(0)} %`.padStart(9)
      } ${r.peakKb.map((k) => (k / 1024).toFixed(0)).join("/").padEnd(19)} ${
        perUrl(r.redis ? r.redis.after - r.redis.before : 0).padStart(11)
      } ${perUrl(r.redis?.dedupeBytes ?? 0).padStart(12)} ${
        String(r.redis?.urls ?? "-").padStart(6)
      }${r.ok ? "" : "  FAILED"}`,
    );
  }
  const one = runs.find((r) => r.label === "redis ×1");
  if (one) {
    console.log(
      `one Redis-backed process: ${
        (rate(one) / rate(memory) * 100).toFixed(0)
      } % of the in-memory speed; Redis keys at the end ${
        ((one.redis?.keysBytes ?? 0) / 1e6).toFixed(2)
      } MB (MEMORY USAGE), of which dedupe ${
        ((one.redis?.dedupeBytes ?? 0) / 1e6).toFixed(2)
      } MB`,
    );
  }
  if (runs.some((r) => !r.ok)) Deno.exitCode = 1;
}

if (import.meta.main) await main();
