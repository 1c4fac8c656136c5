/**
 * Hostile servers for the crawler's robustness tests (`hostile_test.ts`) and
 * bench (`bench/hostile_bench.ts`), all on 127.0.0.1:
 *
 * - {@linkcode rawServer}: a TCP listener whose handler writes raw bytes, for
 *   protocol-level abuse (drips, stalls, resets, truncated chunking, broken
 *   status lines, endless bodies) with exact counts of the bytes sent and
 *   whether the client hung up before the end.
 * - For everything that is valid HTTP (redirects, 429/503, bombs, garbage
 *   content), `serve` from `serve.ts`.
 * - {@linkcode zeros} and {@linkcode bomb}: lazily generated bodies (never
 *   materialized) that count what the server produced.
 *
 * Every server closes all its connections and timers when disposed.
 *
 * @module
 */
import { delay } from "../../src/concurrency/clock.ts";

const encoder = new TextEncoder();

/** One accepted TCP connection, handed to a {@linkcode RawHandler}. */
export class RawConnection {
  readonly #conn: Deno.Conn;
  readonly #signal: AbortSignal;
  readonly #record: RawRecord;
  #head?: string;

  /**
   * Wraps an accepted connection.
   *
   * @param conn The connection.
   * @param signal Aborted when the server shuts down.
   * @param record Where counts go.
   */
  constructor(conn: Deno.Conn, signal: AbortSignal, record: RawRecord) {
    this.#conn = conn;
    this.#signal = signal;
    this.#record = record;
  }

  /** Aborted when the server shuts down: handlers pass it to their sleeps. */
  get signal(): AbortSignal {
    return this.#signal;
  }

  /** Bytes written to this connection so far. */
  get sent(): number {
    return this.#record.sent;
  }

  /**
   * Reads the request head (up to the blank line, at most 64 KiB).
   *
   * @returns The request line and headers; `""` when the peer sent nothing.
   */
  async readHead(): Promise<string> {
    if (this.#head !== undefined) return this.#head;
    const buf = new Uint8Array(65536);
    let text = "";
    while (!text.includes("\r\n\r\n") && text.length < 65536) {
      const n = await this.#conn.read(buf);
      if (n === null) break;
      text += new TextDecoder().decode(buf.subarray(0, n));
    }
    this.#head = text.split("\r\n\r\n")[0];
    const [line = "", ...headers] = this.#head.split("\r\n");
    this.#record.path = line.split(" ")[1] ?? "";
    this.#record.host = headers.find((h) => /^host:/i.test(h))?.slice(5)
      .trim() ?? "";
    return this.#head;
  }

  /**
   * Writes all of `data`, counting it in {@linkcode RawConnection.sent}.
   * Rejects once the peer has closed the connection.
   *
   * @param data Bytes or text (UTF-8).
   */
  async write(data: Uint8Array | string): Promise<void> {
    let bytes = typeof data === "string" ? encoder.encode(data) : data;
    while (bytes.byteLength > 0) {
      this.#signal.throwIfAborted();
      const n = await this.#conn.write(bytes);
      this.#record.sent += n;
      bytes = bytes.subarray(n);
    }
  }

  /** Resolves when the peer closes its side (or the server shuts down). */
  async untilClosed(): Promise<void> {
    const buf = new Uint8Array(4096);
    try {
      while (!this.#signal.aborted) {
        if (await this.#conn.read(buf) === null) return;
      }
    } catch {
      // reset or closed by the server: gone either way
    }
  }

  /**
   * Closes abortively: reads one byte of the request and closes with the rest
   * unread, so the kernel answers with a TCP RST instead of a FIN.
   */
  async reset(): Promise<void> {
    await this.#conn.read(new Uint8Array(1));
    this.#record.path = "(reset)";
    this.#conn.close();
  }
}

/** What a raw server recorded about one connection. */
export interface RawRecord {
  /** The request path (empty until the head was read). */
  path: string;
  /** The `Host` header. */
  host: string;
  /** Bytes the handler managed to write. */
  sent: number;
  /** The handler failed to write because the client had hung up. */
  peerClosed: boolean;
  /** `performance.now()` when accepted. */
  time: number;
  /** The handler has returned and the connection is closed. */
  ended: boolean;
}

/** Writes a response on a raw connection; returning closes the connection. */
export type RawHandler = (conn: RawConnection) => Promise<void>;

/** A running raw TCP server. Dispose it in every test. */
export interface RawServer extends AsyncDisposable {
  /** `http://127.0.0.1:PORT`. */
  origin: string;
  /** `http://localhost:PORT` (another crawl host, same server). */
  alt: string;
  /** The port. */
  port: number;
  /** One record per accepted connection, in order. */
  connections: RawRecord[];
  /** Resolves when every handler started so far has returned. */
  settled(): Promise<void>;
}

/**
 * Starts a TCP server on 127.0.0.1 that runs `handler` for each connection
 * and then closes it. Write errors caused by the client hanging up are
 * recorded (`peerClosed`), not thrown.
 *
 * @example Usage
 * ```ts ignore
 * await using srv = rawServer(async (c) => {
 *   await c.readHead();
 *   await c.write("HTTP/1.1 abc OK\r\n\r\n");
 * });
 * ```
 *
 * @param handler Writes the response.
 * @returns The server.
 */
export function rawServer(handler: RawHandler): RawServer {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  const shutdown = new AbortController();
  const open = new Set<Deno.Conn>();
  const tasks = new Set<Promise<void>>();
  const connections: RawRecord[] = [];
  const serveOne = async (conn: Deno.Conn) => {
    const record: RawRecord = {
      path: "",
      host: "",
      sent: 0,
      peerClosed: false,
      time: performance.now(),
      ended: false,
    };
    connections.push(record);
    try {
      await handler(new RawConnection(conn, shutdown.signal, record));
    } catch (err) {
      if (!shutdown.signal.aborted) {
        if (
          err instanceof Deno.errors.BrokenPipe ||
          err instanceof Deno.errors.ConnectionReset ||
          err instanceof Deno.errors.ConnectionAborted ||
          err instanceof Deno.errors.NotConnected
        ) {
          record.peerClosed = true;
        } else if (!(err instanceof Deno.errors.BadResource)) {
          throw err;
        }
      }
    } finally {
      open.delete(conn);
      try {
        conn.close();
      } catch { /* already closed */ }
      record.ended = true;
    }
  };
  const accepting = (async () => {
    try {
      for await (const conn of listener) {
        open.add(conn);
        const task = serveOne(conn);
        tasks.add(task);
        task.finally(() => tasks.delete(task)).catch(() => {});
      }
    } catch {
      // the listener was closed
    }
  })();
  return {
    origin: `http://127.0.0.1:${port}`,
    alt: `http://localhost:${port}`,
    port,
    connections,
    async settled() {
      await Promise.allSettled([...tasks]);
    },
    async [Symbol.asyncDispose]() {
      shutdown.abort(new Error("server shut down"));
      try {
        listener.close();
      } catch { /* closed */ }
      for (const conn of open) {
        try {
          conn.close();
        } catch { /* closed */ }
      }
      await accepting;
      await Promise.allSettled([...tasks]);
    },
  };
}

/**
 * Writes `bytes` bytes of `fill` (default zeros, in 64 KiB writes) until done
 * or the client hangs up (the write then rejects).
 *
 * @param conn The connection.
 * @param bytes How many bytes to send.
 * @param fill The byte value.
 */
export async function writeFiller(
  conn: RawConnection,
  bytes: number,
  fill = 0x20,
): Promise<void> {
  const chunk = new Uint8Array(65536).fill(fill);
  let left = bytes;
  while (left > 0) {
    const n = Math.min(left, chunk.byteLength);
    await conn.write(n === chunk.byteLength ? chunk : chunk.subarray(0, n));
    left -= n;
  }
}

/**
 * Drips `body` one byte every `intervalMs` after the headers (slowloris);
 * stops when the client hangs up or the server shuts down.
 *
 * @param conn The connection.
 * @param head The status line and headers, sent at once.
 * @param body The body to drip.
 * @param intervalMs The pause between bytes, ms.
 */
export async function drip(
  conn: RawConnection,
  head: string,
  body: string,
  intervalMs: number,
): Promise<void> {
  await conn.readHead();
  await conn.write(head);
  for (const byte of encoder.encode(body)) {
    await delay(intervalMs, conn.signal);
    await conn.write(new Uint8Array([byte]));
  }
}

/** Counts what a lazily generated body produced. */
export interface Meter {
  /** Bytes produced (pulled by the server so far). */
  bytes: number;
  /** The consumer cancelled the stream before its end. */
  cancelled: boolean;
}

/**
 * A lazily generated stream of `total` zero bytes (64 KiB chunks, one per
 * pull, one shared buffer), counting what was pulled into `meter`.
 *
 * @param total Bytes in the stream.
 * @param meter Receives the counts.
 * @param fill The byte value.
 * @returns The stream.
 */
export function zeros(
  total: number,
  meter: Meter = { bytes: 0, cancelled: false },
  fill = 0,
): ReadableStream<Uint8Array> {
  const size = 65536;
  return new ReadableStream<Uint8Array>({
    pull(ctl) {
      const left = total - meter.bytes;
      if (left <= 0) return ctl.close();
      const n = Math.min(size, left);
      // A fresh chunk each time: consumers may transfer or keep it.
      ctl.enqueue(new Uint8Array(n).fill(fill));
      meter.bytes += n;
    },
    cancel() {
      meter.cancelled = true;
    },
  }, { highWaterMark: 0 });
}

/**
 * A compression bomb: `decoded` zero bytes compressed on the fly with
 * `CompressionStream(format)`, never materialized. `meter` counts the
 * compressed bytes pulled (what the server sent), `source` the zeros
 * compressed so far.
 *
 * @param format `"gzip"`, `"deflate"` or `"brotli"`.
 * @param decoded Decoded size, bytes.
 * @param meter Counts compressed bytes.
 * @param source Counts zeros consumed.
 * @returns The compressed stream.
 */
export function bomb(
  format: "gzip" | "deflate" | "brotli",
  decoded: number,
  meter: Meter = { bytes: 0, cancelled: false },
  source: Meter = { bytes: 0, cancelled: false },
): ReadableStream<Uint8Array> {
  const compressed = zeros(decoded, source).pipeThrough(
    new CompressionStream(
      format as CompressionFormat,
    ) as unknown as TransformStream<Uint8Array, Uint8Array>,
  );
  const reader = compressed.getReader();
  return new ReadableStream<Uint8Array>({
    async pull(ctl) {
      const { done, value } = await reader.read();
      if (done) return ctl.close();
      meter.bytes += value.byteLength;
      ctl.enqueue(value);
    },
    async cancel(reason) {
      meter.cancelled = true;
      await reader.cancel(reason);
    },
  }, { highWaterMark: 0 });
}

/**
 * Writes `stream` to a raw connection chunk by chunk as it is pulled (so a
 * lazily generated body is only generated as fast as the client takes it),
 * optionally with chunked framing, yielding to the event loop between
 * chunks. Rejects once the client has hung up.
 *
 * @param conn The connection.
 * @param stream The body.
 * @param chunked Frame it as `Transfer-Encoding: chunked`.
 */
export async function writeStream(
  conn: RawConnection,
  stream: ReadableStream<Uint8Array>,
  chunked = false,
): Promise<void> {
  const reader = stream.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (value.byteLength === 0) continue;
      if (chunked) await conn.write(`${value.byteLength.toString(16)}\r\n`);
      await conn.write(value);
      if (chunked) await conn.write("\r\n");
      // Let the rest of the process (the crawler under test shares this
      // thread) run between chunks; without this a compressor that produces
      // tiny chunks starves the event loop for hundreds of milliseconds.
      await delay(0, conn.signal);
    }
    if (chunked) await conn.write("0\r\n\r\n");
  } finally {
    await reader.cancel().catch(() => {});
  }
}
