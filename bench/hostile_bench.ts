// Memory stays bounded against bombs: crawls a 100 MB and a 1 GiB gzip bomb
// (and a plain 1 GiB body) with the CLI, one `deno run cli.ts` process per
// bomb, and prints each process's peak RSS, which should be the same.
//
//   deno run --allow-net=127.0.0.1 --allow-run --allow-read bench/hostile_bench.ts \
//     [-- extra CLI flags, e.g. --max-body-bytes 1048576]
//
// The bombs are generated lazily by a raw TCP server in this process (zeros
// through CompressionStream("gzip"), written as the crawler reads them), so
// this process stays small too. Peak RSS is the crawler's VmHWM from /proc
// (Linux), sampled by sh since Deno reads /proc only with --allow-all.
import {
  bomb,
  type Meter,
  rawServer,
  writeStream,
  zeros,
} from "../tests/_support/hostile_server.ts";

const dash = Deno.args.indexOf("--");
const extra = dash === -1 ? [] : Deno.args.slice(dash + 1);
const MB = 1000 * 1000;
const GiB = 1024 * 1024 * 1024;

interface Case {
  name: string;
  path: string;
  decoded: number;
  gzip: boolean;
}
const cases: Case[] = [
  {
    name: "gzip bomb 100 MB",
    path: "/bomb-100mb",
    decoded: 100 * MB,
    gzip: true,
  },
  { name: "gzip bomb 1 GiB", path: "/bomb-1gib", decoded: GiB, gzip: true },
  { name: "plain body 1 GiB", path: "/plain-1gib", decoded: GiB, gzip: false },
];
const meters = new Map<string, { sent: Meter; zeros: Meter }>();

await using srv = rawServer(async (c) => {
  const head = await c.readHead();
  const path = head.split(" ")[1];
  const spec = cases.find((k) => k.path === path);
  if (!spec) {
    return await c.write(
      "HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
    );
  }
  const m = {
    sent: { bytes: 0, cancelled: false },
    zeros: { bytes: 0, cancelled: false },
  };
  meters.set(path, m);
  await c.write(
    "HTTP/1.1 200 OK\r\ncontent-type: text/html\r\nconnection: close\r\n" +
      "transfer-encoding: chunked\r\n" +
      (spec.gzip ? "content-encoding: gzip\r\n" : "") + "\r\n",
  );
  await writeStream(
    c,
    spec.gzip
      ? bomb("gzip", spec.decoded, m.sent, m.zeros)
      : zeros(spec.decoded, m.zeros, 0x20),
    true,
  );
});

const cli = new URL("../cli.ts", import.meta.url);
const rows: string[] = [];
for (const spec of cases) {
  const args = [
    "run",
    "--allow-net=127.0.0.1",
    cli.href,
    "--quiet",
    "--workers",
    "0",
    ...extra,
    srv.origin + spec.path,
  ];
  const started = performance.now();
  const child = new Deno.Command(Deno.execPath(), {
    args,
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const sampler = new Deno.Command("sh", {
    args: [
      "-c",
      'while kill -0 "$1" 2>/dev/null; do grep VmHWM "/proc/$1/status"; sleep 0.02; done',
      "sh",
      String(child.pid),
    ],
    stdout: "piped",
    stderr: "null",
  }).output();
  const { code, stdout } = await child.output();
  const ms = performance.now() - started;
  const samples = new TextDecoder().decode((await sampler).stdout);
  const peakKb = Math.max(
    0,
    ...[...samples.matchAll(/VmHWM:\s+(\d+)/g)].map((m) => Number(m[1])),
  );
  await srv.settled();
  const line = new TextDecoder().decode(stdout).split("\n").find((l) =>
    l.includes(spec.path)
  );
  const result = line ? JSON.parse(line) : undefined;
  const m = meters.get(spec.path);
  const conn = srv.connections.findLast((c) => c.path === spec.path);
  rows.push(
    [
      spec.name.padEnd(18),
      `exit ${code}`,
      `${(ms / 1000).toFixed(2)} s`.padStart(7),
      `peak RSS ${(peakKb / 1024).toFixed(0)} MB`.padStart(16),
      `result ${result?.skipped ?? result?.error?.name ?? result?.status}`,
      `bytes ${result?.bytes}`,
      `server sent ${conn?.sent ?? 0} B`,
      `generated ${m?.zeros.bytes ?? 0} of ${spec.decoded} decoded B`,
      `hung up early: ${conn?.peerClosed ?? false}`,
    ].join("  "),
  );
}
console.log(`hostile bench (crawler: deno run --allow-net=127.0.0.1 cli.ts)`);
for (const row of rows) console.log(row);
