// Capacity of shared crawls (issue 18): crawls the 10,000-page site of
// crawl_bench.ts, served by nginx (one worker) on loopback, through one
// redis-server with 1, 2 and 4 `cli.ts --frontier` processes, and measures
// the CPU time each part spends per crawled page: redis-server, the nginx
// worker, and each crawler's threads (the crawl thread, the parser worker,
// the main thread, and the rest: V8's helpers, the runtime's I/O threads).
// From that it prints the model of the README ("Capacity"): pages/s for P
// processes on M cores with one Redis, and the rate one Redis core can
// serve, and checks the model against the 1, 2 and 4-process runs here.
//
//   deno run --allow-net=127.0.0.1 --allow-read=.bench --allow-write=.bench \
//     --allow-run=redis-server,nginx,sh,"$(deno eval -p 'Deno.execPath()')" \
//     bench/capacity_bench.ts [PAGES=10000]
//
// (from the repository root). CPU time is utime + stime from /proc/PID/stat
// and /proc/PID/task/TID/stat (Linux, 10 ms ticks), read by sh (Deno reads
// /proc only with --allow-all). Every page is checked to be once in the
// union of the outputs; exits 1 when not.
import { createClient } from "redis";
import { generate } from "./site.ts";
import { ROOT } from "./durable_bench.ts";
import { freePort, startRedis } from "./redis_server.ts";

const TICK_MS = 10;

async function sh(script: string, ...args: string[]): Promise<string> {
  const out = await new Deno.Command("sh", {
    args: ["-c", script, "sh", ...args],
    stdout: "piped",
    stderr: "null",
  }).output();
  return new TextDecoder().decode(out.stdout);
}

/** A process's CPU time so far, ms (utime + stime of all its threads). */
async function cpuMs(pid: number): Promise<number> {
  const stat = await sh('cat "/proc/$1/stat"', String(pid));
  // The fields after the command name (which may hold spaces): utime is the
  // 14th field, stime the 15th.
  const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(rest[11]) + Number(rest[12])) * TICK_MS;
}

/** The machine's busy CPU time so far, ms (all cores, from /proc/stat). */
async function machineBusyMs(): Promise<number> {
  const [, ...f] = (await sh("head -1 /proc/stat")).trim().split(/\s+/);
  const [user, nice, system, , , irq, softirq, steal] = f.map(Number);
  return (user + nice + system + irq + softirq + steal) * TICK_MS;
}

/** Samples a process's threads until it exits: CPU ms by thread name. */
function sampleThreads(pid: number): Promise<Map<string, number>> {
  const sampler = new Deno.Command("sh", {
    args: [
      "-c",
      'while kill -0 "$1" 2>/dev/null; do for t in /proc/$1/task/*; do ' +
      'echo "$(basename "$t") $(tr " " _ < "$t/comm") $(cut -d")" -f2 "$t/stat" | cut -d" " -f13,14)"; ' +
      "done 2>/dev/null; sleep 0.05; done",
      "sh",
      String(pid),
    ],
    stdout: "piped",
    stderr: "null",
  }).spawn();
  return (async () => {
    const last = new Map<string, { name: string; ms: number }>();
    let carry = "";
    const decoder = new TextDecoder();
    for await (const chunk of sampler.stdout) {
      const lines = (carry + decoder.decode(chunk, { stream: true })).split(
        "\n",
      );
      carry = lines.pop()!;
      for (const line of lines) {
        const [tid, name, u, s] = line.trim().split(/\s+/);
        if (s === undefined) continue;
        last.set(tid, { name, ms: (Number(u) + Number(s)) * TICK_MS });
      }
    }
    await sampler.status;
    const byName = new Map<string, number>();
    for (const { name, ms } of last.values()) {
      const part = name === "worker-1"
        ? "crawl thread"
        : name.startsWith("worker-")
        ? "parser worker"
        : name === "deno" && [...last.values()][0]?.name === name
        ? "main thread"
        : "other threads";
      byName.set(part, (byName.get(part) ?? 0) + ms);
    }
    return byName;
  })();
}

/** Writes the site to `dir` and serves it with nginx on `port`. */
async function startNginx(
  dir: string,
  port: number,
  pages: Map<string, string>,
): Promise<{ worker: number; stop: () => Promise<void> }> {
  const root = `${dir}site`;
  for (const [path, html] of pages) {
    const file = `${root}/${path}`;
    await Deno.mkdir(file.slice(0, file.lastIndexOf("/")), { recursive: true });
    await Deno.writeTextFile(file, html);
  }
  const user = (await sh("id -u")).trim() === "0" ? "user root;" : "";
  await Deno.writeTextFile(
    `${dir}nginx.conf`,
    `${user}
worker_processes 1;
pid ${dir}nginx.pid;
error_log ${dir}nginx-error.log warn;
events { worker_connections 4096; }
http {
  access_log off; sendfile on; tcp_nopush on; keepalive_requests 100000;
  types { text/html html; text/plain txt; }
  default_type application/octet-stream;
  server { listen 127.0.0.1:${port}; root ${root}; }
}
`,
  );
  const started = await new Deno.Command("nginx", {
    args: ["-c", `${dir}nginx.conf`, "-p", dir],
  }).output();
  if (!started.success) throw new Error("nginx did not start");
  await new Promise((r) => setTimeout(r, 300));
  const master = (await Deno.readTextFile(`${dir}nginx.pid`)).trim();
  const worker = Number(
    (await sh('cat "/proc/$1/task/$1/children"', master)).trim().split(" ")[0],
  );
  return {
    worker,
    stop: async () => {
      await sh('kill "$1"', master);
      await new Promise((r) => setTimeout(r, 200));
    },
  };
}

/** Pages fetched in the union of the outputs, and whether each is once. */
async function union(
  paths: string[],
): Promise<{ fetched: number; ok: boolean }> {
  const seen = new Set<string>();
  let fetched = 0, repeated = 0;
  for (const path of paths) {
    for (const line of (await Deno.readTextFile(path)).split("\n")) {
      if (!line) continue;
      const r = JSON.parse(line);
      if (seen.has(r.url)) repeated++;
      seen.add(r.url);
      if (r.status === 200) fetched++;
    }
  }
  return { fetched, ok: repeated === 0 };
}

interface Run {
  processes: number;
  seconds: number;
  fetched: number;
  ok: boolean;
  /** CPU ms: redis-server, the nginx worker, and the crawlers' parts. */
  redisMs: number;
  /** CPU ms the whole machine was busy (this crawl and everything else). */
  machineMs: number;
  nginxMs: number;
  trawl: Map<string, number>;
}

async function main(): Promise<void> {
  const pages = Number(Deno.args[0] ?? 10_000);
  const dir = new URL(".bench/capacity/", ROOT).pathname;
  await Deno.remove(dir, { recursive: true }).catch(() => {});
  await Deno.mkdir(dir, { recursive: true });
  const port = freePort();
  const origin = `http://127.0.0.1:${port}`;
  const nginx = await startNginx(dir, port, generate(pages, origin));
  const redis = await startRedis();
  const client = createClient({ url: redis.url });
  client.on("error", () => {});
  await client.connect();
  const src = new URL("src/", ROOT).pathname;
  const command = (out: string, crawl: string) => [
    "run",
    "--allow-net=127.0.0.1",
    `--allow-read=${dir},${src}`,
    `--allow-write=${dir}`,
    "--allow-sys=hostname",
    new URL("cli.ts", ROOT).href,
    "--quiet",
    "--per-host",
    "16",
    "--frontier",
    redis.url,
    "--crawl",
    crawl,
    "--out",
    out,
    `${origin}/index.html`,
  ];
  console.log(
    `bench: ${pages} pages served by nginx at ${origin}/, Redis at ${redis.url}`,
  );
  console.log(
    `  per process: deno ${command(`${dir}rI.jsonl`, "NAME").join(" ")}`,
  );
  const runs: Run[] = [];
  try {
    for (const n of [1, 2, 4]) {
      await client.flushAll();
      const outs = Array.from(
        { length: n },
        (_, i) => `${dir}r${n}-${i}.jsonl`,
      );
      const redis0 = await cpuMs(redis.pid);
      const nginx0 = await cpuMs(nginx.worker);
      const machine0 = await machineBusyMs();
      const started = performance.now();
      const children = outs.map((out) =>
        new Deno.Command(Deno.execPath(), {
          args: command(out, `capacity-${n}`),
          stdout: "inherit",
          stderr: "inherit",
        }).spawn()
      );
      const samples = children.map((c) => sampleThreads(c.pid));
      const codes = await Promise.all(children.map((c) => c.status));
      const seconds = (performance.now() - started) / 1000;
      const machineMs = await machineBusyMs() - machine0;
      const trawl = new Map<string, number>();
      for (const sample of await Promise.all(samples)) {
        for (const [k, v] of sample) trawl.set(k, (trawl.get(k) ?? 0) + v);
      }
      const u = await union(outs);
      const run: Run = {
        processes: n,
        seconds,
        fetched: u.fetched,
        ok: u.ok && u.fetched === pages && codes.every((c) => c.success),
        redisMs: await cpuMs(redis.pid) - redis0,
        nginxMs: await cpuMs(nginx.worker) - nginx0,
        machineMs,
        trawl,
      };
      runs.push(run);
      const per = (ms: number) => `${(ms / run.fetched * 1000).toFixed(0)} µs`;
      console.log(
        `  ${n} process(es): ${run.fetched} pages in ${
          seconds.toFixed(2)
        } s = ${(run.fetched / seconds).toFixed(0)} pages/s${
          run.ok ? "" : " FAILED"
        }; CPU per page: redis ${per(run.redisMs)}, nginx ${
          per(run.nginxMs)
        }, ${[...trawl].sort().map(([k, v]) => `${k} ${per(v)}`).join(", ")}`,
      );
    }
  } finally {
    await client.quit().catch(() => {});
    await redis.stop();
    await nginx.stop();
  }
  model(runs, navigator.hardwareConcurrency);
  if (runs.some((r) => !r.ok)) Deno.exitCode = 1;
}

/** Prints the capacity model from the one-process run and checks it. */
function model(runs: Run[], cores: number): void {
  const one = runs[0];
  const us = (ms: number) => ms / one.fetched * 1000;
  const trawlTotal = [...one.trawl.values()].reduce((a, b) => a + b, 0);
  const crawlThread = us(one.trawl.get("crawl thread") ?? 0);
  const t = us(trawlTotal);
  const r = us(one.redisMs);
  const x = us(one.nginxMs);
  const perProcess = one.fetched / one.seconds;
  console.log(
    `\nmodel (from the 1-process run, µs of CPU per page): trawl ${
      t.toFixed(0)
    } (crawl thread ${crawlThread.toFixed(0)}), Redis ${r.toFixed(0)}, nginx ${
      x.toFixed(0)
    }; one process alone ${perProcess.toFixed(0)} pages/s`,
  );
  console.log(
    `  one Redis core serves at most 1e6 / ${r.toFixed(0)} = ${
      (1e6 / r).toFixed(0)
    } pages/s, the work of ${(t / r).toFixed(0)} crawler cores`,
  );
  console.log(
    `  P processes on M cores with Redis and the server elsewhere: min(P × ${
      perProcess.toFixed(0)
    }, M × ${(1e6 / t).toFixed(0)}, ${(1e6 / r).toFixed(0)}) pages/s`,
  );
  console.log(
    `  here (${cores} cores shared by crawlers, Redis and nginx): min(P × ${
      perProcess.toFixed(0)
    }, ${cores} × 1e6 / ${(t + r + x).toFixed(0)} = ${
      (cores * 1e6 / (t + r + x)).toFixed(0)
    }) pages/s`,
  );
  // Each run against the model with its own CPU per page (it grows with P:
  // each process knows fewer of the others' URLs, and robots.txt and the
  // runtime are paid once per process) and the cores left to it by the
  // machine's other work (measured from /proc/stat).
  for (const run of runs) {
    const ms = [...run.trawl.values()].reduce((a, b) => a + b, 0) +
      run.redisMs + run.nginxMs;
    const perPage = ms / run.fetched * 1000;
    const wall = run.seconds * 1000;
    const others = Math.max(0, run.machineMs - ms) / wall;
    const free = Math.max(0, cores - others);
    const idle = Math.min(run.processes * perProcess, cores * 1e6 / perPage);
    const left = Math.min(run.processes * perProcess, free * 1e6 / perPage);
    const measured = run.fetched / run.seconds;
    console.log(
      `  ${run.processes} process(es): ${
        perPage.toFixed(0)
      } µs of CPU per page; on an idle machine ${
        idle.toFixed(0)
      } pages/s; other work took ${
        others.toFixed(2)
      } of ${cores} cores, leaving ${left.toFixed(0)} pages/s; measured ${
        measured.toFixed(0)
      } (${(measured / left * 100).toFixed(0)} %), using ${
        (ms / wall).toFixed(2)
      } cores`,
    );
  }
}

if (import.meta.main) await main();
