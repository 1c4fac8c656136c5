/**
 * Bytes put together in one buffer that is reused from one record to the
 * next. Archiving a page writes two WARC heads and two HTTP heads: written
 * here character by character, they cost no strings, arrays or buffers of
 * their own (built as strings, they were most of what archiving left to the
 * garbage collector on the crawl's thread).
 *
 * @module
 */

const utf8 = new TextEncoder();
const CR = 13;
const LF = 10;
const SPACE = 32;

/**
 * A growing byte buffer written in order, with text written as UTF-8 or
 * Latin-1 straight into it.
 *
 * @example Build a line of text and bytes
 * ```ts
 * import { ByteBuilder } from "./byte_builder.ts";
 * import assert from "node:assert/strict";
 *
 * const b = new ByteBuilder(4);
 * b.utf8("é: ").line("a\r\nb").bytes(new Uint8Array([13, 10]));
 * assert.equal(new TextDecoder().decode(b.view()), "é: a  b\r\n");
 * b.reset();
 * assert.equal(b.length, 0);
 * ```
 */
export class ByteBuilder {
  #buffer: Uint8Array;
  #length = 0;

  /**
   * Starts empty.
   *
   * @param capacity The bytes first set aside; the buffer grows as needed.
   */
  constructor(capacity = 4096) {
    this.#buffer = new Uint8Array(Math.max(16, capacity));
  }

  /** The bytes written so far. */
  get length(): number {
    return this.#length;
  }

  /**
   * Writes `text` as UTF-8.
   *
   * @param text The text.
   * @returns This builder.
   */
  utf8(text: string): this {
    return this.#text(text, false, false);
  }

  /**
   * Writes `text` as UTF-8 on one line: each CR and LF becomes a space (a
   * header's value cannot end the header).
   *
   * @param text The text.
   * @returns This builder.
   */
  line(text: string): this {
    return this.#text(text, true, false);
  }

  /**
   * Writes `text` as Latin-1 on one line, as an HTTP head carries it: a
   * character past U+00FF becomes `?`, and each CR and LF a space.
   *
   * @param text The text.
   * @returns This builder.
   */
  latin1Line(text: string): this {
    return this.#text(text, true, true);
  }

  /**
   * Writes bytes.
   *
   * @param bytes The bytes.
   * @returns This builder.
   */
  bytes(bytes: Uint8Array): this {
    this.#reserve(bytes.byteLength);
    this.#buffer.set(bytes, this.#length);
    this.#length += bytes.byteLength;
    return this;
  }

  /**
   * Writes a 32-bit unsigned integer, little-endian.
   *
   * @param value The integer.
   * @returns This builder.
   */
  uint32le(value: number): this {
    this.#reserve(4);
    const b = this.#buffer;
    const at = this.#length;
    b[at] = value & 0xff;
    b[at + 1] = (value >>> 8) & 0xff;
    b[at + 2] = (value >>> 16) & 0xff;
    b[at + 3] = (value >>> 24) & 0xff;
    this.#length += 4;
    return this;
  }

  /**
   * Writes `count` zero bytes, to be filled in later through
   * {@linkcode ByteBuilder.view}.
   *
   * @param count How many.
   * @returns Where they start.
   */
  skip(count: number): number {
    this.#reserve(count);
    const at = this.#length;
    this.#buffer.fill(0, at, at + count);
    this.#length += count;
    return at;
  }

  /**
   * The bytes written from `start` on, in place: valid until the next write
   * or reset.
   *
   * @param start Where to start.
   * @returns A view on the buffer.
   */
  view(start = 0): Uint8Array {
    return this.#buffer.subarray(start, this.#length);
  }

  /**
   * A copy of the bytes written from `start` on, in a buffer of its own.
   *
   * @param start Where to start.
   * @returns The copy.
   */
  copy(start = 0): Uint8Array {
    return this.#buffer.slice(start, this.#length);
  }

  /**
   * Forgets the bytes written from `length` on.
   *
   * @param length The length to go back to.
   */
  truncate(length: number): void {
    if (length < this.#length) this.#length = Math.max(0, length);
  }

  /** Forgets every byte written; the buffer is kept. */
  reset(): void {
    this.#length = 0;
  }

  #text(text: string, oneLine: boolean, latin1: boolean): this {
    const n = text.length;
    this.#reserve(n);
    const b = this.#buffer;
    let at = this.#length;
    for (let i = 0; i < n; i++) {
      let c = text.charCodeAt(i);
      if (c >= 0x80 && !(latin1 && c <= 0xff)) {
        if (!latin1) return this.#utf8Slow(text, oneLine);
        c = 0x3f;
      } else if (oneLine && (c === CR || c === LF)) c = SPACE;
      b[at++] = c;
    }
    this.#length = at;
    return this;
  }

  /** `text` with characters past ASCII, through the encoder. */
  #utf8Slow(text: string, oneLine: boolean): this {
    const line = oneLine ? text.replace(/[\r\n]/g, " ") : text;
    this.#reserve(line.length * 3);
    const { written } = utf8.encodeInto(
      line,
      this.#buffer.subarray(this.#length),
    );
    this.#length += written;
    return this;
  }

  #reserve(count: number): void {
    const need = this.#length + count;
    if (need <= this.#buffer.byteLength) return;
    const grown = new Uint8Array(Math.max(need, this.#buffer.byteLength * 2));
    grown.set(this.#buffer.subarray(0, this.#length));
    this.#buffer = grown;
  }
}
