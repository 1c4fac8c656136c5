/**
 * Reads a response body into memory with a byte cap and an idle timeout.
 *
 * @module
 */
import { STOP } from "../concurrency/_stop.ts";
import { type Clock, systemClock } from "../concurrency/clock.ts";
import { IdleTimeoutError } from "./errors.ts";

/** Options for {@linkcode readBody}. */
export interface ReadBodyOptions {
  /**
   * The most bytes to keep. Reading stops (and the stream is cancelled) as
   * soon as more arrive; `Infinity` keeps everything.
   */
  maxBytes: number;
  /**
   * Rejects with an {@linkcode IdleTimeoutError} when no chunk arrives for
   * this many milliseconds. No idle limit when omitted.
   *
   * @default {undefined}
   */
  idleTimeoutMs?: number;
  /** Aborts the read: the stream is cancelled and the promise rejects with `signal.reason`. */
  signal?: AbortSignal;
  /**
   * Time source for the idle timeout.
   *
   * @default {systemClock}
   */
  clock?: Clock;
  /**
   * Called once when the idle timeout fires, before the promise rejects (the
   * caller typically aborts its `fetch` here).
   */
  onTimeout?: () => void;
  /**
   * Called after each chunk arrives (for a caller that watches progress with
   * its own timer instead of `idleTimeoutMs`).
   *
   * @default {undefined}
   */
  onChunk?: () => void;
  /**
   * The URL the body belongs to, for the error message.
   *
   * @default {""}
   */
  url?: string;
}

/** What {@linkcode readBody} read. */
export interface ReadBodyResult {
  /** The body, at most `maxBytes` long. */
  bytes: Uint8Array;
  /** `true` when the body had more than `maxBytes` bytes (the rest was not read). */
  truncated: boolean;
}

/**
 * Reads `body` chunk by chunk into one buffer, keeping at most `maxBytes`.
 *
 * When the body is longer, the result holds exactly its first `maxBytes`
 * bytes, `truncated` is `true`, and the stream is cancelled so the connection
 * is released. When no chunk arrives for `idleTimeoutMs`, `onTimeout` is
 * called, the stream is cancelled and the promise rejects with an
 * {@linkcode IdleTimeoutError}. The idle timer is one clock sleep re-armed
 * per idle period, not one per chunk, and it is always cleared.
 *
 * @example Reading a capped body
 * ```ts
 * import { readBody } from "./read_body.ts";
 * import assert from "node:assert/strict";
 *
 * const res = new Response("hello, world");
 * const { bytes, truncated } = await readBody(res.body, { maxBytes: 5 });
 * assert.equal(new TextDecoder().decode(bytes), "hello");
 * assert.equal(truncated, true);
 * ```
 *
 * @param body The stream to read; `null` reads as empty.
 * @param options The cap, timeouts and abort signal.
 * @returns The bytes read and whether the body was cut short.
 * @throws {RangeError} When `maxBytes` or `idleTimeoutMs` is invalid.
 */
export function readBody(
  body: ReadableStream<Uint8Array> | null,
  options: ReadBodyOptions,
): Promise<ReadBodyResult> {
  const { maxBytes, idleTimeoutMs } = options ?? {};
  if (
    typeof maxBytes !== "number" || !(maxBytes >= 0) ||
    (!Number.isInteger(maxBytes) && maxBytes !== Infinity)
  ) {
    throw new RangeError(
      `Cannot read body as 'maxBytes' must be a non-negative integer: current value is ${maxBytes}`,
    );
  }
  if (
    idleTimeoutMs !== undefined &&
    (typeof idleTimeoutMs !== "number" || !(idleTimeoutMs > 0))
  ) {
    throw new RangeError(
      `Cannot read body as 'idleTimeoutMs' must be a positive number: current value is ${idleTimeoutMs}`,
    );
  }
  if (body === null) {
    return options.signal?.aborted
      ? Promise.reject(options.signal.reason)
      : Promise.resolve({ bytes: new Uint8Array(0), truncated: false });
  }
  return read(body, options);
}

async function read(
  body: ReadableStream<Uint8Array>,
  options: ReadBodyOptions,
): Promise<ReadBodyResult> {
  const { maxBytes, idleTimeoutMs, signal, onTimeout } = options;
  const clock = options.clock ?? systemClock;
  const reader = body.getReader();
  let failure: { reason: unknown } | undefined;
  const stop = (reason: unknown) => {
    if (failure) return;
    failure = { reason };
    reader.cancel(reason).catch(() => {});
  };
  const onAbort = () => stop(signal!.reason);
  if (signal?.aborted) {
    stop(signal.reason);
    reader.releaseLock();
    throw signal.reason;
  }
  signal?.addEventListener("abort", onAbort, { once: true });

  const watchdog = new AbortController();
  let lastChunkAt = clock.now();
  if (idleTimeoutMs !== undefined && idleTimeoutMs !== Infinity) {
    watch(clock, idleTimeoutMs, () => lastChunkAt, watchdog.signal, () => {
      if (failure) return;
      const err = new IdleTimeoutError(options.url ?? "", idleTimeoutMs);
      failure = { reason: err }; // before onTimeout, which may abort `signal`
      try {
        onTimeout?.();
      } catch { /* the timeout stands */ }
      reader.cancel(err).catch(() => {});
    });
  }

  let buffer: Uint8Array | undefined;
  let length = 0;
  let truncated = false;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (failure) throw failure.reason;
      if (done) break;
      if (value.byteLength === 0) continue;
      lastChunkAt = clock.now();
      options.onChunk?.();
      const room = maxBytes - length;
      const take = Math.min(room, value.byteLength);
      if (take > 0) {
        const chunk = take === value.byteLength
          ? value
          : value.subarray(0, take);
        if (buffer === undefined) {
          buffer = chunk; // adopt the first chunk: copied only if more come
        } else {
          if (buffer.byteLength < length + take) {
            buffer = grow(buffer, length, length + take, maxBytes);
          }
          buffer.set(chunk, length);
        }
        length += take;
      }
      if (take < value.byteLength) {
        truncated = true;
        reader.cancel().catch(() => {});
        break;
      }
    }
  } catch (err) {
    if (failure) throw failure.reason;
    reader.cancel(err).catch(() => {});
    throw err;
  } finally {
    watchdog.abort(STOP);
    signal?.removeEventListener("abort", onAbort);
    reader.releaseLock();
  }
  if (buffer === undefined) return { bytes: new Uint8Array(0), truncated };
  const bytes = length === buffer.byteLength ? buffer : buffer.slice(0, length);
  return { bytes, truncated };
}

/** A bigger buffer (doubling, at most `cap`) holding `buffer`'s first `length` bytes. */
function grow(
  buffer: Uint8Array,
  length: number,
  needed: number,
  cap: number,
): Uint8Array {
  const size = Math.max(
    needed,
    Math.min(cap, Math.max(16_384, buffer.byteLength * 2)),
  );
  const next = new Uint8Array(size);
  next.set(buffer.subarray(0, length));
  return next;
}

/**
 * Calls `fire` once no chunk has arrived for `idleMs`, sleeping once per idle
 * period (re-armed for the remainder when a chunk came meanwhile). Stops
 * silently when `signal` aborts.
 */
function watch(
  clock: Clock,
  idleMs: number,
  lastChunkAt: () => number,
  signal: AbortSignal,
  fire: () => void,
): void {
  (async () => {
    let wait = idleMs;
    for (;;) {
      await clock.sleep(wait, signal);
      const idle = clock.now() - lastChunkAt();
      if (idle >= idleMs) return fire();
      wait = idleMs - idle;
    }
  })().catch(() => {});
}
