// The generated site the crawl benchmarks share (crawl_bench.ts,
// durable_bench.ts, shared_bench.ts): deterministic, so every run and every
// benchmark crawls the same pages.

/** A small deterministic PRNG (mulberry32), so every run crawls the same site. */
export function rng(seed: number): () => number {
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

/** The path of page `i` (0 is /index.html). */
export function pagePath(i: number): string {
  return i === 0 ? "index.html" : `s${i % 50}/p${i}.html`;
}

/**
 * The benchmark site: `n` pages of about 25 to 40 KB with about 60 links
 * each, every page reachable from /index.html (the shape of
 * ../shared/bench/gen_site.py), from a fixed seed: paths relative to the
 * root → HTML.
 */
export function generate(n: number, origin: string): Map<string, string> {
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

/** The benchmark site, served from memory on loopback. */
export interface ServedSite extends AsyncDisposable {
  /** `http://127.0.0.1:PORT`. */
  origin: string;
  /** The pages, by path relative to the root (the links carry the port). */
  pages: Map<string, string>;
}

/**
 * Generates the `n`-page site for a new server on a free loopback port and
 * serves it from memory (Deno.serve) until disposed.
 */
export function serveSite(n: number): ServedSite {
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
  const pages = generate(n, origin);
  const encoder = new TextEncoder();
  for (const [path, html] of pages) files.set(path, encoder.encode(html));
  return {
    origin,
    pages,
    [Symbol.asyncDispose]: () => server.shutdown(),
  };
}
