/**
 * Test helper: runs `_crawl_script.ts` as a subprocess with the given
 * environment and returns its results and output.
 */
import { fileURLToPath } from "node:url";
import type { CrawlOptions, CrawlResult } from "../../mod.ts";
import { ROOT } from "../_support/cli_process.ts";

const SCRIPT = fileURLToPath(new URL("./_crawl_script.ts", import.meta.url));

/** What a crawl subprocess left. */
export interface CrawlRun {
  /** Its results, in the order yielded. */
  results: CrawlResult[];
  /** Its stdout, then its stderr. */
  text: string;
}

/**
 * Crawls `seed` in a subprocess (`deno run` with loopback network) with
 * `options` and `env`, and waits for it to end.
 *
 * @param seed The seed URL.
 * @param options JSON-able crawl options.
 * @param env Extra environment (the receiver's).
 * @returns The results and output.
 */
export async function runCrawl(
  seed: string,
  options: CrawlOptions,
  env: Record<string, string>,
): Promise<CrawlRun> {
  const out = await Deno.makeTempFile({ suffix: ".jsonl" });
  try {
    const o = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--quiet",
        "--allow-net=127.0.0.1,localhost",
        "--allow-read",
        `--allow-write=${out}`,
        SCRIPT,
        seed,
        out,
        JSON.stringify(options),
      ],
      cwd: ROOT,
      env: { NO_COLOR: "1", ...env },
      stdin: "null",
      signal: AbortSignal.timeout(60_000),
    }).output();
    const dec = new TextDecoder();
    const text = dec.decode(o.stdout) + dec.decode(o.stderr);
    if (o.code !== 0) throw new Error(`crawl exited with ${o.code}:\n${text}`);
    const lines = (await Deno.readTextFile(out)).trim().split("\n");
    return { results: lines.map((l) => JSON.parse(l)), text };
  } finally {
    await Deno.remove(out);
  }
}
