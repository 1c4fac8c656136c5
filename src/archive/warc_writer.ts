/**
 * A crawl's WARC archive (see `WarcFileWriter` for the files and records),
 * with its write position committed in the store.
 *
 * Writes take effect in the order they are asked for; after each, the
 * position just past its records is set in the store's checkpoints (see
 * `Checkpoints`) and `then` runs (the crawler commits the page there), so
 * a durable crawl commits the position together with the pages written
 * before it. A crawl resumed after any stop cuts its files back to the
 * committed position (dropping the records of pages it will fetch again)
 * and goes on in a new file: each page's response is archived exactly once.
 *
 * @module
 */
import type { Clock } from "../concurrency/clock.ts";
import { DEFAULTS } from "../crawler/defaults.ts";
import type { Checkpoints } from "../frontier/store.ts";
import {
  check,
  NON_EMPTY_STRING,
  optional,
  POSITIVE_INT,
} from "../options/validate.ts";
import { ArchiveError } from "./archive_error.ts";
import type { Exchange } from "./exchange.ts";
import { type WarcFileOptions, WarcFileWriter } from "./warc_file_writer.ts";
import { parsePosition } from "./warc_resume.ts";

/** The checkpoint holding the committed write position. */
const CHECKPOINT = "warc";
const ACTION = "create WarcWriter";

/** Options of {@linkcode WarcWriter.open}. */
export interface WarcWriterOptions {
  /**
   * The archive's name: `crawl.warc.gz` writes `crawl-00000.warc.gz`,
   * `crawl-00001.warc.gz`…, in the same folder (created when missing).
   */
  path: string;
  /**
   * Bytes after which a new file is started (a file may pass it by the
   * records of one write).
   *
   * @default {1000000000}
   */
  maxSize?: number;
  /** The `warcinfo` lines of every file (software, settings…). */
  info?: readonly [string, string][];
  /** This process's id in a shared crawl: part of every file name. */
  worker?: string;
  /**
   * The store's checkpoints: the write position is committed there, and a
   * crawl resumed with it cuts the files back to it. Without a committed
   * position, existing files are handled by `existing`.
   */
  checkpoints?: Checkpoints;
  /**
   * What to do with files of the archive left by an earlier run when there
   * is no committed position: `"replace"` removes them (the crawl starts
   * over), `"continue"` keeps them, cuts a torn record off the last one,
   * and writes on in a new file (a shared crawl's worker coming back).
   *
   * @default {"replace"}
   */
  existing?: "replace" | "continue";
  /**
   * Times the checks that the file is still there.
   *
   * @default {systemClock}
   */
  clock?: Clock;
  /**
   * Told what was done to the files an earlier run left (`info`: records
   * not committed cut off; `warn`: committed records found missing).
   */
  onLog?: (level: "info" | "warn", message: string) => void;
}

/** Options of {@linkcode WarcWriter.write}. */
export interface WarcWriteOptions {
  /** Refuses the write when already aborted (a write under way completes). */
  signal?: AbortSignal;
}

/**
 * The WARC files of one crawl.
 *
 * @example Archive one exchange
 * ```ts ignore
 * import { WarcWriter } from "./warc_writer.ts";
 *
 * await using warc = await WarcWriter.open({ path: "crawl.warc.gz" });
 * await warc.write([exchange]);
 * ```
 */
export class WarcWriter implements AsyncDisposable {
  readonly #file: WarcFileWriter;
  readonly #checkpoints?: Checkpoints;
  #failed?: ArchiveError;
  #closing?: Promise<void>;

  private constructor(file: WarcFileWriter, checkpoints?: Checkpoints) {
    this.#file = file;
    this.#checkpoints = checkpoints;
  }

  /**
   * Opens the archive: repairs or replaces what an earlier run left (see
   * {@linkcode WarcWriterOptions.existing}) and starts a new file.
   *
   * @param options Where and how to write.
   * @returns The writer.
   * @throws {ArchiveError} When the files cannot be written.
   */
  static async open(options: WarcWriterOptions): Promise<WarcWriter> {
    check(ACTION, "path", options.path, NON_EMPTY_STRING);
    const file: WarcFileOptions = {
      path: options.path,
      maxSize: optional(
        ACTION,
        "maxSize",
        options.maxSize,
        POSITIVE_INT,
        DEFAULTS.warcMaxSize,
      ),
      info: options.info ?? [],
      worker: options.worker,
      committed: parsePosition(options.checkpoints?.get(CHECKPOINT)),
      existing: options.existing ?? "replace",
    };
    const log = options.onLog ?? (() => {});
    const writer = await WarcFileWriter.open(file, log, options.clock);
    return new WarcWriter(writer, options.checkpoints);
  }

  /** The files this writer wrote to, in order. */
  get paths(): readonly string[] {
    return this.#file.paths;
  }

  /**
   * Writes the records of `exchanges` after those of every earlier call,
   * then sets the committed position and calls `then` (which commits the
   * pages they belong to), before any later call's `then`.
   *
   * @param exchanges The exchanges, in order.
   * @param then Called once the records are written.
   * @param options Refuses the write when already aborted.
   * @returns What `then` returned.
   * @throws {ArchiveError} When the files cannot be written; every later
   * write throws it too.
   */
  write<T>(
    exchanges: readonly Exchange[],
    then?: () => T,
    options: WarcWriteOptions = {},
  ): Promise<T | undefined> {
    if (this.#failed) return Promise.reject(this.#failed);
    if (this.#closing) {
      return Promise.reject(new Error("Cannot write to a closed WarcWriter"));
    }
    if (options.signal?.aborted) return Promise.reject(options.signal.reason);
    // The file settles its calls in call order, so each `then` runs before
    // any later call's.
    return this.#file.write(exchanges).then(
      (position) => {
        this.#checkpoints?.set(CHECKPOINT, JSON.stringify(position));
        return then?.();
      },
      (err) => {
        throw (this.#failed ??= ArchiveError.from(
          this.paths.at(-1) ?? "",
          err,
        ));
      },
    );
  }

  /**
   * Waits for the writes under way, then closes the file (checking it is
   * still there).
   *
   * @throws {ArchiveError} When it was removed meanwhile.
   */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      try {
        await this.#file.close();
      } catch (err) {
        if (!this.#failed) {
          throw ArchiveError.from(this.paths.at(-1) ?? "", err);
        }
      }
    })();
    return this.#closing;
  }

  /** Closes the file. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
