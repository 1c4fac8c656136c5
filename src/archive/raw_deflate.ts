/**
 * Raw deflate runs, each ended by a sync flush, from one zlib stream that a
 * thread keeps and resets between runs.
 *
 * `deflateRawSync` builds a whole Node stream and a new zlib state on every
 * call: on the 25 KB pages of the crawl benchmark that costs about a fifth
 * of the compression itself (65 µs a page against 54 with the kept stream,
 * which writes the same bytes for one part). The kept stream also reads a
 * run's parts where they are, without joining them first, and writes into
 * one reused output buffer. It drives the zlib handle of Deno's `node:zlib`
 * directly (`_handle` and `_writeState`, what Node's own streams use); a
 * runtime without them gets its runs from `deflateRawSync`.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import zlib from "node:zlib";

/**
 * The compression level: 1, the fastest. On crawled HTML it writes files
 * about 1.6 times the size level 6 writes, at a tenth of the CPU time.
 */
export const GZIP_LEVEL = 1;

/** What the kept stream is driven through. */
interface ZlibHandle {
  reset(): void;
  writeSync(
    flush: number,
    input: Uint8Array,
    inputOffset: number,
    inputLength: number,
    output: Uint8Array,
    outputOffset: number,
    outputLength: number,
  ): void;
}

/** The thread's stream (`null`: not offered), made on first use. */
let kept: { handle: ZlibHandle; state: Uint32Array } | null | undefined;
/** Where runs are written before they are copied out. */
let output = new Uint8Array(1 << 16);

const { Z_NO_FLUSH, Z_SYNC_FLUSH } = zlib.constants;
const EMPTY = new Uint8Array(0);

/**
 * Compresses `parts`, in order, into one raw deflate run (no header, no
 * final block) ended by a sync flush, at {@linkcode GZIP_LEVEL}: runs put
 * one after another form one deflate stream.
 *
 * @example Round trip
 * ```ts
 * import { deflateRaw } from "./raw_deflate.ts";
 * import { constants, inflateRawSync } from "node:zlib";
 * import assert from "node:assert/strict";
 *
 * const enc = new TextEncoder();
 * const run = deflateRaw([enc.encode("hello "), enc.encode("world")]);
 * assert.equal(run.byteLength, run.buffer.byteLength); // its own buffer
 * const text = inflateRawSync(run, { finishFlush: constants.Z_SYNC_FLUSH });
 * assert.equal(new TextDecoder().decode(text), "hello world");
 * ```
 *
 * @param parts The bytes, in parts.
 * @returns The run, in a buffer of its own (it can be transferred).
 */
export function deflateRaw(parts: readonly Uint8Array[]): Uint8Array {
  const stream = keptStream();
  if (stream === null) return fallback(parts);
  stream.handle.reset();
  let length = 0;
  const last = parts.length - 1;
  for (let i = 0; i <= Math.max(last, 0); i++) {
    const flush = i >= last ? Z_SYNC_FLUSH : Z_NO_FLUSH;
    length = write(stream, parts[i] ?? EMPTY, flush, length);
  }
  return output.slice(0, length);
}

/**
 * Whether {@linkcode deflateRaw} runs on a kept stream here (not on
 * `deflateRawSync`).
 *
 * @example
 * ```ts
 * import { keepsStream } from "./raw_deflate.ts";
 *
 * console.log(keepsStream() ? "kept stream" : "deflateRawSync");
 * ```
 *
 * @returns `true` when the runtime's zlib handle can be kept.
 */
export function keepsStream(): boolean {
  return keptStream() !== null;
}

/** Feeds `input` to the stream, growing the output buffer as it fills. */
function write(
  stream: { handle: ZlibHandle; state: Uint32Array },
  input: Uint8Array,
  flush: number,
  length: number,
): number {
  let offset = 0;
  let left = input.byteLength;
  for (;;) {
    const room = output.byteLength - length;
    stream.handle.writeSync(flush, input, offset, left, output, length, room);
    const [outputLeft, inputLeft] = stream.state;
    length += room - outputLeft;
    offset += left - inputLeft;
    left = inputLeft;
    if (outputLeft !== 0) return length; // all taken, and flushed if asked
    const grown = new Uint8Array(output.byteLength * 2);
    grown.set(output.subarray(0, length));
    output = grown;
  }
}

function keptStream(): { handle: ZlibHandle; state: Uint32Array } | null {
  if (kept !== undefined) return kept;
  const stream = zlib.createDeflateRaw({ level: GZIP_LEVEL }) as unknown as {
    _handle?: Partial<ZlibHandle>;
    _writeState?: unknown;
  };
  const handle = stream._handle;
  const state = stream._writeState;
  kept = typeof handle?.reset === "function" &&
      typeof handle.writeSync === "function" &&
      state instanceof Uint32Array && state.length >= 2
    ? { handle: handle as ZlibHandle, state }
    : null;
  return kept;
}

/** {@linkcode deflateRaw} through `deflateRawSync`. */
function fallback(parts: readonly Uint8Array[]): Uint8Array {
  const options = { level: GZIP_LEVEL, finishFlush: Z_SYNC_FLUSH };
  const run = zlib.deflateRawSync(Buffer.concat(parts), options);
  return new Uint8Array(run.buffer, run.byteOffset, run.byteLength).slice();
}
