// `deno task bench` (recrawls): crawls the 10,000-page site with the CLI and
// `--state`, then recrawls it with `--recrawl` while nothing has changed, and
// prints pages/s, peak RSS and the bytes the server sent for both. The site
// is served by nginx when it is on PATH (as static files: nginx answers
// If-None-Match and If-Modified-Since with 304), else by Deno.serve with the
// same ETag, Last-Modified and 304 rules.
//
//   deno run --allow-net=127.0.0.1 --allow-read --allow-write=.bench --allow-run \
//     bench/recrawl_bench.ts [PAGES=10000] [--rounds N=1] [--no-nginx]
//     [--site DIR --port P] [-- extra CLI flags]
//
// With `--site DIR --port P` it serves DIR (e.g. the site of
// ../shared/bench/run_peers.sh, whose links name 127.0.0.1:18080) from
// /index.html; otherwise it writes the site of bench/site.ts, for a free
// port, to .bench/recrawl/. Bytes sent are nginx's `$bytes_sent` (headers and
// body) from its access log, or the Deno server's count of the same.

import {
  crawlCommand,
  median,
  removeState,
  ROOT,
  runCli,
} from "./durable_bench.ts";
import { generate } from "./site.ts";

interface Server extends AsyncDisposable {
  origin: string;
  /** Bytes sent (headers and bodies) and responses, by status, so far. */
  sent(): Promise<{ bytes: number; byStatus: Map<number, number> }>;
}

/** A free loopback port. */
function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

/** Writes the site of bench/site.ts for `origin` into `dir` (once). */
async function writeSite(dir: string, pages: number, origin: string) {
  const marker = `${dir}/.origin`;
  const made = await Deno.readTextFile(marker).catch(() => "");
  if (made === `${pages} ${origin}`) return;
  await Deno.remove(dir, { recursive: true }).catch(() => {});
  for (const [path, html] of generate(pages, origin)) {
    const file = `${dir}/${path}`;
    await Deno.mkdir(file.slice(0, file.lastIndexOf("/")), { recursive: true });
    await Deno.writeTextFile(file, html);
  }
  await Deno.writeTextFile(marker, `${pages} ${origin}`);
}

/** nginx serving `root` on `port`, logging `$status $bytes_sent`. */
async function startNginx(
  root: string,
  port: number,
  work: string,
): Promise<Server> {
  await Deno.mkdir(work, { recursive: true });
  const log = `${work}/access.log`;
  await Deno.writeTextFile(log, "");
  // Workers as root can read any folder; nginx ignores this when not root.
  const user = "user root;";
  await Deno.writeTextFile(
    `${work}/nginx.conf`,
    `${user}
worker_processes 1;
pid ${work}/nginx.pid;
error_log ${work}/error.log warn;
events { worker_connections 4096; }
http {
  log_format sent '$status $bytes_sent';
  access_log ${log} sent buffer=64k flush=100ms;
  sendfile on; tcp_nopush on; keepalive_requests 100000;
  types { text/html html; text/plain txt; }
  default_type application/octet-stream;
  server { listen 127.0.0.1:${port}; root ${root}; }
}
`,
  );
  const { code, stderr } = await new Deno.Command("nginx", {
    args: ["-c", `${work}/nginx.conf`, "-p", work],
    stdout: "null",
    stderr: "piped",
  }).output();
  if (code !== 0) throw new Error(new TextDecoder().decode(stderr));
  await new Promise((r) => setTimeout(r, 300));
  return {
    origin: `http://127.0.0.1:${port}`,
    async sent() {
      await new Promise((r) => setTimeout(r, 300)); // the log's flush
      const byStatus = new Map<number, number>();
      let bytes = 0;
      for (const line of (await Deno.readTextFile(log)).split("\n")) {
        const [status, n] = line.split(" ").map(Number);
        if (!(status > 0)) continue;
        bytes += n;
        byStatus.set(status, (byStatus.get(status) ?? 0) + 1);
      }
      return { bytes, byStatus };
    },
    async [Symbol.asyncDispose]() {
      const pid = Number(await Deno.readTextFile(`${work}/nginx.pid`));
      Deno.kill(pid, "SIGTERM");
    },
  };
}

/** Deno.serve with nginx's rules for static files, counting bytes sent. */
async function startDeno(root: string, port: number): Promise<Server> {
  const files = new Map<
    string,
    { body: Uint8Array<ArrayBuffer>; mtime: number }
  >();
  for await (const path of walk(root)) {
    const stat = await Deno.stat(`${root}/${path}`);
    files.set("/" + path, {
      body: await Deno.readFile(`${root}/${path}`),
      mtime: Math.floor((stat.mtime?.getTime() ?? 0) / 1000),
    });
  }
  const byStatus = new Map<number, number>();
  let bytes = 0;
  const count = (status: number, headers: Headers, body: number) => {
    byStatus.set(status, (byStatus.get(status) ?? 0) + 1);
    let size = 17 + body; // status line and the blank line
    headers.forEach((v, k) => size += k.length + v.length + 4);
    bytes += size;
  };
  const server = Deno.serve(
    { hostname: "127.0.0.1", port, onListen() {} },
    (req) => {
      const file = files.get(new URL(req.url).pathname);
      if (!file) {
        const headers = new Headers({ "content-type": "text/plain" });
        count(404, headers, 9);
        return new Response("not found", { status: 404, headers });
      }
      const etag = `"${file.mtime.toString(16)}-${
        file.body.length.toString(16)
      }"`;
      const lastModified = new Date(file.mtime * 1000).toUTCString();
      const headers = new Headers({ etag, "last-modified": lastModified });
      const since = req.headers.get("if-modified-since");
      const match = req.headers.get("if-none-match");
      if (
        (since !== null || match !== null) &&
        (since === null || since === lastModified) &&
        (match === null || match === etag)
      ) {
        count(304, headers, 0);
        return new Response(null, { status: 304, headers });
      }
      headers.set(
        "content-type",
        file.body.length && req.url.endsWith(".txt")
          ? "text/plain"
          : "text/html",
      );
      headers.set("content-length", String(file.body.length));
      count(200, headers, file.body.length);
      return new Response(file.body, { headers });
    },
  );
  return {
    origin: `http://127.0.0.1:${port}`,
    sent: () => Promise.resolve({ bytes, byStatus }),
    [Symbol.asyncDispose]: () => server.shutdown(),
  };
}

async function* walk(root: string, prefix = ""): AsyncGenerator<string> {
  for await (const e of Deno.readDir(`${root}/${prefix}`)) {
    const path = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory) yield* walk(root, path);
    else if (e.isFile && !e.name.startsWith(".")) yield path;
  }
}

function hasNginx(): boolean {
  try {
    new Deno.Command("nginx", { args: ["-v"], stderr: "null" }).outputSync();
    return true;
  } catch {
    return false;
  }
}

/** Results of one phase, from the output lines it appended. */
async function tally(out: string, from: number) {
  const text = await Deno.readTextFile(out);
  const lines = text.slice(from).split("\n").filter((l) => l !== "");
  const byStatus = new Map<number, number>();
  for (const line of lines) {
    const s = JSON.parse(line).status as number;
    byStatus.set(s, (byStatus.get(s) ?? 0) + 1);
  }
  return { results: lines.length, byStatus, size: text.length };
}

function take(args: string[], flag: string): string | undefined {
  const i = args.indexOf(flag);
  if (i === -1) return undefined;
  const [, value] = args.splice(i, 2);
  return value;
}

async function main(): Promise<void> {
  const dash = Deno.args.indexOf("--");
  const args = dash === -1 ? [...Deno.args] : Deno.args.slice(0, dash);
  const extra = dash === -1 ? [] : Deno.args.slice(dash + 1);
  const rounds = Number(take(args, "--rounds") ?? 1);
  const siteDir = take(args, "--site");
  const port = Number(take(args, "--port") ?? 0) || freePort();
  const useNginx = !args.includes("--no-nginx") && hasNginx();
  const pages = Number(args.find((a) => /^\d+$/.test(a)) ?? 10_000);
  const work = new URL(".bench/recrawl/", ROOT).pathname;
  const origin = `http://127.0.0.1:${port}`;
  const root = siteDir ?? `${work}site-${pages}`;
  if (siteDir === undefined) await writeSite(root, pages, origin);
  await using server = useNginx
    ? await startNginx(root, port, `${work}nginx`)
    : await startDeno(root, port);
  const seed = `${server.origin}/index.html`;
  const dir = `${work}run`;
  await Deno.mkdir(dir, { recursive: true });
  const out = `${dir}/out.jsonl`;
  const state = `${dir}/state.db`;
  const command = (recrawl: boolean) =>
    crawlCommand({
      dir,
      out,
      state,
      args: [...extra, ...(recrawl ? ["--recrawl"] : []), seed],
    });
  console.log(
    `bench: ${siteDir ?? `${pages} pages`} served by ${
      useNginx ? "nginx" : "Deno.serve"
    } at ${server.origin}, ${rounds} round(s)`,
  );
  console.log(`  recrawl: deno ${command(true).join(" ")}`);
  const rows: Record<
    string,
    {
      s: number[];
      pages: number[];
      mb: number[];
      rss: number[];
      statuses: string;
    }
  > = {};
  for (let r = 0; r < rounds; r++) {
    await Deno.remove(out).catch(() => {});
    await removeState(state);
    for (const phase of ["crawl", "recrawl"] as const) {
      const before = await server.sent();
      const from = await Deno.stat(out).then((s) => s.size, () => 0);
      const run = await runCli(command(phase === "recrawl"));
      const after = await server.sent();
      const t = await tally(out, from);
      if (run.code !== 0) Deno.exitCode = 1;
      const row = rows[phase] ??= {
        s: [],
        pages: [],
        mb: [],
        rss: [],
        statuses: "",
      };
      row.s.push(run.seconds);
      // Pages: the responses the server gave (robots.txt included).
      let served = 0;
      for (const [k, v] of after.byStatus) {
        served += v - (before.byStatus.get(k) ?? 0);
      }
      row.pages.push(served);
      row.mb.push((after.bytes - before.bytes) / 1e6);
      row.rss.push(run.peakKb / 1024);
      const answers = [...after.byStatus].map((
        [k, v],
      ) => [k, v - (before.byStatus.get(k) ?? 0)])
        .filter(([, v]) => v > 0).map(([k, v]) => `${k}:${v}`).join(" ");
      row.statuses = `results ${
        [...t.byStatus].map(([k, v]) => `${k}:${v}`).join(" ")
      }; served ${answers}`;
    }
  }
  console.log("phase     pages   seconds   pages/s   MB sent   peak RSS MB");
  for (const [phase, row] of Object.entries(rows)) {
    const s = median(row.s);
    const n = median(row.pages);
    console.log(
      `${phase.padEnd(8)}  ${String(n).padStart(7)}  ${
        s.toFixed(2).padStart(8)
      }  ${(n / s).toFixed(0).padStart(8)}  ${
        median(row.mb).toFixed(1).padStart(8)
      }  ${median(row.rss).toFixed(0).padStart(12)}`,
    );
    console.log(`          ${row.statuses}`);
  }
  const crawl = rows.crawl, recrawl = rows.recrawl;
  if (crawl && recrawl) {
    console.log(
      `recrawl/crawl: ${
        (median(crawl.s) / median(recrawl.s)).toFixed(1)
      }x faster, ${
        (100 * median(recrawl.mb) / median(crawl.mb)).toFixed(1)
      } % of the bytes`,
    );
  }
}

await main();
