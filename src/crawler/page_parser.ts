/**
 * Where pages are parsed: in a pool of parser workers, or on the main
 * thread when there are none (or they may not load their code), under the
 * loop monitor so a long parse is reported with its page's trace.
 *
 * @module
 */
import type { LoopMonitor } from "../concurrency/loop_monitor.ts";
import { type Clock, systemClock } from "../concurrency/clock.ts";
import { WorkerPool } from "../concurrency/worker_pool.ts";
import { ParseBatcher, type ParsePool } from "../parse/parse_batcher.ts";
import type { PackedPage, ParseInput } from "../parse/parse_html.ts";
import { parseInSpan } from "../telemetry/parse_span.ts";
import type { Trace } from "../telemetry/trace.ts";
import type { CrawlLog } from "./crawl_log.ts";
import { DEFAULTS } from "./defaults.ts";
import type { Resolved } from "./resolve_options.ts";
import {
  type ParsedPages,
  PARSER_WORKER,
  parserPoolOptions,
} from "./parser_pool.ts";
import { missingWorkerPermission } from "./worker_permission.ts";

/**
 * The parser, loaded for the first page parsed on this thread: with parser
 * workers the crawl never loads it here (nor htmlparser2, which it loads).
 */
let inline: Promise<typeof import("../parse/parse_html.ts")> | undefined;

/**
 * Parses pages for the crawl; disposing it terminates its workers.
 *
 * @example Parsing on the main thread
 * ```ts
 * import { PageParser } from "./page_parser.ts";
 * import { CrawlLog } from "./crawl_log.ts";
 * import assert from "node:assert/strict";
 *
 * await using parser = PageParser.start(
 *   { workers: 0, workerPermissions: "inherit" },
 *   new CrawlLog(undefined, "info"),
 * );
 * const body = new TextEncoder().encode("<title>Hi</title>").buffer;
 * const page = await parser.parse(
 *   { body, url: "https://a.test/", contentType: "text/html", maxLinks: 10 },
 *   undefined,
 *   new AbortController().signal,
 * );
 * assert.equal(page.title, "Hi");
 * ```
 */
export class PageParser implements AsyncDisposable {
  readonly #pool?: ParsePool;
  readonly #batcher?: ParseBatcher;
  readonly #monitor?: LoopMonitor;
  readonly #clock?: Clock;

  private constructor(
    monitor: LoopMonitor | undefined,
    clock: Clock | undefined,
    pool?: ParsePool,
    batcher?: ParseBatcher,
  ) {
    this.#monitor = monitor;
    this.#clock = clock;
    this.#pool = pool;
    this.#batcher = batcher;
  }

  /**
   * Starts `workers` parser workers, or none: with `workers: 0`, or when
   * they would lack the permission to load their code (a warning says
   * which).
   *
   * @param options The worker count and permissions; the content options,
   * extraction hook and WARC files, which size the workers' heap (see
   * `parserPoolOptions`); with a hook, its time limit and the clock that
   * watches it.
   * @param log The crawl's log.
   * @param monitor Times parses on the main thread.
   * @returns The parser.
   */
  static start(
    options:
      & Pick<Resolved, "workers" | "workerPermissions">
      & Partial<Pick<Resolved, "extractTimeoutMs" | "clock">>
      & ParsedPages,
    log: CrawlLog,
    monitor?: LoopMonitor,
  ): PageParser {
    const { workers, workerPermissions, clock } = options;
    if (workers === 0) return new PageParser(monitor, clock);
    // The worker loads modules from all over src/.
    const missing = missingWorkerPermission(new URL("../", import.meta.url));
    if (missing) {
      log.write(
        "warn",
        `parsing on the main thread: parser workers need ${missing} to load their code`,
      );
      return new PageParser(monitor, clock);
    }
    const pool: ParsePool = new WorkerPool(
      PARSER_WORKER,
      parserPoolOptions(workers, workerPermissions, options),
    );
    const guard = options.extract === undefined ? undefined : {
      timeoutMs: options.extractTimeoutMs ?? DEFAULTS.extractTimeoutMs,
      clock: clock ?? systemClock,
    };
    const batcher = new ParseBatcher(pool, workers * 2, 16, guard);
    return new PageParser(monitor, clock, pool, batcher);
  }

  /**
   * Parses one page. Pages come back packed (links in one string, cheap to
   * clone from a worker); inline parsing packs too, so both look the same.
   *
   * @param input The page (its body is transferred to a worker).
   * @param trace The request's trace, restored in the worker.
   * @param signal Drops the page while it waits for a worker.
   * @returns The packed page.
   */
  async parse(
    input: ParseInput,
    trace: Trace | undefined,
    signal: AbortSignal,
  ): Promise<PackedPage> {
    if (this.#batcher) return await this.#batcher.parse(input, trace, signal);
    const { packPage, parseHtml } = await (inline ??= import(
      "../parse/parse_html.ts"
    ));
    const { extract, warcHead } = input;
    const bytes = new Uint8Array(input.body);
    const archive = warcHead === undefined
      ? undefined
      : await import("../archive/prepared_block.ts");
    /** The page, with its WARC block when the archive asked for one. */
    const finish = (page: PackedPage) =>
      archive ? archive.withWarcBlock(page, warcHead, bytes) : page;
    if (extract !== undefined) {
      const { parseWithHook } = await import("../content/extract_page.ts");
      return finish(
        packPage(
          await parseWithHook(bytes, { ...input, extract }, this.#clock),
          input.sessionParams,
        ),
      );
    }
    const parse = () =>
      parseInSpan(
        trace,
        input,
        "main",
        () => finish(packPage(parseHtml(bytes, input), input.sessionParams)),
      );
    return this.#monitor ? this.#monitor.track(parse) : parse();
  }

  /** Terminates the workers. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.#pool?.close();
  }
}
