/**
 * The JSONL writer of the command's results, to stdout or `--out`.
 *
 * @module
 */
import { type Clock, systemClock } from "../../concurrency/clock.ts";
import { type Writable, writeAll } from "./write_all.ts";

const encoder = new TextEncoder();

/** Options for {@linkcode LineWriter}. */
export interface LineWriterOptions {
  /** Told the keys of lines once they are written (a shared crawl's outbox). */
  onWritten?: (keys: string[]) => void;
  /**
   * How long a line may wait in the buffer, in milliseconds.
   *
   * @default {100}
   */
  flushMs?: number;
  /**
   * How many characters are buffered before a write.
   *
   * @default {65536}
   */
  maxBuffer?: number;
  /** Times `flushMs`. @default {systemClock} */
  clock?: Clock;
}

/**
 * Batches lines and writes them to a sink: when ~64 KiB are buffered (the
 * caller should await the returned promise: backpressure) and at most
 * `flushMs` after the first buffered line, so a crash loses little. A failed
 * write is thrown by the next `write`, `flush` or `close`.
 *
 * @example Usage
 * ```ts
 * import { LineWriter } from "./line_writer.ts";
 *
 * const writer = new LineWriter(Deno.stdout);
 * await writer.write(JSON.stringify({ url: "https://example.com/" }));
 * await writer.close();
 * ```
 */
export class LineWriter {
  #sink: Writable;
  #chunks: string[] = [];
  #size = 0;
  #timer: AbortController | undefined;
  #pending: Promise<void> = Promise.resolve();
  #error: unknown;
  #flushMs: number;
  #maxBuffer: number;
  #keys: string[] = [];
  #onWritten?: (keys: string[]) => void;
  #clock: Clock;

  /**
   * Creates a writer.
   *
   * @param sink Where the lines go.
   * @param options Who is told of written lines, and the buffer's limits.
   */
  constructor(sink: Writable, options: LineWriterOptions = {}) {
    this.#sink = sink;
    this.#onWritten = options.onWritten;
    this.#flushMs = options.flushMs ?? 100;
    this.#maxBuffer = options.maxBuffer ?? 64 * 1024;
    this.#clock = options.clock ?? systemClock;
  }

  /**
   * Buffers a line; returns a promise to await when the buffer was flushed.
   *
   * @param line The line, without its newline.
   * @param key Passed to `onWritten` once the line is written.
   * @returns A promise when the line made the buffer flush, else `undefined`.
   */
  write(line: string, key?: string): Promise<void> | undefined {
    if (this.#error !== undefined) throw this.#error;
    this.#chunks.push(line, "\n");
    if (key !== undefined && this.#onWritten) this.#keys.push(key);
    this.#size += line.length + 1;
    if (this.#size >= this.#maxBuffer) return this.flush();
    if (this.#timer === undefined) {
      const timer = this.#timer = new AbortController();
      this.#clock.sleep(this.#flushMs, timer.signal).then(() => {
        if (this.#timer !== timer) return;
        this.#timer = undefined;
        this.flush().catch(() => {
          // Kept in #error and thrown by the next write or close.
        });
      }, () => {
        // Flushed before the time was up.
      });
    }
    return undefined;
  }

  /**
   * Writes out what is buffered.
   *
   * @returns A promise that settles when every line so far is written.
   */
  flush(): Promise<void> {
    this.#timer?.abort();
    this.#timer = undefined;
    if (this.#chunks.length > 0) {
      const data = encoder.encode(this.#chunks.join(""));
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

  /**
   * Flushes and stops the timer.
   *
   * @returns A promise that settles when every line is written.
   */
  close(): Promise<void> {
    return this.flush();
  }
}
