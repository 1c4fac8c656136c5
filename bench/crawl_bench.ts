// `deno task bench` (second part): crawls a generated site on loopback with
// the CLI's defaults plus `--per-host 16`, and prints pages/s and peak RSS.
//
//   deno run --allow-net=127.0.0.1 --allow-read --allow-write=.bench --allow-run \
//     bench/crawl_bench.ts [PAGES=10000] [-- extra CLI flags]
//
// Extra flags may name files under .bench/, e.g. `-- --warc
// .bench/w/crawl.warc.gz` for the per-thread CPU cost of archiving.
//
// The site (pages of ~25-40 KB with ~60 links each, every page reachable from
// /index.html, the shape of ../shared/bench/gen_site.py) is generated into
// .bench/ once and served from memory by Deno.serve in this process; the
// crawler runs as a separate `deno run cli.ts` process, as users run it.
// Peak RSS is the crawler process's VmHWM from /proc (Linux), sampled by sh,
// which also samples each thread's CPU time (/proc/PID/task/*/stat) so the
// split per page shows: the main thread, each worker thread (`worker-N`: the
// parser workers, and the crawl thread when the CLI uses one), and the rest
// (V8's GC helpers, the I/O runtime).

import { serveSite } from "./site.ts";
const dash = Deno.args.indexOf("--");
const args = dash === -1 ? Deno.args : Deno.args.slice(0, dash);
const extra = dash === -1 ? [] : Deno.args.slice(dash + 1);
const pages = Number(args[0] ?? 10_000);
if (!Number.isInteger(pages) || pages < 1) {
  console.error(`bench: PAGES must be a positive integer: got "${args[0]}"`);
  Deno.exit(2);
}
const root = new URL("../", import.meta.url);
const siteDir = new URL(`.bench/site-${pages}/`, root);

// Serve from memory on a free loopback port. Links carry the port, so the
// site is generated for this server (its index kept on disk for inspection).
const server = serveSite(pages);
const origin = server.origin;
await Deno.mkdir(siteDir, { recursive: true });
await Deno.writeTextFile(
  new URL("index.html", siteDir),
  server.pages.get("index.html")!,
);

// The crawler may read and write in .bench/ (extra flags such as
// `--warc .bench/w/crawl.warc.gz` or `--state .bench/s.db` write there).
const benchDir = new URL(".bench/", root).pathname;
const out = await Deno.makeTempFile({
  dir: benchDir,
  suffix: ".jsonl",
});
const cli = new URL("cli.ts", root);
const cmd = [
  "run",
  "--allow-net=127.0.0.1",
  `--allow-read=${new URL("src/", root).pathname},${benchDir}`,
  `--allow-write=${benchDir}`,
  cli.href,
  "--quiet",
  "--per-host",
  "16",
  "--out",
  out,
  ...extra,
  `${origin}/index.html`,
];
console.log(
  `bench: ${pages} pages at ${origin}/, running: deno ${cmd.join(" ")}`,
);
const started = performance.now();
const child = new Deno.Command(Deno.execPath(), {
  args: cmd,
  stdout: "inherit",
  stderr: "inherit",
})
  .spawn();
// Deno reads /proc only with --allow-all, so a shell samples the crawler's
// VmHWM (its peak RSS, which only grows) and its threads' CPU times (the
// last sample before exit is kept) until it exits.
const SAMPLE = `while kill -0 "$1" 2>/dev/null; do
  grep VmHWM "/proc/$1/status"
  for t in /proc/$1/task/*; do
    printf 'T %s %s %s\\n' "\${t##*/}" "$(tr ' ' _ < "$t/comm")" \\
      "$(sed 's/.*) //' "$t/stat" | cut -d' ' -f12,13)"
  done 2>/dev/null
  echo END
  sleep 0.05
done`;
const ticks = Number(
  new TextDecoder().decode(
    (await new Deno.Command("getconf", { args: ["CLK_TCK"] }).output()).stdout,
  ).trim(),
) || 100;
const sampler = new Deno.Command("sh", {
  args: ["-c", SAMPLE, "sh", String(child.pid)],
  stdout: "piped",
  stderr: "null",
}).output();
const { code } = await child.status;
const seconds = (performance.now() - started) / 1000;
const samples = new TextDecoder().decode((await sampler).stdout);
const peakKb = Math.max(
  0,
  ...[...samples.matchAll(/VmHWM:\s+(\d+)/g)].map((m) => Number(m[1])),
);
await server[Symbol.asyncDispose]();
const cpu = threadCpu(samples, child.pid, ticks);

let fetched = 0, results = 0;
for (const line of (await Deno.readTextFile(out)).split("\n")) {
  if (!line) continue;
  results++;
  if (JSON.parse(line).status === 200) fetched++;
}
await Deno.remove(out);
console.log(
  `trawl: exit ${code}, ${fetched} pages (${results} results) in ${
    seconds.toFixed(2)
  } s: ` +
    `${(fetched / seconds).toFixed(0)} pages/s, peak RSS ${
      (peakKb / 1024).toFixed(0)
    } MB`,
);
const perPage = (sec: number) =>
  `${(sec * 1e6 / Math.max(1, fetched)).toFixed(0)}`;
console.log(
  `trawl: CPU µs/page: ${
    cpu.map(([name, sec]) => `${name} ${perPage(sec)}`).join(", ")
  } (per page fetched)`,
);
if (code !== 0 || fetched !== pages) Deno.exitCode = 1;

/**
 * CPU seconds per thread group: the main thread, each `worker-N` thread,
 * and all others together; each thread counted at its last sample (a worker
 * may end before the process).
 */
function threadCpu(
  text: string,
  pid: number,
  clockTicks: number,
): [string, number][] {
  const threads = new Map<number, { name: string; sec: number }>();
  for (const m of text.matchAll(/^T (\d+) (\S+) (\d+) (\d+)$/gm)) {
    const tid = Number(m[1]);
    const name = tid === pid
      ? "main"
      : /^worker-\d+$/.test(m[2])
      ? m[2]
      : "other";
    threads.set(tid, { name, sec: (Number(m[3]) + Number(m[4])) / clockTicks });
  }
  const groups = new Map<string, number>([["main", 0]]);
  for (const { name, sec } of threads.values()) {
    if (name !== "other") groups.set(name, (groups.get(name) ?? 0) + sec);
  }
  let other = 0;
  for (const t of threads.values()) if (t.name === "other") other += t.sec;
  return [...groups, ["other", other]];
}
