/**
 * The writing of an archive's WARC files: a `warcinfo` record first in
 * every file, a `request` and a `response` (or `revisit`) record per
 * exchange, each record its own gzip member, a new file past `maxSize`.
 * Each write returns the position just past its records. It runs on the
 * crawl's thread (see `WarcWriter`).
 *
 * @module
 */
import { writeSync } from "node:fs";
import { type FileHandle, mkdir, open, stat } from "node:fs/promises";
import { type Clock, systemClock } from "../concurrency/clock.ts";
import { Lock } from "../concurrency/lock.ts";
import { LruMap } from "../concurrency/lru_map.ts";
import { ArchiveError } from "./archive_error.ts";
import { Sha1 } from "./digest.ts";
import type { Exchange } from "./exchange.ts";
import { ByteBuilder } from "./byte_builder.ts";
import { gzipMember, writeMember } from "./gzip_member.ts";
import { WarcFiles } from "./warc_files.ts";
import {
  type Original,
  RECORD_END,
  recordId,
  requestRecord,
  responseRecord,
  revisitRecord,
  serializeRecord,
  storedBody,
  warcDate,
  warcinfoRecord,
  type WarcRecord,
  writeRecordHead,
} from "./warc_record.ts";
import { type Position, prepareFiles } from "./warc_resume.ts";

/** Payload digests remembered for revisit records. */
const DEDUPE_ENTRIES = 100_000;
/** Compressed bytes gathered before a write. */
const FLUSH_BYTES = 1 << 20;
/**
 * The bytes first set aside to put a write's records together; a chunk of
 * at least this many bytes is written alone, not copied there first.
 */
const SCRATCH_BYTES = 1 << 16;
/** How often the file is checked to still be there, ms. */
const PRESENCE_CHECK_MS = 1000;

/** A call of {@linkcode WarcFileWriter.write} waiting for its turn. */
interface Waiting {
  exchanges: readonly Exchange[];
  /** Settles the call: with where its records end, once they are written. */
  resolve: (position: Position) => void;
  reject: (reason: unknown) => void;
}

/** What {@linkcode WarcFileWriter.open} needs (all of it cloneable). */
export interface WarcFileOptions {
  /** The archive's name (see `WarcFiles`). */
  path: string;
  /** Bytes after which a new file is started. */
  maxSize: number;
  /** The `warcinfo` lines. */
  info: readonly [string, string][];
  /** This process's id in a shared crawl, part of every file name. */
  worker?: string;
  /** The committed write position, if any (see `prepareFiles`). */
  committed?: Position;
  /** What to do with old files without a committed position. */
  existing: "replace" | "continue";
}

/**
 * Writes records into an archive's files, one write at a time. Calls made
 * while a write is under way wait for the next turn, which writes them all
 * with one system call (a group commit): the pages of one parse batch come
 * to commit together, and a system call per page took about a third of the
 * writer's time in a crawl's profile. Calls are settled in call order (the
 * order of their records in the files).
 *
 * @example Usage
 * ```ts ignore
 * const writer = await WarcFileWriter.open(options, console.log);
 * const position = await writer.write([exchange]);
 * await writer.close();
 * ```
 */
export class WarcFileWriter {
  readonly #files: WarcFiles;
  readonly #options: WarcFileOptions;
  readonly #clock: Clock;
  readonly #lock = new Lock();
  readonly #seen = new LruMap<string, Original>(DEDUPE_ENTRIES);
  readonly #written: string[] = [];
  /** Calls waiting for a turn: the next turn writes them all. */
  #waiting: Waiting[] = [];
  /** Whether a turn is asked for and not yet begun. */
  #asked = false;
  /**
   * Where a write's records are put together (the write is synchronous):
   * its gzip members, or the small chunks of a member compressed here.
   */
  readonly #out = new ByteBuilder(SCRATCH_BYTES);
  #index = -1;
  #handle?: FileHandle;
  #identity?: { dev: number; ino: number };
  #size = 0;
  #records = 0;
  #warcinfoId = "";
  #checkedAt = -Infinity;
  #failed?: ArchiveError;
  #closed = false;

  private constructor(options: WarcFileOptions, clock: Clock) {
    this.#options = options;
    this.#files = new WarcFiles(options.path, options.worker);
    this.#clock = clock;
  }

  /**
   * Prepares the folder (see `prepareFiles`) and starts a new file.
   *
   * @param options Where and how to write.
   * @param log Told what was done to the files an earlier run left.
   * @param clock Times the checks that the file is still there.
   * @returns The writer.
   * @throws {ArchiveError} When the files cannot be written.
   */
  static async open(
    options: WarcFileOptions,
    log: (level: "info" | "warn", message: string) => void,
    clock: Clock = systemClock,
  ): Promise<WarcFileWriter> {
    const writer = new WarcFileWriter(options, clock);
    try {
      const next = await prepareFiles({
        files: writer.#files,
        committed: options.committed,
        existing: options.existing,
        seen: writer.#seen,
        log,
      });
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

  /** The files written to, in order. */
  get paths(): string[] {
    return [...this.#written];
  }

  /**
   * Writes the records of `exchanges` after those of earlier writes. A
   * payload archived before in this crawl is written as a `revisit` record.
   * Calls waiting together are written together, each in call order.
   *
   * @param exchanges The exchanges, in order.
   * @returns The position just past their records.
   * @throws {ArchiveError} When the file cannot be written; every later
   * write throws it too.
   */
  write(exchanges: readonly Exchange[]): Promise<Position> {
    return new Promise((resolve, reject) => {
      this.#waiting.push({ exchanges, resolve, reject });
      this.#ask();
    });
  }

  /** Asks for a turn, unless one is asked for already. */
  #ask(): void {
    if (this.#asked) return;
    this.#asked = true;
    // A turn settles its calls itself: its own promise carries nothing.
    this.#lock.runExclusive(() => this.#turn()).catch(() => {});
  }

  /**
   * Writes the calls waiting, once any earlier turn (or a close) is done;
   * calls made meanwhile wait for the next turn. A failed turn fails its
   * calls and those made meanwhile: their pages are let go.
   */
  async #turn(): Promise<void> {
    this.#asked = false;
    const calls = this.#waiting;
    this.#waiting = [];
    try {
      await this.#write(calls);
    } catch (err) {
      for (const call of [...calls, ...this.#waiting.splice(0)]) {
        call.reject(err);
      }
    }
  }

  async #write(calls: Waiting[]): Promise<void> {
    if (this.#failed) throw this.#failed;
    if (this.#closed) {
      throw new Error("Cannot write to a closed WarcFileWriter");
    }
    try {
      if (this.#clock.now() - this.#checkedAt >= PRESENCE_CHECK_MS) {
        await this.#checkPresence();
      }
      if (this.#size >= this.#options.maxSize && this.#records > 0) {
        await this.#rotate();
      }
      this.#append(calls);
    } catch (err) {
      throw (this.#failed = ArchiveError.from(this.#path, err));
    }
  }

  /**
   * Closes the file, checking it is still there.
   *
   * @throws {ArchiveError} When it was removed meanwhile.
   */
  async close(): Promise<void> {
    // Writes asked for before the close go first, even the calls a
    // rotation sent on to a later turn.
    while (!await this.#lock.runExclusive(() => this.#closeWhenIdle())) {
      // a turn is still asked for: it holds the lock next
    }
  }

  async #closeWhenIdle(): Promise<boolean> {
    if (this.#asked || this.#waiting.length > 0) return false;
    if (this.#closed) return true;
    this.#closed = true;
    const handle = this.#handle;
    if (!handle) return true;
    try {
      if (!this.#failed) await this.#checkPresence();
    } finally {
      this.#handle = undefined;
      await handle.close().catch(() => {});
    }
    return true;
  }

  get #path(): string {
    return this.#files.path(this.#index);
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
      this.#options.info,
    );
    this.#out.reset();
    for (const chunk of gzipMember(serializeRecord(info))) this.#put(chunk);
    this.#flush();
    this.#checkedAt = this.#clock.now();
  }

  async #rotate(): Promise<void> {
    await this.#checkPresence();
    const handle = this.#handle;
    this.#handle = undefined;
    await handle?.close();
    await this.#start(this.#index + 1);
  }

  /**
   * Writes the records of each call's exchanges, a bounded amount at a
   * time, and sets where each call's records end. Once the file is past
   * `maxSize`, the calls left go back to wait for a turn in a new file.
   */
  #append(calls: Waiting[]): void {
    const out = this.#out;
    out.reset();
    const ends: number[] = [];
    for (const [i, call] of calls.entries()) {
      if (i > 0 && this.#size + out.length >= this.#options.maxSize) {
        this.#waiting.unshift(...calls.splice(i));
        this.#ask();
        break;
      }
      for (const exchange of call.exchanges) {
        for (const record of this.#recordsOf(exchange)) {
          const rest = record.deflated ?? [...record.block, RECORD_END];
          const head = (o: ByteBuilder) => writeRecordHead(o, record);
          if (!writeMember(out, head, rest)) {
            for (const chunk of gzipMember(serializeRecord(record))) {
              this.#put(chunk);
            }
          }
          this.#records++;
          if (out.length >= FLUSH_BYTES) this.#flush();
        }
      }
      ends.push(this.#size + out.length);
    }
    this.#flush();
    // Only now, so that no call of a failed turn counts as written.
    const file = this.#files.name(this.#index);
    calls.forEach((call, i) => call.resolve({ file, offset: ends[i] }));
  }

  /** The request record and the response (or revisit) record. */
  #recordsOf(exchange: Exchange): WarcRecord[] {
    const prepared = exchange.prepared;
    const payload = prepared?.payloadDigest ??
      new Sha1().update(storedBody(exchange)).digest();
    const ids = {
      request: recordId(),
      response: recordId(),
      warcinfo: this.#warcinfoId,
    };
    const request = requestRecord(exchange, ids);
    // The body may have been handed to the parser, which prepared it.
    const bodyBytes = prepared
      ? prepared.length - prepared.head.byteLength
      : storedBody(exchange).byteLength;
    if (!exchange.truncated && bodyBytes > 0) {
      const original = this.#seen.get(payload);
      if (original) {
        return [
          request,
          revisitRecord(exchange, ids, payload, original, prepared?.head),
        ];
      }
      this.#seen.set(payload, {
        id: ids.response,
        uri: exchange.url,
        date: warcDate(exchange.date),
      });
    }
    return [request, responseRecord(exchange, ids, payload, prepared)];
  }

  /** Adds `chunk` to what is written next; a large one is written alone. */
  #put(chunk: Uint8Array): void {
    if (chunk.byteLength < SCRATCH_BYTES) {
      this.#out.bytes(chunk);
      return;
    }
    this.#flush();
    this.#writeOut(chunk);
  }

  /** Writes what {@linkcode WarcFileWriter.#put} gathered. */
  #flush(): void {
    if (this.#out.length > 0) this.#writeOut(this.#out.view());
    this.#out.reset();
  }

  /**
   * Writes `bytes` at the end of the file (where the last write ended: the
   * file is ours alone). The write is synchronous: a turn's records (a few
   * kB a page, at most a MiB at once) reach the page cache in microseconds,
   * less than an asynchronous write's round trip costs.
   */
  #writeOut(bytes: Uint8Array): void {
    const fd = this.#handle!.fd;
    for (let done = 0; done < bytes.byteLength;) {
      done += writeSync(fd, bytes, done, bytes.byteLength - done);
    }
    this.#size += bytes.byteLength;
  }

  /**
   * Throws when the file is no longer at its path (removed or replaced):
   * what is written to it would be lost. A turn checks it once a second,
   * a rotation and a close always.
   */
  async #checkPresence(): Promise<void> {
    this.#checkedAt = this.#clock.now();
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
