/**
 * Helpers of the durable-crawl tests: a workspace for a state and an output,
 * `cli.ts` runs, and checks of an output against a generated site.
 *
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Cli, type Exit, startCli } from "../../_support/cli_process.ts";
import { delay } from "../../../src/concurrency/clock.ts";
import type { CrawlResult } from "../../../src/crawler/result.ts";
import type { CrawlStatus } from "../../../src/frontier/status.ts";
import { SqliteStore } from "../../../src/frontier/sqlite/sqlite_store.ts";
import type { GeneratedSite } from "../../_support/generated_site.ts";

/** The source folder (the crawl thread reads its code from it). */
export const SRC: string = fileURLToPath(
  new URL("../../../src/", import.meta.url),
);
/** A child that runs longer than this is killed (the test then fails). */
export const CHILD_LIMIT_MS = 60_000;

/** A temporary folder for a state and an output, removed on dispose. */
export interface Workspace extends AsyncDisposable {
  dir: string;
  state: string;
  out: string;
  perms: string[];
}

/** Makes a workspace in a new temporary folder. */
export async function workspace(): Promise<Workspace> {
  const dir = await Deno.makeTempDir({ prefix: "trawl_durable_" });
  return {
    dir,
    state: join(dir, "s.db"),
    out: join(dir, "out.jsonl"),
    perms: [
      "--allow-net=127.0.0.1",
      `--allow-read=${dir},${SRC}`,
      `--allow-write=${dir}`,
    ],
    async [Symbol.asyncDispose]() {
      await Deno.remove(dir, { recursive: true });
    },
  };
}

/** Starts `cli.ts` with `args`, killed after `limitMs`. */
export function start(
  args: string[],
  perms: string[],
  limitMs = CHILD_LIMIT_MS,
): Cli {
  return startCli(args, perms, limitMs);
}

/** Runs `cli.ts` with `args` to its exit. */
export async function run(
  args: string[],
  perms: string[],
  limitMs?: number,
): Promise<Exit> {
  return await start(args, perms, limitMs).output;
}

/** Waits until `done()` (polling), or gives up after `limitMs`. */
export async function until(
  done: () => boolean,
  what: string,
  limitMs = 30_000,
): Promise<void> {
  const end = performance.now() + limitMs;
  while (!done()) {
    if (performance.now() > end) throw new Error(`timed out waiting ${what}`);
    await delay(5);
  }
}

/** The output file's lines (the last one is partial unless it ends in "\n"). */
export async function lines(path: string): Promise<string[]> {
  const text = await Deno.readTextFile(path);
  return text === "" ? [] : text.replace(/\n$/, "").split("\n");
}

/**
 * Checks that `path` holds exactly the crawl of `site`: every line a JSON
 * result, each expected URL once with its outcome, nothing else.
 *
 * @returns The problems found (empty when none).
 */
export async function checkOutput(
  path: string,
  site: GeneratedSite,
  expected: ReadonlyMap<string, unknown> = site.expected,
): Promise<string[]> {
  const problems: string[] = [];
  const text = await Deno.readTextFile(path);
  if (text !== "" && !text.endsWith("\n")) {
    problems.push("the file does not end with a newline");
  }
  const count = new Map<string, number>();
  for (const [n, line] of text.split("\n").slice(0, -1).entries()) {
    let result: CrawlResult;
    try {
      result = JSON.parse(line);
    } catch {
      problems.push(`line ${n + 1} is not JSON: ${line.slice(0, 80)}`);
      continue;
    }
    count.set(result.url, (count.get(result.url) ?? 0) + 1);
    const want = expected.get(result.url);
    if (want === undefined) {
      problems.push(
        `unexpected result ${result.url} (status ${result.status})`,
      );
    } else if (want === "skipped:robots") {
      if (result.skipped !== "robots") {
        problems.push(`${result.url}: not skipped:robots`);
      }
    } else if (typeof want === "number" && result.status !== want) {
      problems.push(`${result.url}: status ${result.status}, want ${want}`);
    }
    const target = site.redirectTargets.get(result.url);
    if (target !== undefined && result.finalUrl !== target) {
      problems.push(
        `${result.url}: finalUrl ${result.finalUrl}, want ${target}`,
      );
    }
  }
  for (const [url, n] of count) {
    if (n > 1) problems.push(`${url} appears ${n} times`);
  }
  const missing = [...expected.keys()].filter((u) => !count.has(u));
  if (missing.length > 0) {
    problems.push(
      `${missing.length} result(s) missing: ${missing.slice(0, 5).join(" ")}`,
    );
  }
  return problems;
}

export async function assertOutput(
  path: string,
  site: GeneratedSite,
  expected?: ReadonlyMap<string, unknown>,
): Promise<void> {
  const problems = await checkOutput(path, site, expected);
  assert.deepEqual(problems.slice(0, 20), [], problems.join("\n"));
}

export function status(state: string): CrawlStatus | undefined {
  try {
    return SqliteStore.status(state);
  } catch {
    return undefined; // no state yet
  }
}

/** The flags of a quick durable crawl. */
export const FLAGS: string[] = [
  "--allow-private",
  "--retries",
  "0",
  "--workers",
  "0",
];

/** The durable crawl of `seed` in `ws`: the command users run again. */
export function crawlArgs(ws: Workspace, seed: string): string[] {
  return [...FLAGS, "--state", ws.state, "--out", ws.out, seed];
}

/** One run of a kill test (see {@linkcode killAtRandom}). */
export interface KilledRun extends Exit {
  /** Killed at any moment of start-up rather than while crawling. */
  anytime: boolean;
  /** How long it ran before the kill, ms (from the first page request). */
  wait: number;
  /** The site was asked for a page during the run. */
  crawled: boolean;
}

/**
 * Runs `cli.ts` with `args` and SIGKILLs it at a random moment: mostly 20
 * ms to `spreadMs` after its first page request, and one run in five at
 * any moment of its first 400 ms (start-up, the state check, the output
 * repair).
 *
 * @param args The command's arguments.
 * @param perms Its permission flags.
 * @param random The test's seeded random numbers.
 * @param pageRequests The site's page requests so far.
 * @param spreadMs The latest kill after the first page request.
 * @returns How the run ended.
 */
export async function killAtRandom(
  args: string[],
  perms: string[],
  random: () => number,
  pageRequests: () => number,
  spreadMs: number,
): Promise<KilledRun> {
  const before = pageRequests();
  const anytime = random() < 0.2;
  const wait = anytime
    ? Math.floor(random() * 400)
    : 20 + Math.floor(random() * (spreadMs - 20));
  await using cli = start(args, perms);
  if (!anytime) {
    await until(
      () => pageRequests() > before || cli.exited,
      "for the crawl to start",
    );
  }
  await delay(wait);
  const crawled = pageRequests() > before;
  if (!cli.exited) cli.child.kill("SIGKILL");
  return { ...await cli.output, anytime, wait, crawled };
}
