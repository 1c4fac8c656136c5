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

/** A small deterministic PRNG (mulberry32), so every run crawls the same site. */
function rng(seed: number): () => number {
  return () => {
    seed |= 0;
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const VOCAB =
  ("lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod " +
    "tempor incididunt ut labore et dolore magna aliqua enim minim veniam quis nostrud")
    .split(" ");

function pagePath(i: number): string {
  return i === 0 ? "index.html" : `s${i % 50}/p${i}.html`;
}

/** Generates the site's pages (paths relative to the root → HTML). */
function generate(n: number, origin: string): Map<string, string> {
  const random = rng(1);
  const words = (k: number) =>
    Array.from({ length: k }, () => VOCAB[Math.floor(random() * VOCAB.length)])
      .join(" ");
  const nav = Array.from({ length: Math.min(n, 20) }, (_, i) => pagePath(i))
    .map((p) => `<li><a href="/${p}">Section ${p}</a></li>`).join("");
  const site = new Map<string, string>();
  for (let i = 0; i < n; i++) {
    const path = pagePath(i);
    const up = "../".repeat(path.split("/").length - 1);
    const targets = [
      ...Array.from({ length: 30 }, () => Math.floor(random() * n)),
      (i + 1) % n,
    ];
    const body = targets.map((t, k) => {
      const tp = pagePath(t);
      const href =
        [`/${tp}`, up + tp, `/${tp}#sec${k}`, `${origin}/${tp}`][k % 4];
      return `<p>${words(60)} <a href="${href}" class="ref">${words(3)}</a> ${
        words(40)
      }</p>`;
    }).join("\n");
    site.set(
      path,
      `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Page ${i}</title>
<link rel="stylesheet" href="/static/site.css"><script src="/static/app.js" defer></script>
</head><body><header><nav><ul>${nav}</ul></nav></header>
<main><h1>Page ${i}</h1>
${body}
<script>var s="<a href='/trap'>not a link</a>";</script>
</main><footer><a href="https://example.com/out">external</a>
<a href="mailto:info@example.com">mail</a> <a href="/files/doc${i}.pdf">pdf</a>
<!-- <a href="/commented-out.html">no</a> --></footer></body></html>
`,
    );
  }
  site.set("robots.txt", "User-agent: *\nDisallow:\n");
  return site;
}

// Serve from memory on a free loopback port.
const files = new Map<string, Uint8Array<ArrayBuffer>>();
const server = Deno.serve(
  { hostname: "127.0.0.1", port: 0, onListen() {} },
  (req) => {
    const path = new URL(req.url).pathname.slice(1);
    const body = files.get(path);
    if (!body) return new Response("not found", { status: 404 });
    const type = path.endsWith(".txt")
      ? "text/plain"
      : "text/html; charset=utf-8";
    return new Response(body, { headers: { "content-type": type } });
  },
);
const origin = `http://127.0.0.1:${server.addr.port}`;
const encoder = new TextEncoder();
// Links carry the port, so the site is generated for this server (kept on
// disk for inspection).
const site = generate(pages, origin);
await Deno.mkdir(siteDir, { recursive: true });
await Deno.writeTextFile(
  new URL("index.html", siteDir),
  site.get("index.html")!,
);
for (const [path, html] of site) files.set(path, encoder.encode(html));

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
await server.shutdown();

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
