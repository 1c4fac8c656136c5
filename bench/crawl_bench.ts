// `deno task bench` (second part): crawls a generated site on loopback with
// the CLI's defaults plus `--per-host 16`, and prints pages/s and peak RSS.
//
//   deno run --allow-net=127.0.0.1 --allow-read --allow-write=.bench --allow-run \
//     bench/crawl_bench.ts [PAGES=10000] [-- extra CLI flags]
//
// The site (pages of ~25-40 KB with ~60 links each, every page reachable from
// /index.html, the shape of ../shared/bench/gen_site.py) is generated into
// .bench/ once and served from memory by Deno.serve in this process; the
// crawler runs as a separate `deno run cli.ts` process, as users run it.
// Peak RSS is the crawler process's VmHWM from /proc (Linux), sampled by sh.

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

const out = await Deno.makeTempFile({
  dir: new URL(".bench/", root).pathname,
  suffix: ".jsonl",
});
const cli = new URL("cli.ts", root);
const cmd = [
  "run",
  "--allow-net=127.0.0.1",
  `--allow-read=${new URL("src/", root).pathname}`,
  `--allow-write=${out}`,
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
// VmHWM (its peak RSS, which only grows) until it exits.
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
await server[Symbol.asyncDispose]();

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
if (code !== 0 || fetched !== pages) Deno.exitCode = 1;
