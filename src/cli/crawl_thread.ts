/**
 * The crawl thread: `cli.ts` runs a crawl whose queue waits outside memory
 * (`--state`, `--frontier`), or any crawl given `--max-heap`, in a
 * `node:worker_threads` worker with V8 heap limits, while the main thread
 * only waits for it and passes Ctrl-C on.
 *
 * Why: V8 sizes an isolate's heap for throughput from the machine's memory.
 * On a 24 GiB machine a busy crawl's main isolate grows a 64 MiB new space
 * and lets its old generation reach four times what survives a full
 * collection, plus the new space again: about 120 MiB of heap for 15-25 MiB
 * of live objects. Only V8 flags (`--v8-flags=--max-semi-space-size=...`)
 * change that for the main isolate; a worker takes heap limits from the
 * program. In the thread the young generation is 12 MiB, and the
 * old-generation limit of 1,536 MiB (under 2 GiB) makes V8 grow the heap by
 * at most about 1.8 times what survives. Discovering 1,000,000 URLs with
 * `--state` peaks at 180-200 MiB of RSS this way instead of 290-340.
 *
 * An in-memory crawl stays on the main thread: its live heap grows with the
 * crawl, so it keeps V8's own limit, and on this 2-core machine a crawl
 * thread whose parser worker is nested in it ran about 10-15 % slower.
 *
 * @module
 */
import { SHARE_ENV, Worker } from "node:worker_threads";
import { missingWorkerPermission } from "../crawler/worker_permission.ts";
import { type CliConfig, parseCliArgs } from "./args.ts";
import { BOUNDED_HEAP_MB, CRAWL_THREAD_YOUNG_MB } from "./heap_limits.ts";
import { processInterrupts, STOP_EXIT, type StopSignal } from "./interrupts.ts";

/** What the crawl thread is started with. */
export interface CrawlThreadData {
  /** The command's arguments. */
  argv: string[];
  /** The version `--version` prints. */
  version: string;
}

/** The message that passes a Ctrl-C to the crawl thread. */
export const INTERRUPT = "SIGINT";

/** The crawl thread's V8 heap limits, in MiB. */
export interface CrawlThreadLimits {
  /** The young generation: where objects are made, a third per semi-space. */
  maxYoungGenerationSizeMb: number;
  /** The old generation (`--max-heap`). */
  maxOldGenerationSizeMb: number;
}

const EXIT_CRASH = 1;

/**
 * The heap limits to run `argv` with in a crawl thread, or `undefined` for
 * the main thread: an in-memory crawl without `--max-heap`, and what is not
 * a crawl (help, version, status, a usage error, reported as before).
 *
 * @example Usage
 * ```ts
 * import { crawlThreadLimits } from "./crawl_thread.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(
 *   crawlThreadLimits(["--state", "c.db", "https://example.com/"]),
 *   { maxYoungGenerationSizeMb: 12, maxOldGenerationSizeMb: 1536 },
 * );
 * assert.equal(crawlThreadLimits(["--help"]), undefined);
 * ```
 *
 * @param argv The command's arguments.
 * @returns The limits, or `undefined` for no thread.
 */
export function crawlThreadLimits(
  argv: readonly string[],
): CrawlThreadLimits | undefined {
  return plan(argv)?.limits;
}

/** The thread's limits with the parsed command line they came from. */
function plan(
  argv: readonly string[],
): { limits: CrawlThreadLimits; config: CliConfig } | undefined {
  if (argv[0] === "status" || argv[0] === "check") return undefined;
  let config: CliConfig;
  try {
    config = parseCliArgs(argv);
  } catch {
    return undefined;
  }
  if (config.help || config.version) return undefined;
  const old = config.maxHeapMb ??
    (bounded(config) ? BOUNDED_HEAP_MB : undefined);
  if (old === undefined) return undefined;
  const limits = {
    maxYoungGenerationSizeMb: CRAWL_THREAD_YOUNG_MB,
    maxOldGenerationSizeMb: old,
  };
  return { limits, config };
}

function bounded(config: CliConfig): boolean {
  return config.state !== undefined || config.frontier !== undefined;
}

/**
 * Runs the `trawl` command: a crawl in a crawl thread with
 * {@linkcode crawlThreadLimits} when trawl's code may be loaded there (it
 * needs read access to trawl's `src/` folder, as the parser workers do),
 * everything else on this thread. Resolves to the exit code.
 *
 * @param argv The command's arguments.
 * @param version The version `--version` prints.
 * @returns The exit code: 0 done, 1 crash, 2 usage, 130 interrupted.
 */
export async function runCli(
  argv: readonly string[],
  version: string,
): Promise<number> {
  const thread = plan(argv);
  if (thread !== undefined) {
    const missing = missingWorkerPermission(new URL("../", import.meta.url));
    if (missing === undefined) {
      return await runInThread(argv, version, thread.limits);
    }
    // A warning, unless --log-level error asked for errors only.
    if (thread.config.logLevel !== "error") {
      warn(
        `the crawl runs on the main thread, without its heap limits: the crawl thread needs ${missing} to load its code`,
      );
    }
  }
  const { runCommand } = await import("./command.ts");
  return await runCommand(argv, version);
}

async function runInThread(
  argv: readonly string[],
  version: string,
  limits: CrawlThreadLimits,
): Promise<number> {
  const data: CrawlThreadData = { argv: [...argv], version };
  const thread = new Worker(
    new URL("./crawl_thread_worker.ts", import.meta.url),
    // SHARE_ENV: a copy of the environment would read every variable,
    // which needs --allow-env (and Deno asks for it on a terminal).
    { workerData: data, resourceLimits: limits, env: SHARE_ENV },
  );
  // The first Ctrl-C (or SIGTERM) stops the crawl gracefully (in the
  // thread); a second ends the process here, even when the thread is busy.
  let first: StopSignal | undefined;
  const unlisten = processInterrupts.listen((signal) => {
    if (first !== undefined) Deno.exit(STOP_EXIT[first]);
    first = signal;
    thread.postMessage(signal === "SIGINT" ? INTERRUPT : signal);
  });
  try {
    return await new Promise<number>((resolve) => {
      let failure: (Error & { code?: string }) | undefined;
      thread.on("error", (err: Error) => failure = err);
      thread.on("exit", (code: number) => {
        if (failure !== undefined) {
          warn(describeFailure(failure, limits), "error");
          resolve(code === 0 ? EXIT_CRASH : code);
        } else {
          resolve(code);
        }
      });
    });
  } finally {
    unlisten();
  }
}

function describeFailure(
  err: Error & { code?: string },
  limits: CrawlThreadLimits,
): string {
  if (err.code !== "ERR_WORKER_OUT_OF_MEMORY") return err.message;
  return `the crawl ran out of heap memory (--max-heap ${limits.maxOldGenerationSizeMb} MB): raise --max-heap, or crawl with --state so the queue waits on disk`;
}

function warn(message: string, level: "warning" | "error" = "warning"): void {
  const data = new TextEncoder().encode(`trawl: ${level}: ${message}\n`);
  try {
    let offset = 0;
    while (offset < data.length) {
      offset += Deno.stderr.writeSync(data.subarray(offset));
    }
  } catch {
    // stderr is gone: nothing useful left to do.
  }
}
