/**
 * The crawl thread: `cli.ts` runs every crawl in a `node:worker_threads`
 * worker with V8 heap limits, while the main thread only waits for it,
 * passes Ctrl-C on, and starts the parser workers the thread asks for.
 *
 * Why: V8 sizes an isolate's heap for throughput from the machine's memory.
 * On a 24 GiB machine a busy crawl's main isolate grows a 64 MiB new space
 * and lets its old generation reach four times what survives a full
 * collection, plus the new space again: about 120 MiB of heap for 15-25 MiB
 * of live objects. Only V8 flags (`--v8-flags=--max-semi-space-size=...`)
 * change that for the main isolate; a worker takes heap limits from the
 * program. In the thread the young generation is 12 MiB, and the
 * old-generation limit of 512 MiB (`BOUNDED_HEAP_MB`, under 2 GiB) makes V8
 * grow the heap by at most about 1.4 times what survives. Discovering
 * 1,000,000 URLs with `--state` peaks at 195-200 MiB of RSS this way
 * instead of 290-340.
 *
 * An in-memory crawl's queue lives in the heap, so its old-generation limit
 * is as high as stays under 2 GiB (`MEMORY_HEAP_MB`): discovering 1,000,000
 * URLs in memory peaks at about 200-250 MiB of RSS instead of 370-420.
 *
 * The parser workers are started by the main thread and talk to the crawl
 * thread over `MessageChannel` ports (see `_worker_host.ts`): in Deno 2.9 a
 * worker nested in the crawl thread took half a second to start and
 * answered about ten times slower.
 *
 * @module
 */
import { SHARE_ENV, Worker } from "node:worker_threads";
import {
  poolWorkerSpec,
  type ServedWorkerHost,
  serveWorkerHost,
} from "../concurrency/_worker_host.ts";
import { DEFAULTS, defaultWorkers } from "../crawler/defaults.ts";
import { PARSER_WORKER, parserPoolOptions } from "../crawler/parser_pool.ts";
import { missingWorkerPermission } from "../crawler/worker_permission.ts";
import { type CliConfig, parseCliArgs } from "./args.ts";
import {
  BOUNDED_HEAP_MB,
  CRAWL_THREAD_YOUNG_MB,
  MEMORY_HEAP_MB,
} from "./heap_limits.ts";
import { processInterrupts, STOP_EXIT, type StopSignal } from "./interrupts.ts";

/** What the crawl thread is started with. */
export interface CrawlThreadData {
  /** The command's arguments. */
  argv: string[];
  /** The version `--version` prints. */
  version: string;
  /**
   * The control port of the thread's worker host: this thread starts the
   * parser workers (see `_worker_host.ts`).
   */
  workers: MessagePort;
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
 * the main thread: what is not a crawl (help, version, status, `check`, a
 * usage error, reported as before).
 *
 * @example Usage
 * ```ts
 * import { crawlThreadLimits } from "./crawl_thread.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(
 *   crawlThreadLimits(["--state", "c.db", "https://example.com/"]),
 *   { maxYoungGenerationSizeMb: 12, maxOldGenerationSizeMb: 512 },
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

/** A crawl thread: its limits and the command line they came from. */
interface ThreadPlan {
  limits: CrawlThreadLimits;
  config: CliConfig;
  /**
   * The command line asks for the limits (`--state`, `--frontier`,
   * `--max-heap`): running without them deserves a warning.
   */
  asked: boolean;
}

function plan(argv: readonly string[]): ThreadPlan | undefined {
  if (argv[0] === "status" || argv[0] === "check") return undefined;
  let config: CliConfig;
  try {
    config = parseCliArgs(argv);
  } catch {
    return undefined;
  }
  if (config.help || config.version) return undefined;
  const bounded = config.state !== undefined || config.frontier !== undefined;
  const old = config.maxHeapMb ?? (bounded ? BOUNDED_HEAP_MB : MEMORY_HEAP_MB);
  const limits = {
    maxYoungGenerationSizeMb: CRAWL_THREAD_YOUNG_MB,
    maxOldGenerationSizeMb: old,
  };
  return { limits, config, asked: bounded || config.maxHeapMb !== undefined };
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
      return await runInThread(argv, version, thread);
    }
    // A warning when the limits were asked for, unless --log-level error
    // asked for errors only (without --allow-read the parser workers say
    // the same of themselves).
    if (thread.asked && thread.config.logLevel !== "error") {
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
  { limits, config }: ThreadPlan,
): Promise<number> {
  const { port1, port2 } = new MessageChannel();
  using workers = serveWorkerHost(port1);
  const data: CrawlThreadData = { argv: [...argv], version, workers: port2 };
  const thread = new Worker(
    new URL("./crawl_thread_worker.ts", import.meta.url),
    // SHARE_ENV: a copy of the environment would read every variable,
    // which needs --allow-env (and Deno asks for it on a terminal).
    {
      workerData: data,
      // A web MessagePort, which Deno transfers as Node's.
      transferList: [port2 as never],
      resourceLimits: limits,
      env: SHARE_ENV,
    },
  );
  // Started after the crawl thread, which needs its code first: the parser
  // loads its own while the crawl thread loads the crawler (two cores).
  prestartParser(workers, config);
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

/**
 * Starts the crawl's first parser worker now, so that it loads its code
 * while the crawl thread loads its own (on another core): the crawl's first
 * parse need not wait for it.
 */
function prestartParser(host: ServedWorkerHost, config: CliConfig): void {
  const workers = config.options.workers ?? defaultWorkers();
  if (workers === 0) return;
  const permissions = config.options.workerPermissions ??
    DEFAULTS.workerPermissions;
  host.prestart(
    poolWorkerSpec(
      PARSER_WORKER,
      parserPoolOptions(workers, permissions, config.options),
    ),
  );
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
