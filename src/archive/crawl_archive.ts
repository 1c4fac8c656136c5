/**
 * A crawl's archive: its WARC files and its `save` folder behind one sink.
 * Pages commit through it, so each page's records are written before its
 * commit, in commit order; anything else fetched is recorded through it.
 *
 * @module
 */
import { abortable } from "../concurrency/_abortable.ts";
import type { Clock } from "../concurrency/clock.ts";
import type { Checkpoints } from "../frontier/store.ts";
import type { Exchange, ExchangeSink, RecordOptions } from "./exchange.ts";
import { Mirror } from "./mirror.ts";
import { WarcWriter } from "./warc_writer.ts";

/** Options of {@linkcode CrawlArchive}. */
export interface CrawlArchiveOptions {
  /** The WARC archive's name (see `WarcWriterOptions.path`), if any. */
  warc?: string;
  /** Bytes per WARC file. */
  warcMaxSize: number;
  /** The `save` folder, if any. */
  save?: string;
  /** The `warcinfo` lines. */
  info: readonly [string, string][];
  /** This process's id in a shared crawl. */
  worker?: string;
  /** Times the checks that the WARC file is still there. */
  clock: Clock;
  /** Told what was repaired in the files an earlier run left. */
  onLog: (level: "info" | "warn", message: string) => void;
}

/**
 * Frees the bodies' memory (and their prepared deflate runs') now rather
 * than at the next GC (a page's body is most of what it holds).
 */
function release(exchanges: readonly Exchange[]): void {
  for (const { body, prepared } of exchanges) {
    for (const bytes of prepared ? [body, prepared.deflated] : [body]) {
      const buffer = bytes.buffer as ArrayBuffer;
      if (
        bytes.byteOffset === 0 && bytes.byteLength === buffer.byteLength &&
        !buffer.detached
      ) {
        buffer.transfer(0);
      }
    }
  }
}

/** What the crawl's store offers the archive when it opens. */
export interface ArchiveStart {
  /** Where the write position is committed, when the store is durable. */
  checkpoints?: Checkpoints;
  /**
   * Files an earlier run left without a committed position: `"replace"`
   * for a crawl that starts over, `"continue"` for one kept elsewhere.
   */
  existing: "replace" | "continue";
}

/**
 * The archive of one crawl. Writes wait until {@linkcode CrawlArchive.open}
 * is done (and fail as it failed).
 *
 * @example Commit a page with its exchanges
 * ```ts ignore
 * const archive = new CrawlArchive({ warc: "crawl.warc.gz", ... });
 * await archive.open({ existing: "replace" });
 * const results = await archive.commit(exchanges, () => frontier.commit(batch));
 * ```
 */
export class CrawlArchive implements ExchangeSink, AsyncDisposable {
  readonly #options: CrawlArchiveOptions;
  readonly #opened = Promise.withResolvers<void>();
  /** Whether {@linkcode CrawlArchive.open} is done: writes need not wait. */
  #open = false;
  #warc?: WarcWriter;
  #mirror?: Mirror;
  /** The first failure to write, reported once. */
  #failure?: unknown;

  /**
   * Describes the archive; nothing is opened yet.
   *
   * @param options Where and how to write.
   */
  constructor(options: CrawlArchiveOptions) {
    this.#options = options;
    this.#opened.promise.catch(() => {}); // reported by open() itself
  }

  /** The WARC files written, in order. */
  get warcFiles(): readonly string[] {
    return this.#warc?.paths ?? [];
  }

  /**
   * Opens the WARC files (repairing what an earlier run left) and the
   * `save` folder.
   *
   * @param start The store's checkpoints and what to do with old files.
   * @throws {ArchiveError} When they cannot be written.
   */
  async open(start: ArchiveStart): Promise<void> {
    const o = this.#options;
    try {
      if (o.save !== undefined) {
        const mirror = new Mirror(o.save);
        await mirror.open();
        this.#mirror = mirror;
      }
      if (o.warc !== undefined) {
        this.#warc = await WarcWriter.open({
          path: o.warc,
          maxSize: o.warcMaxSize,
          info: o.info,
          worker: o.worker,
          checkpoints: start.checkpoints,
          existing: start.existing,
          clock: o.clock,
          onLog: o.onLog,
        });
      }
      this.#opened.resolve();
      this.#open = true;
    } catch (err) {
      this.#opened.reject(err);
      throw err;
    }
  }

  /**
   * Archives a page's exchanges, then calls `commit` (which commits the
   * page) before any later page is archived. The bodies' memory is released
   * once they are written: the caller must not read them afterwards.
   *
   * @param exchanges The page's exchanges, in order.
   * @param commit Commits the page.
   * @param options Gives up waiting for the archive.
   * @returns What `commit` returned.
   * @throws {ArchiveError} When the archive cannot be written (the page is
   * then not committed).
   */
  async commit<T>(
    exchanges: readonly Exchange[],
    commit: () => T,
    options: RecordOptions = {},
  ): Promise<T> {
    if (!this.#open) await this.#ready(options.signal);
    try {
      const mirror = this.#mirror;
      if (mirror) {
        await Promise.all(exchanges.map((e) => mirror.record(e, options)));
      }
      if (!this.#warc) return commit();
      const out = await this.#warc.write(exchanges, commit, options);
      release(exchanges);
      return out!;
    } catch (err) {
      return await this.#failed(err, options.signal);
    }
  }

  /**
   * Archives one exchange made outside a page's fetch (robots.txt, a
   * sitemap).
   *
   * @param exchange The exchange.
   * @param options Gives up waiting for the archive.
   */
  async record(exchange: Exchange, options: RecordOptions = {}): Promise<void> {
    if (!this.#open) await this.#ready(options.signal);
    try {
      await this.#mirror?.record(exchange, options);
      await this.#warc?.write([exchange], undefined, options);
    } catch (err) {
      await this.#failed(err, options.signal);
    }
  }

  /** Closes the WARC file (checking it is still there). */
  async [Symbol.asyncDispose](): Promise<void> {
    this.#open = false;
    this.#opened.reject(new Error("The crawl's archive was closed"));
    await this.#warc?.close();
  }

  /**
   * Reports a failure once: the first caller gets it; later callers with a
   * signal wait to be cancelled with the rest of the crawl (which stops on
   * the first failure), so the crawl fails with that one error.
   */
  async #failed(err: unknown, signal: AbortSignal | undefined): Promise<never> {
    if (signal?.aborted) throw signal.reason;
    if (this.#failure === undefined || signal === undefined) {
      this.#failure ??= err;
      throw err;
    }
    await abortable(new Promise<never>(() => {}), signal);
    throw err; // not reached: the wait ends by rejecting
  }

  /**
   * Waits until the archive is open (once it is, writes skip the wait and
   * add no listener to their signal).
   */
  #ready(signal: AbortSignal | undefined): Promise<void> {
    return abortable(this.#opened.promise, signal);
  }
}
