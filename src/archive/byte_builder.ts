/**
 * Bytes put together in one buffer that is reused from one record to the
 * next. Archiving a page writes two WARC heads and two HTTP heads: each is
 * built as one string (V8 joins strings cheaply) and encoded straight into
 * the buffer with one `encodeInto`, with no array of its own per head (made
 * with `TextEncoder.encode`, they were most of what archiving left to the
 * garbage collector on the crawl's thread).
 *
 * @module
 */

const utf8 = new TextEncoder();

/**
 * A growing byte buffer written in order, with text encoded straight into
 * it as UTF-8 or Latin-1.
 *
 * @example Build a line of text and bytes
 * ```ts
 * import { ByteBuilder } from "./byte_builder.ts";
 * import assert from "node:assert/strict";
 *
 * const b = new ByteBuilder(4);
 * b.utf8("é: ").latin1("é").bytes(new Uint8Array([13, 10]));
 * assert.deepEqual(b.view(), new Uint8Array([0xc3, 0xa9, 0x3a, 0x20, 0xe9, 13, 10]));
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
    this.#reserve(text.length * 3);
    const room = this.#buffer.subarray(this.#length);
    this.#length += utf8.encodeInto(text, room).written;
    return this;
  }

  /**
   * Writes `text` as Latin-1, as an HTTP head carries it (header values
   * are byte strings): a character past U+00FF becomes `?`.
   *
   * @param text The text.
   * @returns This builder.
   */
  latin1(text: string): this {
    const start = this.#length;
    this.utf8(text); // the same bytes when the text is ASCII
    if (this.#length - start === text.length) return this;
    const b = this.#buffer;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      b[start + i] = c <= 0xff ? c : 0x3f;
    }
    this.#length = start + text.length;
    return this;
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

  #reserve(count: number): void {
    const need = this.#length + count;
    if (need <= this.#buffer.byteLength) return;
    const grown = new Uint8Array(Math.max(need, this.#buffer.byteLength * 2));
    grown.set(this.#buffer.subarray(0, this.#length));
    this.#buffer = grown;
  }
}
