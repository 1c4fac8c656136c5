// `deno task bench` (content part): crawls the generated site with the CLI,
// once per content option (none, --content markdown/text, --main-content,
// three --select, an --extract hook that reads `document`), in interleaved
// rounds, and prints pages/s, CPU per page and peak RSS of each.
//
//   deno run --allow-net=127.0.0.1 --allow-read --allow-write=.bench --allow-run \
//     bench/content_bench.ts [PAGES=10000] [--rounds N] [--site URL]
//
// With --site URL it crawls that loopback site instead (e.g. Debian's
// python3.11-doc served by nginx inside the offline namespace). The crawler
// runs as a separate `deno run cli.ts` process, as users run it; a shell
// samples its VmHWM (peak RSS) and CPU ticks from /proc (Linux).

import { parseArgs } from "node:util";
import { serveSite } from "./site.ts";

const { values, positionals } = parseArgs({
  args: Deno.args,
  options: { rounds: { type: "string" }, site: { type: "string" } },
  allowPositionals: true,
});
const pages = Number(positionals[0] ?? 10_000);
const rounds = Number(values.rounds ?? 2);
if (!Number.isInteger(pages) || pages < 1 || !Number.isInteger(rounds)) {
  console.error("bench: PAGES and --rounds must be positive integers");
  Deno.exit(2);
}

const root = new URL("../", import.meta.url);
const VARIANTS: Record<string, string[]> = {
  "none": [],
  "--content markdown": ["--content", "markdown"],
  "--content markdown --main-content": [
    "--content",
    "markdown",
    "--main-content",
  ],
  "--content text": ["--content", "text"],
  "--select x3": [
    "--select",
    "h1=h1",
    "--select",
    "lead=main p",
    "--select",
    "refs[]=a.ref@href",
  ],
  "--extract (document)": [
    "--extract",
    new URL("bench/content_hook.ts", root).pathname,
  ],
};

interface Run {
  pages: number;
  seconds: number;
  cpuMs: number;
  peakMb: number;
}

/** Runs the CLI once; a shell samples its peak RSS and CPU ticks. */
async function crawlOnce(seed: string, flags: string[]): Promise<Run> {
  const out = await Deno.makeTempFile({
    dir: new URL(".bench/", root).pathname,
    suffix: ".jsonl",
  });
  const args = [
    "run",
    "--allow-net=127.0.0.1",
    `--allow-read=${new URL("src/", root).pathname},${
      new URL("bench/", root).pathname
    }`,
    `--allow-write=${out}`,
    new URL("cli.ts", root).href,
    "--quiet",
    "--per-host",
    "16",
    "--out",
    out,
    ...flags,
    seed,
  ];
  const started = performance.now();
  const child = new Deno.Command(Deno.execPath(), {
    args,
    stdout: "inherit",
    stderr: "inherit",
  }).spawn();
  const sampler = new Deno.Command("sh", {
    args: [
      "-c",
      'while kill -0 "$1" 2>/dev/null; do grep VmHWM "/proc/$1/status"; ' +
      'echo "TICKS $(cut -d" " -f14,15 "/proc/$1/stat")"; sleep 0.05; done',
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
  const ticks = [...samples.matchAll(/TICKS (\d+) (\d+)/g)].at(-1);
  const cpuMs = ticks ? (Number(ticks[1]) + Number(ticks[2])) * 10 : NaN;
  let fetched = 0;
  for (const line of (await Deno.readTextFile(out)).split("\n")) {
    if (line && JSON.parse(line).status === 200) fetched++;
  }
  await Deno.remove(out);
  if (code !== 0) console.error(`bench: trawl exited with ${code}`);
  return { pages: fetched, seconds, cpuMs, peakMb: peakKb / 1024 };
}

await Deno.mkdir(new URL(".bench/", root), { recursive: true });
await using server = values.site === undefined ? serveSite(pages) : undefined;
const seed = values.site ?? `${server!.origin}/index.html`;
console.log(`bench: content options on ${seed}, ${rounds} round(s)`);
const runs = new Map<string, Run[]>();
for (let round = 0; round < rounds; round++) {
  for (const [name, flags] of Object.entries(VARIANTS)) {
    const run = await crawlOnce(seed, flags);
    runs.set(name, [...runs.get(name) ?? [], run]);
  }
}
console.log(
  "variant".padEnd(36) + "pages".padStart(7) + "pages/s".padStart(9) +
    "cpu ms/page".padStart(13) + "peak MB".padStart(9),
);
for (const [name, list] of runs) {
  const best = list.reduce((a, b) => a.seconds <= b.seconds ? a : b);
  const cpu = Math.min(...list.map((r) => r.cpuMs / Math.max(1, r.pages)));
  const peak = Math.max(...list.map((r) => r.peakMb));
  console.log(
    name.padEnd(36) + String(best.pages).padStart(7) +
      (best.pages / best.seconds).toFixed(0).padStart(9) +
      cpu.toFixed(3).padStart(13) + peak.toFixed(0).padStart(9),
  );
}
