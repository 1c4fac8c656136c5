/**
 * Writes a crawl's exchanges into WARC/1.1 files: a `warcinfo` record first
 * in every file, a `request` and a `response` (or `revisit`) record per
 * exchange, each record its own gzip member, a new file past `maxSize`.
 *
 * Writes are serialized, in the order they are asked for; after each, the
 * write position is set in the store's checkpoints (see `Checkpoints`), so
 * a durable crawl commits it together with the pages written before it. A
 * crawl resumed after any stop cuts its files back to the committed
 * position (dropping the records of pages it will fetch again) and goes on
 * in a new file: each page's response is archived exactly once.
 *
 * @module
 */
import {
  type FileHandle,
  mkdir,
  open,
  rm,
  stat,
  truncate,
} from "node:fs/promises";
import { type Clock, systemClock } from "../concurrency/clock.ts";
import { Lock } from "../concurrency/lock.ts";
import { LruMap } from "../concurrency/lru_map.ts";
import { DEFAULTS } from "../crawler/defaults.ts";
import type { Checkpoints } from "../frontier/store.ts";
import {
  check,
  NON_EMPTY_STRING,
  optional,
  POSITIVE_INT,
} from "../options/validate.ts";
import { ArchiveError } from "./archive_error.ts";
import { Sha1 } from "./digest.ts";
import type { Exchange } from "./exchange.ts";
import { gzipMember, join } from "./gzip_member.ts";
import { WarcFiles } from "./warc_files.ts";
import { fieldOf, scanWarc } from "./warc_reader.ts";
import {
  type Original,
  recordId,
  requestRecord,
  responseRecord,
  revisitRecord,
  serializeRecord,
  warcDate,
  warcinfoRecord,
  type WarcRecord,
} from "./warc_record.ts";

/** The checkpoint holding the committed write position. */
const CHECKPOINT = "warc";
/** Payload digests remembered for revisit records. */
const DEDUPE_ENTRIES = 100_000;
/** Bytes of the newest files read back, on resume, for their digests. */
const REBUILD_BYTES = 1 << 30;
/** Compressed bytes gathered before a write. */
const FLUSH_BYTES = 1 << 20;
/** How often the file is checked to still be there, ms. */
const PRESENCE_CHECK_MS = 1000;
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
   * records of one page).
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
  /** Times the checks that the file is still there. @default {systemClock} */
  clock?: Clock;
  /**
   * Told what was done to the files an earlier run left (`info`: records
   * not committed cut off; `warn`: committed records found missing).
   */
  onLog?: (level: "info" | "warn", message: string) => void;
}

/** A committed write position. */
interface Position {
  file: string;
  offset: number;
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
  readonly #files: WarcFiles;
  readonly #maxSize: number;
  readonly #info: readonly [string, string][];
  readonly #checkpoints?: Checkpoints;
  readonly #clock: Clock;
  readonly #log: (level: "info" | "warn", message: string) => void;
  readonly #lock = new Lock();
  readonly #seen = new LruMap<string, Original>(DEDUPE_ENTRIES);
  readonly #written: string[] = [];
  #index = -1;
  #handle?: FileHandle;
  #identity?: { dev: number; ino: number };
  #size = 0;
  #records = 0;
  #warcinfoId = "";
  #checkedAt = -Infinity;
  #failed?: ArchiveError;
  #closed = false;

  private constructor(options: WarcWriterOptions) {
    check(ACTION, "path", options.path, NON_EMPTY_STRING);
    this.#files = new WarcFiles(options.path, options.worker);
    this.#maxSize = optional(
      ACTION,
      "maxSize",
      options.maxSize,
      POSITIVE_INT,
      DEFAULTS.warcMaxSize,
    );
    this.#info = options.info ?? [];
    this.#checkpoints = options.checkpoints;
    this.#clock = options.clock ?? systemClock;
    this.#log = options.onLog ?? (() => {});
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
    const writer = new WarcWriter(options);
    try {
      const next = await writer.#prepare(options.existing ?? "replace");
      await writer.#start(next);
    } catch (err) {
      await writer.#handle?.close().catch(() => {});
      throw ArchiveError.from(
        writer.#files.path(Math.max(0, writer.#index)),
        err,
      );
    }
    return writer;
  }

  /** The files this writer wrote to, in order. */
  get paths(): readonly string[] {
    return this.#written;
  }

  /**
   * Writes the records of `exchanges`, then sets the committed position
   * and calls `then` (which commits the pages they belong to), all before
   * any later write starts. A payload archived before in this crawl is
   * written as a `revisit` record.
   *
   * @param exchanges The exchanges, in order.
   * @param then Called once the records are written.
   * @param options Gives up waiting for earlier writes.
   * @returns What `then` returned.
   * @throws {ArchiveError} When the file cannot be written; every later
   * write throws it too.
   */
  async write<T>(
    exchanges: readonly Exchange[],
    then?: () => T,
    options: { signal?: AbortSignal } = {},
  ): Promise<T | undefined> {
    return await this.#lock.runExclusive(async () => {
      if (this.#failed) throw this.#failed;
      if (this.#closed) throw new Error("Cannot write to a closed WarcWriter");
      try {
        await this.#checkPresence(false);
        if (this.#size >= this.#maxSize && this.#records > 0) {
          await this.#rotate();
        }
        await this.#append(exchanges);
      } catch (err) {
        throw (this.#failed = ArchiveError.from(this.#path, err));
      }
      const position: Position = {
        file: this.#files.name(this.#index),
        offset: this.#size,
      };
      this.#checkpoints?.set(CHECKPOINT, JSON.stringify(position));
      return then?.();
    }, options);
  }

  /**
   * Closes the file, checking it is still there.
   *
   * @throws {ArchiveError} When it was removed meanwhile, or failed to close.
   */
  async close(): Promise<void> {
    await this.#lock.runExclusive(async () => {
      if (this.#closed) return;
      this.#closed = true;
      const handle = this.#handle;
      if (!handle) return;
      try {
        if (!this.#failed) await this.#checkPresence(true);
      } finally {
        this.#handle = undefined;
        await handle.close().catch(() => {});
      }
    });
  }

  /** Closes the file. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  get #path(): string {
    return this.#files.path(this.#index);
  }

  /** Handles the files an earlier run left; returns the next file's number. */
  async #prepare(existing: "replace" | "continue"): Promise<number> {
    const files = await this.#files.existing();
    const saved = parsePosition(this.#checkpoints?.get(CHECKPOINT));
    const index = saved && this.#files.indexOf(saved.file);
    if (saved && index !== undefined) {
      return await this.#resume(files, index, saved.offset);
    }
    if (existing === "continue" && files.length > 0) {
      const last = files[files.length - 1];
      await this.#cut(last, Infinity);
      await this.#remember(files);
      return last + 1;
    }
    for (const i of files) await rm(this.#files.path(i));
    return 0;
  }

  /**
   * Cuts the files back to the committed position: later files go, the
   * committed one is cut at `offset`.
   */
  async #resume(files: number[], index: number, offset: number) {
    const later = files.filter((i) => i > index);
    for (const i of later) await rm(this.#files.path(i));
    if (later.length > 0) {
      this.#log(
        "info",
        `removed ${later.length} WARC file(s) of records not committed, from ${
          this.#files.name(later[0])
        }`,
      );
    }
    const kept = files.filter((i) => i <= index);
    if (!kept.includes(index)) {
      this.#log(
        "warn",
        `${this.#files.path(index)} is missing: the records it held are lost`,
      );
    } else {
      await this.#cut(index, offset);
    }
    await this.#remember(kept);
    return Math.max(index, ...kept) + 1;
  }

  /**
   * Cuts file `index` at `offset`, and further back to its last complete
   * record if it is torn there (data lost after a crash of the machine).
   */
  async #cut(index: number, offset: number): Promise<void> {
    const path = this.#files.path(index);
    const { size } = await stat(path);
    if (size > offset) {
      await truncate(path, offset);
      this.#log(
        "info",
        `${path}: cut ${size - offset} bytes of records not committed`,
      );
    }
    const { end } = await scanWarc(path, () => {});
    const length = Math.min(size, offset);
    if (end < length) {
      await truncate(path, end);
      this.#log("warn", `${path}: cut ${length - end} bytes of a torn record`);
    }
    if (size < offset && offset !== Infinity) {
      this.#log(
        "warn",
        `${path}: ${offset - size} committed bytes are missing`,
      );
    }
  }

  /** Remembers the payload digests of the newest files, for revisits. */
  async #remember(files: number[]): Promise<void> {
    const chosen: string[] = [];
    let bytes = 0;
    for (let i = files.length - 1; i >= 0 && bytes < REBUILD_BYTES; i--) {
      const path = this.#files.path(files[i]);
      bytes += (await stat(path)).size;
      chosen.unshift(path);
    }
    for (const path of chosen) {
      await scanWarc(path, ({ fields }) => {
        if (fieldOf(fields, "WARC-Type") !== "response") return;
        if (fieldOf(fields, "WARC-Truncated") !== undefined) return;
        const digest = fieldOf(fields, "WARC-Payload-Digest");
        const id = fieldOf(fields, "WARC-Record-ID");
        const uri = fieldOf(fields, "WARC-Target-URI");
        const date = fieldOf(fields, "WARC-Date");
        if (digest && id && uri && date) {
          this.#seen.set(digest, { id, uri, date });
        }
      });
    }
  }

  /** Opens file `index` (replacing it) and writes its `warcinfo` record. */
  async #start(index: number): Promise<void> {
    this.#index = index;
    const path = this.#path;
    await mkdir(this.#files.dir, { recursive: true });
    const handle = this.#handle = await open(path, "w");
    const { dev, ino } = await handle.stat();
    this.#identity = { dev, ino };
    this.#written.push(path);
    this.#size = 0;
    this.#records = 0;
    this.#warcinfoId = recordId();
    const info = warcinfoRecord(
      this.#warcinfoId,
      this.#files.name(index),
      Date.now(),
      this.#info,
    );
    await this.#writeOut([...gzipMember(serializeRecord(info))]);
    this.#checkedAt = this.#clock.now();
  }

  async #rotate(): Promise<void> {
    await this.#checkPresence(true);
    const handle = this.#handle;
    this.#handle = undefined;
    await handle?.close();
    await this.#start(this.#index + 1);
  }

  /** Writes the records of `exchanges`, a bounded amount at a time. */
  async #append(exchanges: readonly Exchange[]): Promise<void> {
    let chunks: Uint8Array[] = [];
    let pending = 0;
    for (const exchange of exchanges) {
      for (const record of this.#recordsOf(exchange)) {
        for (const chunk of gzipMember(serializeRecord(record))) {
          chunks.push(chunk);
          pending += chunk.byteLength;
          if (pending >= FLUSH_BYTES) {
            await this.#writeOut(chunks);
            chunks = [];
            pending = 0;
          }
        }
        this.#records++;
      }
    }
    if (pending > 0) await this.#writeOut(chunks);
  }

  /** The request record and the response (or revisit) record. */
  #recordsOf(exchange: Exchange): WarcRecord[] {
    const payload = new Sha1().update(exchange.body).digest();
    const ids = {
      request: recordId(),
      response: recordId(),
      warcinfo: this.#warcinfoId,
    };
    const request = requestRecord(exchange, ids);
    if (!exchange.truncated && exchange.body.byteLength > 0) {
      const original = this.#seen.get(payload);
      if (original) {
        return [request, revisitRecord(exchange, ids, payload, original)];
      }
      this.#seen.set(payload, {
        id: ids.response,
        uri: exchange.url,
        date: warcDate(exchange.date),
      });
    }
    return [request, responseRecord(exchange, ids, payload)];
  }

  async #writeOut(chunks: readonly Uint8Array[]): Promise<void> {
    const bytes = chunks.length === 1 ? chunks[0] : join(chunks);
    const handle = this.#handle!;
    for (let done = 0; done < bytes.byteLength;) {
      const { bytesWritten } = await handle.write(
        bytes,
        done,
        bytes.byteLength - done,
        this.#size + done,
      );
      done += bytesWritten;
    }
    this.#size += bytes.byteLength;
  }

  /**
   * Throws when the file is no longer at its path (removed or replaced):
   * what is written to it would be lost. Checked at most once a second
   * unless `now`.
   */
  async #checkPresence(now: boolean): Promise<void> {
    const t = this.#clock.now();
    if (!now && t - this.#checkedAt < PRESENCE_CHECK_MS) return;
    this.#checkedAt = t;
    const path = this.#path;
    let onDisk: { dev: number; ino: number } | undefined;
    try {
      onDisk = await stat(path);
    } catch (err) {
      if ((err as { code?: string }).code !== "ENOENT") throw err;
    }
    if (
      onDisk === undefined || onDisk.ino !== this.#identity?.ino ||
      onDisk.dev !== this.#identity?.dev
    ) {
      throw new ArchiveError(
        path,
        "the file was removed or replaced while the crawl was writing it",
      );
    }
  }
}

/** A committed position, or `undefined` when there is none (or bad). */
function parsePosition(value: string | undefined): Position | undefined {
  if (value === undefined) return undefined;
  try {
    const p = JSON.parse(value);
    return typeof p?.file === "string" && Number.isSafeInteger(p.offset)
      ? { file: p.file, offset: p.offset }
      : undefined;
  } catch {
    return undefined;
  }
}
