// `deno task bench` (archive part): the cost of --warc, and --requisites on
// a real documentation site.
//
//   deno run --allow-net=127.0.0.1 --allow-read --allow-write=.bench --allow-run \
//     bench/archive_bench.ts [PAGES=10000] [ROUNDS=3] [DOCS_URL]
//
// 1. Crawls the generated site (bench/site.ts, served from memory in this
//    process) with the CLI's defaults plus `--per-host 16`, without and with
//    `--warc`, alternating ROUNDS times (the machine is shared: compare
//    within one run), and prints pages/s, the ratio and the crawler's peak
//    RSS (VmHWM from /proc, sampled by sh), and the WARC files' size.
// 2. With `--requisites`, crawls the documentation site at DOCS_URL
//    (default http://127.0.0.1:18181/: Debian's python3.11-doc served by
//    nginx, as /work/tools/docsites.sh does it) with and without requisites
//    and prints pages, requisites and seconds; skipped when nothing answers.

import { serveSite } from "./site.ts";

const pages = Number(Deno.args[0] ?? 10_000);
const rounds = Number(Deno.args[1] ?? 3);
const docs = Deno.args[2] ?? "http://127.0.0.1:18181/";
const root = new URL("../", import.meta.url);
const benchDir = new URL(".bench/", root).pathname;
await Deno.mkdir(benchDir, { recursive: true });

interface Run {
  code: number;
  seconds: number;
  peakMb: number;
  pages: number;
  requisites: number;
}

/** Runs cli.ts with `flags` on `seed`, writing into a fresh folder. */
async function crawl(seed: string, flags: string[]): Promise<Run> {
  const dir = await Deno.makeTempDir({ dir: benchDir });
  const out = `${dir}/out.jsonl`;
  const args = [
    "run",
    "--allow-net=127.0.0.1",
    `--allow-read=${new URL("src/", root).pathname},${dir}`,
    `--allow-write=${dir}`,
    new URL("cli.ts", root).href,
    "--quiet",
    "--per-host",
    "16",
    "--out",
    out,
    ...flags.map((f) => f.replace("{dir}", dir)),
    seed,
  ];
  const started = performance.now();
  const child = new Deno.Command(Deno.execPath(), { args }).spawn();
  const sampler = new Deno.Command("sh", {
    args: [
      "-c",
      'while kill -0 "$1" 2>/dev/null; do grep VmHWM "/proc/$1/status"; sleep 0.05; done',
      "sh",
      String(child.pid),
    ],
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
  let fetched = 0;
  let requisites = 0;
  for (const line of (await Deno.readTextFile(out)).split("\n")) {
    if (!line) continue;
    const r = JSON.parse(line);
    if (r.status !== 200) continue;
    if (r.requisite) requisites++;
    else fetched++;
  }
  let warcBytes = 0;
  for await (const e of Deno.readDir(dir)) {
    if (e.name.endsWith(".warc.gz")) {
      warcBytes += (await Deno.stat(`${dir}/${e.name}`)).size;
    }
  }
  if (warcBytes > 0) {
    console.log(`  (WARC files: ${(warcBytes / 1e6).toFixed(1)} MB)`);
  }
  await Deno.remove(dir, { recursive: true });
  return { code, seconds, peakMb: peakKb / 1024, pages: fetched, requisites };
}

function line(name: string, r: Run): string {
  return `${name.padEnd(12)} exit ${r.code}, ${r.pages} pages, ${
    r.requisites > 0 ? `${r.requisites} requisites, ` : ""
  }${r.seconds.toFixed(2)} s, ${
    (r.pages / r.seconds).toFixed(0)
  } pages/s, peak RSS ${r.peakMb.toFixed(0)} MB`;
}

// 1. --warc on the generated site.
{
  await using site = serveSite(pages);
  const seed = `${site.origin}/index.html`;
  console.log(
    `archive bench: ${pages} pages at ${site.origin}/, ${rounds} rounds`,
  );
  const ratios: number[] = [];
  for (let round = 1; round <= rounds; round++) {
    const plain = await crawl(seed, []);
    console.log(line("plain", plain));
    const warc = await crawl(seed, ["--warc", "{dir}/crawl.warc.gz"]);
    console.log(line("--warc", warc));
    const ratio = (warc.pages / warc.seconds) / (plain.pages / plain.seconds);
    ratios.push(ratio);
    console.log(
      `  round ${round}: --warc at ${(ratio * 100).toFixed(0)} % of plain`,
    );
    if (plain.code !== 0 || warc.code !== 0) Deno.exitCode = 1;
  }
  ratios.sort((a, b) => a - b);
  console.log(
    `--warc: median ${
      (ratios[ratios.length >> 1] * 100).toFixed(0)
    } % of the plain crawl's pages/s`,
  );
}

// 2. --requisites on the documentation site.
{
  let up = false;
  try {
    const res = await fetch(docs, { signal: AbortSignal.timeout(2000) });
    await res.body?.cancel();
    up = res.ok;
  } catch {
    up = false;
  }
  if (!up) {
    console.log(
      `requisites bench skipped: nothing answers at ${docs} (serve Debian's python3.11-doc there, or pass its URL)`,
    );
  } else {
    console.log(`requisites bench: ${docs}`);
    console.log(line("pages", await crawl(docs, [])));
    console.log(line("--requisites", await crawl(docs, ["--requisites"])));
    console.log(
      line(
        "-p --warc",
        await crawl(docs, ["--requisites", "--warc", "{dir}/docs.warc.gz"]),
      ),
    );
  }
}
