#!/usr/bin/env -S deno run --allow-net
/**
 * The `trawl` command: crawls from seed URLs and writes one JSON
 * `CrawlResult` a line (JSONL) to stdout or `--out FILE`, with a
 * progress line and a summary on stderr; `trawl check URL…` checks a
 * site's links and writes one JSON line per broken one.
 *
 * ```sh
 * deno run --allow-net=example.com cli.ts https://example.com/
 * deno run --allow-net=example.com cli.ts check https://example.com/
 * deno run --allow-net=example.com cli.ts --help
 * ```
 *
 * Exit codes:
 *
 * | code | meaning |
 * | ---: | --- |
 * | 0 | the crawl ran (even with some 4xx/5xx pages); `check` found nothing broken |
 * | 1 | no seed could be fetched; `check` found broken links; an unexpected failure |
 * | 2 | usage: a bad flag, option or seed, a missing permission |
 * | 3 | a state or frontier error: no state for `status`, a state locked or made by another crawl, Redis gone, unreachable, silent past `--redis-timeout`, set up wrong or without the crawl, the disk full |
 * | 130 | interrupted (Ctrl-C) |
 * | 143 | terminated (SIGTERM) |
 *
 * A crawl runs in a crawl thread whose V8 heap is bounded (see `--max-heap`),
 * when trawl may load its code there: grant `--allow-read` for trawl's
 * `src/` folder, as the parser workers need too.
 *
 * @module
 */
import denoJson from "./deno.json" with { type: "json" };
import { runCli } from "./src/cli/crawl_thread.ts";

/**
 * Runs the command with the given arguments and resolves to its exit code
 * (it does not exit the process). Writes results to stdout or `--out`,
 * progress, logs and the summary to stderr. A crawl runs in a crawl thread
 * with a bounded heap when it can.
 *
 * @example Printing the version
 * ```ts no-eval
 * import { main } from "./cli.ts";
 *
 * const code = await main(["--version"]);
 * console.log(code); // 0
 * ```
 *
 * @param argv The arguments without the program name, e.g. `Deno.args`.
 * @returns The exit code: 0 done, 1 crash, 2 usage, 3 shared crawl's Redis,
 * 130 interrupted.
 */
export async function main(argv: readonly string[]): Promise<number> {
  return await runCli(argv, denoJson.version);
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
