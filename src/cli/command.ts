/**
 * The `trawl` command itself: argument handling, the crawl with its output,
 * progress and summary, and `status`. `cli.ts` is its entry point.
 *
 * @module
 */
import {
  type CliConfig,
  helpText,
  parseCliArgs,
  parseSeedList,
  parseStatusArgs,
  seedHosts,
  statusHelpText,
  UsageError,
} from "./args.ts";
import type { SyncReport } from "./output/output_repair.ts";
import { formatLogLine, Progress } from "./progress.ts";
import { Summary } from "./summary.ts";
import { LOG_LEVELS, type LogRecord } from "../telemetry/log.ts";
import { isRedisStoreError } from "../frontier/redis/errors.ts";
import { STOP_SIGNALS } from "./crawl_thread.ts";

const EXIT_OK = 0;
const EXIT_CRASH = 1;
const EXIT_USAGE = 2;
/** A shared crawl's Redis: away too long, set up wrong, or the crawl lost. */
const EXIT_REDIS = 3;
const EXIT_INTERRUPTED = 130;

/**
 * Where Ctrl-C (or SIGTERM) comes from: `listen` registers a handler called
 * once per interrupt and returns what unregisters it.
 */
export interface Interrupts {
  /** Calls `onInterrupt` on each interrupt until the returned function runs. */
  listen(onInterrupt: () => void): () => void;
}

/** SIGINT or SIGTERM sent to this process. */
export const processInterrupts: Interrupts = {
  listen(onInterrupt) {
    for (const sig of STOP_SIGNALS) Deno.addSignalListener(sig, onInterrupt);
    return () => {
      for (const sig of STOP_SIGNALS) {
        Deno.removeSignalListener(sig, onInterrupt);
      }
    };
  },
};

/** Options for {@linkcode runCommand}. */
export interface RunCommandOptions {
  /**
   * Where Ctrl-C comes from: the first stops the crawl gracefully, a second
   * exits at once.
   *
   * @default {processInterrupts}
   */
  interrupts?: Interrupts;
  /**
   * The V8 heap limits this thread runs with (MiB), logged at debug level.
   *
   * @default {undefined} (the main thread: V8's own)
   */
  heap?: { maxYoungGenerationSizeMb?: number; maxOldGenerationSizeMb?: number };
}

/**
 * Runs the `trawl` command in this thread and resolves to its exit code (it
 * does not exit). Writes results to stdout or `--out`; progress, logs and
 * the summary to stderr. `cli.ts` runs a crawl in a crawl thread when it can.
 *
 * @param argv The arguments without the program name, e.g. `Deno.args`.
 * @param version The version `--version` prints.
 * @param options Where Ctrl-C comes from, and the thread's heap limits.
 * @returns The exit code: 0 done, 1 crash, 2 usage, 3 shared crawl's Redis
 * (away, set up wrong, or the crawl lost), 130 interrupted.
 */
export async function runCommand(
  argv: readonly string[],
  version: string,
  options: RunCommandOptions = {},
): Promise<number> {
  const { interrupts = processInterrupts, heap } = options;
  if (argv[0] === "status") return await status(argv.slice(1));
  let config: CliConfig | undefined;
  try {
    config = parseCliArgs(argv);
    if (config.help) {
      await writeAll(Deno.stdout, encode(helpText(version)));
      return EXIT_OK;
    }
    if (config.version) {
      await writeAll(Deno.stdout, encode(`trawl ${version}\n`));
      return EXIT_OK;
    }
    if (config.seedsFile !== undefined) {
      config.seeds.push(...await readSeeds(config.seedsFile));
    }
    if (config.seeds.length === 0) {
      throw new UsageError("no seed URLs given (try --help)");
    }
    await checkNetPermission(config.seeds);
  } catch (err) {
    if (err instanceof UsageError) {
      printError(err.message);
      return EXIT_USAGE;
    }
    printError(describe(err), config?.logLevel === "debug" ? err : undefined);
    return EXIT_CRASH;
  }
  try {
    return await crawl(config, interrupts, heap);
  } catch (caught) {
    const err = rootCause(caught);
    if (err instanceof UsageError) {
      printError(err.message);
      return EXIT_USAGE;
    }
    const debug = config.logLevel === "debug" ? err : undefined;
    if (isRedisStoreError(err)) {
      printError(describeRedisError(err), debug);
      return EXIT_REDIS;
    }
    printError(describe(err), debug);
    return EXIT_CRASH;
  }
}

/**
 * The error to report for a crawl that failed: the crawl's tasks fail
 * together when Redis goes away (an `AggregateError` of the same error, or
 * of a Redis error and what it caused), so the Redis error, or the one
 * error they share, stands for them.
 */
function rootCause(err: unknown): unknown {
  if (!(err instanceof AggregateError) || err.errors.length === 0) return err;
  const errors = err.errors.map(rootCause);
  const redis = errors.find(isRedisStoreError);
  if (redis) return redis;
  const first = errors[0];
  const same = errors.every((e) =>
    e instanceof Error && first instanceof Error && e.name === first.name &&
    e.message === first.message
  );
  return same ? first : err;
}

/** A Redis error, with what to do next. */
function describeRedisError(err: Error): string {
  if (err.name === "RedisUnavailableError") {
    return `${err.message}: stopped; every committed result is kept, and running the same command again resumes the crawl`;
  }
  return err.message;
}

async function crawl(
  config: CliConfig,
  ctrlC: Interrupts,
  heap: RunCommandOptions["heap"],
): Promise<number> {
  const color = !Deno.noColor && Deno.stderr.isTerminal();
  const summary = new Summary();
  const controller = new AbortController();
  const started = performance.now();
  let progress: Progress | undefined;
  let interrupts = 0;
  const onSigint = () => {
    interrupts++;
    if (interrupts === 1) {
      controller.abort(
        new DOMException("The crawl was interrupted", "AbortError"),
      );
      if (!config.quiet) {
        say("trawl: interrupted, finishing (press Ctrl-C again to quit now)");
      }
    } else {
      progress?.clear();
      Deno.exit(EXIT_INTERRUPTED);
    }
  };
  const say = (line: string) => {
    if (progress) progress.log(line);
    else writeStderr(line + "\n");
  };
  const minLevel = LOG_LEVELS[config.logLevel];
  const onLog = (record: LogRecord) => {
    if ((LOG_LEVELS[record.level] ?? 0) < minLevel) return;
    say(formatLogLine(record, { color }));
  };
  if (heap) {
    onLog({
      level: "debug",
      message: `crawling in a thread with a ${
        heap.maxYoungGenerationSizeMb ?? "default"
      } MB young generation and a ${
        heap.maxOldGenerationSizeMb ?? "default"
      } MB old-generation limit`,
      time: Date.now(),
    });
  }

  // Loaded lazily so `--help` and usage errors stay instant.
  const [{ Crawler }, { SqliteStore }] = await Promise.all([
    import("../crawler/crawler.ts"),
    import("../frontier/sqlite/sqlite_store.ts"),
  ]);
  const store = config.state === undefined
    ? undefined
    : new SqliteStore(config.state);
  const shared = config.frontier === undefined
    ? undefined
    : await openShared(config);
  let crawler;
  try {
    crawler = new Crawler(config.seeds, {
      ...config.options,
      store: store ?? shared?.store,
      signal: controller.signal,
      onLog,
    });
  } catch (err) {
    await shared?.store.close();
    if (err instanceof RangeError || err instanceof TypeError) {
      throw new UsageError(describe(err), { cause: err }); // bad options
    }
    throw err;
  }
  // A durable crawl: check the state before touching the output, then
  // repair the output against it and append.
  let sink: Output;
  /** URLs already in the output whose commit was lost: not written again. */
  const written = new Set<string>();
  if (store) {
    const mode = config.options.stateMode ?? "auto";
    try {
      store.prepare({
        seeds: crawler.seeds,
        settings: crawler.settings,
        mode,
      });
    } catch (err) {
      store.close();
      throw await stateError(err, config.state!);
    }
    try {
      sink = await openOutput(config.out, mode !== "fresh");
      if (sink.repair) {
        const report = await sink.repair(store, written);
        if (!config.quiet) say(describeSync(config.out!, report));
      }
    } catch (err) {
      store.close();
      throw err;
    }
  } else if (shared) {
    // A shared crawl: this worker's own output gets what it committed but
    // had not written when it last stopped.
    const fresh = config.options.stateMode === "fresh";
    try {
      sink = await openOutput(config.out, !fresh);
      if (sink.fsFile && !fresh) {
        const { recoverOwnOutput } = await import("./output/shared_output.ts");
        const report = await recoverOwnOutput(shared.store, sink.fsFile);
        if (!config.quiet && (report.kept > 0 || report.appended > 0)) {
          say(describeSync(config.out!, report));
        }
      }
    } catch (err) {
      await shared.store.close();
      throw err;
    }
  } else {
    sink = await openOutput(config.out, false);
  }
  using _sink = sink;
  const acks: Promise<void>[] = [];
  const outbox = shared?.outbox ? shared.store : undefined;
  const writer = new LineWriter(
    sink.file,
    outbox &&
      ((urls) => {
        acks.push(
          outbox.acknowledge(urls).catch((err) => {
            // Redis is away or lost the crawl: the crawl's error says so, and
            // a restart writes nothing twice (the outbox is checked then).
            if (isRedisStoreError(err)) return;
            say(
              `trawl: could not acknowledge written results: ${describe(err)}`,
            );
          }),
        );
      }),
  );

  const unlisten = ctrlC.listen(onSigint);
  let crashed: unknown;
  try {
    await using running = crawler;
    if (!config.quiet && Deno.stderr.isTerminal()) {
      progress = new Progress({
        write: writeStderr,
        stats: () => running.stats,
        color,
        columns: terminalColumns,
      });
      progress.start();
    }
    for await (const result of running.run()) {
      summary.add(result);
      if (written.size > 0 && written.delete(result.url)) continue;
      const pending = writer.write(JSON.stringify(result), result.url);
      if (pending) await pending;
    }
    if (outbox && interrupts === 0) {
      // Results that dead workers on this machine committed but never wrote.
      const { adoptDeadWorkers } = await import("./output/shared_output.ts");
      const adopted = await adoptDeadWorkers(outbox, shared!.hostname);
      for (const r of adopted.results) {
        const pending = writer.write(JSON.stringify(r), r.url);
        if (pending) await pending;
      }
      if (adopted.adopted.length > 0) {
        say(
          `trawl: wrote ${adopted.results.length} result(s) left unwritten by stopped worker(s) ${
            adopted.adopted.join(", ")
          } (${adopted.found} were in their output already)`,
        );
      }
      if (adopted.elsewhere.length > 0) {
        say(
          `trawl: stopped worker(s) on other machines left unwritten results: ${
            adopted.elsewhere.join(", ")
          }; restart them with the same --worker to write them`,
        );
      }
    }
  } catch (err) {
    if (err instanceof Deno.errors.BrokenPipe) {
      controller.abort(err); // stdout closed (e.g. piped to `head`): stop
    } else if (!(controller.signal.aborted && interrupts > 0)) {
      crashed = err;
    } // else: cancelled by Ctrl-C; the results so far are kept
  } finally {
    unlisten();
    await progress?.stop();
    try {
      await writer.close();
    } catch (err) {
      if (!(err instanceof Deno.errors.BrokenPipe)) crashed ??= err;
    }
    await Promise.all(acks);
    await shared?.store.close();
  }
  if (!config.quiet) {
    const elapsed = performance.now() - started;
    writeStderr(
      summary.format(elapsed, {
        color,
        interrupted: interrupts > 0,
        failed: crashed !== undefined,
      }),
    );
  }
  if (crashed !== undefined) throw crashed;
  return interrupts > 0 ? EXIT_INTERRUPTED : EXIT_OK;
}

/** An open output: stdout or a file, closed on dispose. */
interface Output extends Disposable {
  file: Writable;
  /** The file, when the output is one. */
  fsFile?: Deno.FsFile;
  /** Brings an appended file in line with a durable store. */
  repair?: (
    store: import("./output/output_repair.ts").ResultLedger,
    uncommitted: Set<string>,
  ) => Promise<SyncReport>;
}

interface Writable {
  write(p: Uint8Array): Promise<number>;
}

async function openOutput(
  path: string | undefined,
  append: boolean,
): Promise<Output> {
  if (path === undefined) return { file: Deno.stdout, [Symbol.dispose]() {} };
  let file: Deno.FsFile;
  try {
    file = await Deno.open(
      path,
      append
        ? { read: true, write: true, create: true }
        : { write: true, create: true, truncate: true },
    );
  } catch (err) {
    if (
      err instanceof Deno.errors.NotCapable ||
      (err instanceof Deno.errors.PermissionDenied &&
        !(await granted({ name: "write", path })))
    ) {
      throw new UsageError(
        `cannot ${append ? "read and write" : "write"} ${path}: run with ${
          append ? `--allow-read=${path} ` : ""
        }--allow-write=${path}`,
        { cause: err },
      );
    }
    throw new UsageError(`cannot write ${path}: ${describe(err)}`, {
      cause: err,
    });
  }
  const repair = async (
    store: import("./output/output_repair.ts").ResultLedger,
    uncommitted: Set<string>,
  ) => {
    const { syncOutput } = await import("./output/output_repair.ts");
    return await syncOutput(file, store, undefined, uncommitted);
  };
  return {
    file,
    fsFile: file,
    repair: append ? repair : undefined,
    [Symbol.dispose]: () => file.close(),
  };
}

/** A shared crawl's store, opened from `--frontier` and `--crawl`. */
interface Shared {
  store: import("../frontier/redis/redis_store.ts").RedisStore;
  /** Whether results wait in Redis until written (with `--out`). */
  outbox: boolean;
  /** This machine's name, as workers register it. */
  hostname: string;
}

async function openShared(config: CliConfig): Promise<Shared> {
  const { RedisStore } = await import("../frontier/redis/redis_store.ts");
  const { hostname: osHostname } = await import("node:os");
  let hostname = "unknown-host";
  try {
    hostname = osHostname();
  } catch {
    // --allow-sys=hostname not granted: workers are told apart by pid.
  }
  let output: string | undefined;
  if (config.out !== undefined) {
    const { isAbsolute, resolve } = await import("node:path");
    output = isAbsolute(config.out)
      ? config.out
      : resolve(Deno.cwd(), config.out);
  }
  const tls = await redisTls(config.redisCa);
  // A worker whose output holds results continues a crawl: if Redis no
  // longer has it, starting it over would write pages twice.
  const mustExist = config.options.stateMode !== "fresh" &&
    config.out !== undefined && await hasContent(config.out);
  try {
    const store = new RedisStore({
      url: config.frontier!,
      crawl: config.crawl!,
      tls,
      mustExist,
      worker: config.worker ??
        (output === undefined ? undefined : `${hostname}:${output}`),
      output,
      outbox: output !== undefined,
      leaseMs: config.leaseMs,
      redisTimeoutMs: config.redisTimeoutMs,
    });
    return { store, outbox: output !== undefined, hostname };
  } catch (err) {
    if (err instanceof RangeError || err instanceof TypeError) {
      throw new UsageError(describe(err), { cause: err });
    }
    throw err;
  }
}

/** The TLS settings of `--redis-ca FILE`. */
async function redisTls(
  path: string | undefined,
): Promise<{ ca?: string }> {
  if (path === undefined) return {};
  try {
    return { ca: await Deno.readTextFile(path) };
  } catch (err) {
    if (
      err instanceof Deno.errors.NotCapable ||
      err instanceof Deno.errors.PermissionDenied
    ) {
      throw new UsageError(
        `cannot read ${path}: run with --allow-read=${path}`,
        { cause: err },
      );
    }
    throw new UsageError(`cannot read --redis-ca ${path}: ${describe(err)}`, {
      cause: err,
    });
  }
}

/** Whether a file exists and is not empty. */
async function hasContent(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).size > 0;
  } catch {
    return false;
  }
}

/** One line on how the output was brought in line with the state. */
function describeSync(path: string, r: SyncReport): string {
  const parts = [`${r.kept} result(s) kept`];
  if (r.cutBytes > 0) {
    parts.push(`${r.cutBytes} byte(s) of a partial or corrupt tail cut`);
  }
  if (r.appended > 0) parts.push(`${r.appended} committed result(s) appended`);
  if (r.uncommitted > 0) {
    parts.push(
      `${r.uncommitted} line(s) whose commit was lost (fetched again for their links, not written again)`,
    );
  }
  if (r.duplicates > 0) parts.push(`${r.duplicates} repeated line(s) found`);
  return `trawl: ${path}: ${parts.join(", ")}`;
}

/** A state error as the user should see it. */
async function stateError(err: unknown, path: string): Promise<unknown> {
  if (!(err instanceof Error)) return err;
  if (err.name === "StateMismatchError") {
    return new UsageError(err.message, { cause: err });
  }
  if (
    err instanceof Deno.errors.NotCapable ||
    err instanceof Deno.errors.PermissionDenied ||
    /permission|not capable|requires (read|write) access/i.test(err.message)
  ) {
    const dir = path.includes("/") ? path.slice(0, path.lastIndexOf("/")) : ".";
    const ok = (await granted({ name: "read", path: dir })) &&
      (await granted({ name: "write", path: dir }));
    if (!ok) {
      return new UsageError(
        `cannot open the state ${path}: run with --allow-read=${dir} --allow-write=${dir} (SQLite keeps -wal, -shm and .lock files beside it)`,
        { cause: err },
      );
    }
  }
  return err;
}

/** `trawl status`: prints a stored crawl's progress. */
async function status(argv: readonly string[]): Promise<number> {
  try {
    const config = parseStatusArgs(argv);
    if (config.help) {
      await writeAll(Deno.stdout, encode(statusHelpText()));
      return EXIT_OK;
    }
    const { formatStatus } = await import("./status.ts");
    let report;
    if (config.state !== undefined) {
      const { SqliteStore } = await import(
        "../frontier/sqlite/sqlite_store.ts"
      );
      try {
        report = SqliteStore.status(config.state);
      } catch (err) {
        throw await stateError(err, config.state);
      }
    } else {
      const { RedisStore } = await import("../frontier/redis/redis_store.ts");
      await using store = new RedisStore({
        url: config.frontier!,
        crawl: config.crawl!,
        tls: await redisTls(config.redisCa),
        redisTimeoutMs: 5_000,
      });
      report = await store.status();
    }
    const text = config.json
      ? JSON.stringify(report, null, 2) + "\n"
      : formatStatus(report);
    await writeAll(Deno.stdout, encode(text));
    return EXIT_OK;
  } catch (err) {
    if (err instanceof UsageError) {
      printError(err.message);
      return EXIT_USAGE;
    }
    printError(describe(err));
    return isRedisStoreError(err) ? EXIT_REDIS : EXIT_CRASH;
  }
}

async function readSeeds(path: string): Promise<string[]> {
  let text: string;
  try {
    text = path === "-"
      ? await new Response(Deno.stdin.readable).text()
      : await Deno.readTextFile(path);
  } catch (err) {
    if (
      err instanceof Deno.errors.NotCapable ||
      (err instanceof Deno.errors.PermissionDenied &&
        !(await granted({ name: "read", path })))
    ) {
      throw new UsageError(
        `cannot read ${path}: run with --allow-read=${path}`,
        { cause: err },
      );
    }
    const name = path === "-" ? "stdin" : path;
    throw new UsageError(`cannot read seeds file ${name}: ${describe(err)}`, {
      cause: err,
    });
  }
  return parseSeedList(text, path);
}

async function checkNetPermission(seeds: readonly string[]): Promise<void> {
  const missing = new Set<string>();
  for (const seed of seeds) {
    const url = new URL(seed);
    if (!(await granted({ name: "net", host: url.host }))) {
      missing.add(url.hostname);
    }
  }
  if (missing.size > 0) {
    throw new UsageError(
      `no network access to ${[...missing].join(", ")}: run with --allow-net=${
        seedHosts(seeds).join(",")
      }`,
    );
  }
}

async function granted(
  descriptor: Deno.PermissionDescriptor,
): Promise<boolean> {
  try {
    return (await Deno.permissions.query(descriptor)).state === "granted";
  } catch {
    return false;
  }
}

/**
 * Batches lines and writes them to a sink: when ~64 KiB are buffered (the
 * caller should await the returned promise: backpressure) and at most
 * `flushMs` after the first buffered line, so a crash loses little.
 */
class LineWriter {
  #sink: Writable;
  #chunks: string[] = [];
  #size = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #pending: Promise<void> = Promise.resolve();
  #error: unknown;
  #flushMs: number;
  #maxBuffer: number;
  #keys: string[] = [];
  #onWritten?: (keys: string[]) => void;

  constructor(
    sink: Writable,
    onWritten?: (keys: string[]) => void,
    flushMs = 100,
    maxBuffer = 64 * 1024,
  ) {
    this.#sink = sink;
    this.#onWritten = onWritten;
    this.#flushMs = flushMs;
    this.#maxBuffer = maxBuffer;
  }

  /**
   * Buffers a line; returns a promise to await when the buffer was flushed.
   * `key` is passed to `onWritten` once the line is written.
   */
  write(line: string, key?: string): Promise<void> | undefined {
    if (this.#error !== undefined) throw this.#error;
    this.#chunks.push(line, "\n");
    if (key !== undefined && this.#onWritten) this.#keys.push(key);
    this.#size += line.length + 1;
    if (this.#size >= this.#maxBuffer) return this.flush();
    this.#timer ??= setTimeout(() => {
      this.#timer = undefined;
      this.flush().catch(() => {
        // Kept in #error and thrown by the next write or close.
      });
    }, this.#flushMs);
    return undefined;
  }

  /** Writes out what is buffered. */
  flush(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#chunks.length > 0) {
      const data = encode(this.#chunks.join(""));
      const keys = this.#keys;
      this.#chunks = [];
      this.#keys = [];
      this.#size = 0;
      this.#pending = this.#pending.then(async () => {
        if (this.#error !== undefined) return;
        try {
          await writeAll(this.#sink, data);
        } catch (err) {
          this.#error = err;
          return;
        }
        if (keys.length > 0) this.#onWritten?.(keys);
      });
    }
    return this.#pending.then(() => {
      if (this.#error !== undefined) throw this.#error;
    });
  }

  /** Flushes and stops the timer. */
  close(): Promise<void> {
    return this.flush();
  }
}

async function writeAll(sink: Writable, data: Uint8Array): Promise<void> {
  let offset = 0;
  while (offset < data.length) {
    offset += await sink.write(data.subarray(offset));
  }
}

function writeStderr(text: string): void {
  const data = encode(text);
  let offset = 0;
  try {
    while (offset < data.length) {
      offset += Deno.stderr.writeSync(data.subarray(offset));
    }
  } catch {
    // stderr is gone: nothing useful left to do.
  }
}

function printError(message: string, err?: unknown): void {
  writeStderr(`trawl: error: ${message}\n`);
  if (err instanceof Error && err.stack) writeStderr(err.stack + "\n");
}

function terminalColumns(): number {
  try {
    const { columns } = Deno.consoleSize();
    return columns >= 20 ? columns : 80; // 0 on some pseudo-terminals
  } catch {
    return 80;
  }
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

const encoder = new TextEncoder();
function encode(text: string): Uint8Array {
  return encoder.encode(text);
}
