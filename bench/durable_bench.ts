// `deno task bench` (durable crawls, issue 5): crawls the 10,000-page site of
// crawl_bench.ts with the CLI in memory and with `--state` (a fresh SQLite
// file each time), alternately, and prints pages/s and peak RSS of both and
// the durable/memory speed ratio (medians; target: at least 70 %).
//
//   deno run --allow-net=127.0.0.1 --allow-read --allow-write=.bench --allow-run \
//     bench/durable_bench.ts [PAGES=10000] [--rounds N=3] [-- extra CLI flags]
//
// The site (the generator of crawl_bench.ts: pages of ~25-40 KB with ~60
// links each, all reachable from /index.html) is served from memory by
// Deno.serve in this process; the crawler runs as a separate `deno run
// cli.ts` process. Peak RSS is the crawler's VmHWM from /proc (Linux),
// sampled by sh. Exits 1 when a crawl fails or misses pages.
//
// `runCli` is shared with discovery_bench.ts.

import { serveSite } from "./site.ts";
/** The repository root. */
export const ROOT: URL = new URL("../", import.meta.url);

/** What one crawler process did. */
export interface CliRun {
  /** The exit code. */
  code: number;
  /** Wall time from spawn to exit. */
  seconds: number;
  /** Peak RSS (VmHWM) in KiB. */
  peakKb: number;
}

/** What {@linkcode crawlCommand} builds a crawl from. */
export interface CrawlCommand {
  /** The bench's working folder (the state lives in it). */
  dir: string;
  /** The `--out` file. */
  out: string;
  /** The `--state` file: a durable crawl; in memory when absent. */
  state?: string;
  /** Flags for `deno run` itself, e.g. `--v8-flags=...`. */
  denoFlags?: string[];
  /** The CLI's last arguments: extra flags, then the seed. */
  args: string[];
}

/**
 * The `deno` arguments of a benchmark crawl: the least permissions it needs
 * (read access to `src/` for the parser workers and the crawl thread), the
 * CLI quiet at `--per-host 16`, with `--state` when durable.
 */
export function crawlCommand(c: CrawlCommand): string[] {
  const src = new URL("src/", ROOT).pathname;
  return [
    "run",
    ...(c.denoFlags ?? []),
    "--allow-net=127.0.0.1",
    `--allow-read=${c.state ? `${c.dir},${src}` : src}`,
    `--allow-write=${c.state ? c.dir : c.out}`,
    new URL("cli.ts", ROOT).href,
    "--quiet",
    "--per-host",
    "16",
    ...(c.state ? ["--state", c.state] : []),
    "--out",
    c.out,
    ...c.args,
  ];
}

/**
 * Runs `deno <args>` (the CLI) as a child process and samples its memory
 * until it exits.
 *
 * @param args The arguments after `deno`.
 * @param onSample Called with each sample: VmRSS and VmHWM in KiB and the
 * seconds since spawn.
 * @param intervalSeconds Time between samples.
 * @returns Exit code, wall time and peak RSS.
 */
export async function runCli(
  args: string[],
  onSample?: (rssKb: number, hwmKb: number, t: number) => void,
  intervalSeconds = 0.05,
): Promise<CliRun> {
  const started = performance.now();
  const child = new Deno.Command(Deno.execPath(), {
    args,
    stdout: "inherit",
    stderr: "inherit",
  }).spawn();
  // Deno reads /proc only with --allow-all, so a shell samples the crawler's
  // VmRSS and VmHWM (its peak RSS, which only grows) until it exits.
  const sampler = new Deno.Command("sh", {
    args: [
      "-c",
      'while kill -0 "$1" 2>/dev/null; do grep -E "^Vm(RSS|HWM)" "/proc/$1/status" | tr "\\n" " "; echo; sleep "$2"; done',
      "sh",
      String(child.pid),
      String(intervalSeconds),
    ],
    stdout: "piped",
    stderr: "null",
  }).spawn();
  let peakKb = 0;
  const reading = (async () => {
    const decoder = new TextDecoder();
    let carry = "";
    for await (const chunk of sampler.stdout) {
      const lines = (carry + decoder.decode(chunk, { stream: true })).split(
        "\n",
      );
      carry = lines.pop()!;
      const t = (performance.now() - started) / 1000;
      for (const line of lines) {
        const hwm = Number(/VmHWM:\s+(\d+)/.exec(line)?.[1] ?? NaN);
        const rss = Number(/VmRSS:\s+(\d+)/.exec(line)?.[1] ?? NaN);
        if (!(hwm > 0)) continue;
        peakKb = Math.max(peakKb, hwm);
        onSample?.(rss, hwm, t);
      }
    }
  })();
  const { code } = await child.status;
  const seconds = (performance.now() - started) / 1000;
  await sampler.status;
  await reading;
  return { code, seconds, peakKb };
}

/** Removes a SQLite state file and the files SQLite and trawl keep beside it. */
export async function removeState(path: string): Promise<void> {
  for (const suffix of ["", "-wal", "-shm", "-journal", ".lock"]) {
    await Deno.remove(path + suffix).catch(() => {});
  }
}

/** Size in bytes of a state file with its WAL (0 when missing). */
export async function stateBytes(path: string): Promise<number> {
  let total = 0;
  for (const suffix of ["", "-wal"]) {
    total += await Deno.stat(path + suffix).then((s) => s.size, () => 0);
  }
  return total;
}

/** The median of a non-empty list. */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Counts the results in a JSONL file and those with HTTP status 200. */
async function countResults(
  path: string,
): Promise<{ results: number; fetched: number }> {
  let results = 0, fetched = 0;
  for (const line of (await Deno.readTextFile(path)).split("\n")) {
    if (!line) continue;
    results++;
    if (JSON.parse(line).status === 200) fetched++;
  }
  return { results, fetched };
}

interface Round {
  mode: "memory" | "durable";
  code: number;
  seconds: number;
  fetched: number;
  results: number;
  peakKb: number;
  stateBytes: number;
}

async function main(): Promise<void> {
  const dash = Deno.args.indexOf("--");
  const args = dash === -1 ? [...Deno.args] : Deno.args.slice(0, dash);
  const extra = dash === -1 ? [] : Deno.args.slice(dash + 1);
  let rounds = 3;
  const r = args.indexOf("--rounds");
  if (r !== -1) {
    rounds = Number(args[r + 1]);
    args.splice(r, 2);
  }
  const pages = Number(args[0] ?? 10_000);
  if (!Number.isInteger(pages) || pages < 1) {
    console.error(`bench: PAGES must be a positive integer: got "${args[0]}"`);
    Deno.exit(2);
  }
  if (!Number.isInteger(rounds) || rounds < 1) {
    console.error(`bench: --rounds must be a positive integer`);
    Deno.exit(2);
  }

  await using site = serveSite(pages);
  const origin = site.origin;

  const dir = new URL(".bench/durable/", ROOT).pathname;
  await Deno.mkdir(dir, { recursive: true });
  const out = `${dir}out.jsonl`;
  const state = `${dir}state.db`;
  const command = (durable: boolean) =>
    crawlCommand({
      dir,
      out,
      state: durable ? state : undefined,
      args: [...extra, `${origin}/index.html`],
    });
  console.log(`bench: ${pages} pages at ${origin}/, ${rounds} rounds each`);
  console.log(`  memory:  deno ${command(false).join(" ")}`);
  console.log(`  durable: deno ${command(true).join(" ")}`);

  const done: Round[] = [];
  for (let i = 0; i < rounds; i++) {
    for (const mode of ["memory", "durable"] as const) {
      await Deno.remove(out).catch(() => {});
      await removeState(state);
      const run = await runCli(command(mode === "durable"));
      const counts = await countResults(out).catch(() => ({
        results: 0,
        fetched: 0,
      }));
      const round: Round = {
        mode,
        ...run,
        ...counts,
        stateBytes: mode === "durable" ? await stateBytes(state) : 0,
      };
      done.push(round);
      console.log(
        `  round ${i + 1} ${
          mode.padEnd(7)
        } exit ${round.code}, ${round.fetched} pages (${round.results} results) in ${
          round.seconds.toFixed(2)
        } s: ${(round.fetched / round.seconds).toFixed(0)} pages/s, peak RSS ${
          (round.peakKb / 1024).toFixed(0)
        } MB${
          mode === "durable"
            ? `, state ${(round.stateBytes / 1e6).toFixed(1)} MB`
            : ""
        }`,
      );
    }
  }
  await Deno.remove(out).catch(() => {});
  await removeState(state);

  const rows = (["memory", "durable"] as const).map((mode) => {
    const rs = done.filter((d) => d.mode === mode);
    return {
      mode,
      rate: median(rs.map((d) => d.fetched / d.seconds)),
      rates: rs.map((d) => (d.fetched / d.seconds).toFixed(0)).join(" "),
      seconds: median(rs.map((d) => d.seconds)),
      peakMb: median(rs.map((d) => d.peakKb / 1024)),
    };
  });
  const ratio = rows[1].rate / rows[0].rate;
  console.log(
    `\n${"mode".padEnd(8)} ${"pages/s (median)".padStart(16)}  ${
      "rounds".padEnd(16)
    } ${"time s".padStart(7)} ${"peak RSS MB".padStart(11)}`,
  );
  for (const row of rows) {
    console.log(
      `${row.mode.padEnd(8)} ${row.rate.toFixed(0).padStart(16)}  ${
        row.rates.padEnd(16)
      } ${row.seconds.toFixed(2).padStart(7)} ${
        row.peakMb.toFixed(0).padStart(11)
      }`,
    );
  }
  console.log(
    `durable/memory speed: ${(ratio * 100).toFixed(0)} % (target >= 70 %)${
      ratio >= 0.7 ? "" : "  BELOW TARGET"
    }`,
  );
  if (done.some((d) => d.code !== 0 || d.fetched !== pages)) {
    Deno.exitCode = 1;
  }
}

if (import.meta.main) await main();
