// `deno task bench` (sitemaps): reads a 50,000-URL sitemap, gzipped (about
// 11 MB of XML, 0.4 MB of gzip), with `parseSitemap` as the crawler does
// (gzip recognised by its bytes, inflated a slice at a time, parsed as a
// stream by htmlparser2 in XML mode), and prints the time and the peak RSS
// of the process that read it; the same for the plain XML and a text
// sitemap. Each round runs in a fresh process (this file with --child) that
// reads the file from .bench/sitemap/; a shell samples its peak RSS
// (VmHWM) from /proc (Linux), and it reports its RSS before parsing.
//
//   deno run --allow-read --allow-write=.bench --allow-run bench/sitemap_bench.ts [URLS=50000] [--rounds N=3]

import { parseSitemap } from "../src/sitemap/parse_sitemap.ts";
import { runCli } from "./durable_bench.ts";

const VARIANTS = ["gzip", "xml", "text"] as const;
type Variant = typeof VARIANTS[number];

/** The sitemap of `n` URLs, as a search engine's sitemap looks. */
function sitemapXml(n: number): string {
  const parts = [
    '<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">',
  ];
  for (let i = 0; i < n; i++) {
    const day = String(1 + i % 28).padStart(2, "0");
    parts.push(
      `<url><loc>https://www.example.com/section-${
        i % 50
      }/article-${i}.html</loc>` +
        `<lastmod>2024-05-${day}T10:00:00+00:00</lastmod>` +
        `<changefreq>weekly</changefreq><priority>0.5</priority></url>`,
    );
  }
  parts.push("</urlset>\n");
  return parts.join("\n");
}

function sitemapText(n: number): string {
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    lines.push(`https://www.example.com/section-${i % 50}/article-${i}.html`);
  }
  return lines.join("\n") + "\n";
}

async function body(variant: Variant, n: number): Promise<Uint8Array> {
  const text = variant === "text" ? sitemapText(n) : sitemapXml(n);
  const plain = new TextEncoder().encode(text);
  if (variant !== "gzip") return plain;
  const gz = new Blob([plain]).stream().pipeThrough(
    new CompressionStream("gzip") as TransformStream<Uint8Array, Uint8Array>,
  );
  return new Uint8Array(await new Response(gz).arrayBuffer());
}

/** The child: reads the file, settles, parses it once, writes a JSON line. */
async function child(file: string, out: string): Promise<void> {
  const bytes = await Deno.readFile(file);
  await new Promise((r) => setTimeout(r, 100)); // let the baseline settle
  const before = Deno.memoryUsage().rss;
  const started = performance.now();
  let entries = 0;
  const report = await parseSitemap(new Blob([bytes]).stream(), {
    base: "https://www.example.com/sitemap.xml",
    onEntry: () => entries++,
  });
  const ms = performance.now() - started;
  await Deno.writeTextFile(
    out,
    JSON.stringify({
      entries,
      ms,
      fileBytes: bytes.length,
      xmlBytes: report.bytes,
      rssBeforeMb: before / 2 ** 20,
    }),
  );
}

interface ChildResult {
  entries: number;
  ms: number;
  fileBytes: number;
  xmlBytes: number;
  rssBeforeMb: number;
}

async function parent(n: number, rounds: number): Promise<void> {
  const self = new URL(import.meta.url).pathname;
  console.log(
    `bench: parseSitemap on ${
      n.toLocaleString("en-US")
    } URLs, ${rounds} round(s) per variant, each in a fresh process`,
  );
  console.log(
    "variant   file MB   XML MB   entries     ms (median)   peak RSS MB   RSS before MB",
  );
  for (const variant of VARIANTS) {
    const runs: (ChildResult & { peakMb: number })[] = [];
    const dir = new URL("../.bench/sitemap", import.meta.url).pathname;
    await Deno.mkdir(dir, { recursive: true });
    try {
      const file = `${dir}/sitemap`;
      const out = `${dir}/result.json`;
      await Deno.writeFile(file, await body(variant, n));
      for (let r = 0; r < rounds; r++) {
        const run = await runCli([
          "run",
          `--allow-read=${dir}`,
          `--allow-write=${dir}`,
          self,
          "--child",
          file,
          out,
        ]);
        if (run.code !== 0) throw new Error(`child exited ${run.code}`);
        const result = JSON.parse(await Deno.readTextFile(out)) as ChildResult;
        runs.push({ ...result, peakMb: run.peakKb / 1024 });
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
    runs.sort((a, b) => a.ms - b.ms);
    const mid = runs[Math.floor(runs.length / 2)];
    const peak = Math.max(...runs.map((r) => r.peakMb));
    console.log(
      `${variant.padEnd(8)}  ${(mid.fileBytes / 1e6).toFixed(2).padStart(7)}  ${
        (mid.xmlBytes / 1e6).toFixed(2).padStart(7)
      }  ${String(mid.entries).padStart(8)}  ${
        mid.ms.toFixed(0).padStart(12)
      }  ${peak.toFixed(0).padStart(12)}  ${
        mid.rssBeforeMb.toFixed(0).padStart(14)
      }`,
    );
    if (mid.entries !== n) Deno.exitCode = 1;
  }
}

if (Deno.args[0] === "--child") {
  const [, file, out] = Deno.args;
  await child(file, out);
} else {
  const at = Deno.args.indexOf("--rounds");
  const rounds = at === -1 ? 3 : Number(Deno.args[at + 1]);
  const n = Number(
    Deno.args.find((a, i) => i !== at + 1 && /^\d+$/.test(a)) ?? 50_000,
  );
  await parent(n, rounds);
}
