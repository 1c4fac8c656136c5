/**
 * A Redis connection that rides out outages: every command and script is
 * retried with backoff while Redis is unreachable, and fails with a
 * {@linkcode RedisUnavailableError} once it has been unreachable for longer
 * than a limit.
 *
 * @module
 */
import { createHash } from "node:crypto";
import type { Buffer } from "node:buffer";
import { createClient, ErrorReply } from "redis";
import { type Clock, systemClock } from "../../concurrency/clock.ts";
import type { LogHandler } from "../../telemetry/log.ts";

/** A command argument: text, or bytes (fingerprints). */
export type RedisArg = string | Buffer;

/**
 * The little of a Redis client the store uses: `sendCommand` with raw
 * arguments. A client made with `createClient` from the `redis` package
 * fits; the store never connects or closes a client it was given.
 */
export interface RedisCommandClient {
  /** Sends one command and resolves to its reply. */
  sendCommand(args: RedisArg[]): Promise<unknown>;
}

/**
 * Redis stayed unreachable for longer than the store's `redisTimeoutMs`.
 *
 * @example Usage
 * ```ts
 * import { RedisUnavailableError } from "@trawl/trawl/redis";
 *
 * const err = new RedisUnavailableError("redis://127.0.0.1:6379/0", 60000);
 * console.log(err.name, err.url, err.timeoutMs);
 * ```
 */
export class RedisUnavailableError extends Error {
  /** The server's URL (credentials removed). */
  readonly url: string;
  /** How long it was unreachable before giving up, ms. */
  readonly timeoutMs: number;
  /**
   * Creates the error.
   *
   * @param url The server's URL.
   * @param timeoutMs The limit that was passed, ms.
   * @param options The last connection error.
   */
  constructor(url: string, timeoutMs: number, options?: ErrorOptions) {
    super(
      `Redis at ${url} was unreachable for ${timeoutMs} ms: giving up`,
      options,
    );
    this.name = "RedisUnavailableError";
    this.url = url;
    this.timeoutMs = timeoutMs;
  }
}

/** A Lua script with its SHA-1, run with EVALSHA (EVAL when not cached). */
export interface Script {
  /** The Lua source. */
  readonly source: string;
  /** Its SHA-1, hex. */
  readonly sha: string;
}

/**
 * Prepares a script.
 *
 * @param source The Lua source.
 * @returns The script with its SHA-1.
 */
export function script(source: string): Script {
  return { source, sha: createHash("sha1").update(source).digest("hex") };
}

/** Options of {@linkcode RedisConnection}. */
export interface RedisConnectionOptions {
  /** `redis://HOST:PORT/DB`. */
  url: string;
  /** A client to use instead of connecting to `url` (left open). */
  client?: RedisCommandClient;
  /** How long Redis may be unreachable before calls fail, ms. */
  timeoutMs: number;
  /** Measures the outage and paces the retries. */
  clock?: Clock;
}

/** Server errors worth retrying: the server is starting or busy. */
const TRANSIENT = /^(LOADING|BUSY|MASTERDOWN|TRYAGAIN|CLUSTERDOWN)\b/;

/** The URL without its password, for messages. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.href;
  } catch {
    return url;
  }
}

/**
 * A client plus the retry policy. Internal to the Redis store.
 */
export class RedisConnection {
  readonly #client: RedisCommandClient;
  readonly #owned?: ReturnType<typeof createClient>;
  readonly #url: string;
  readonly #timeoutMs: number;
  readonly #clock: Clock;
  #connecting?: Promise<unknown>;
  #downSince?: number;
  #closed = false;
  /** Receives the outage log records. */
  onLog?: LogHandler;

  /**
   * Creates the connection (connecting lazily on first use).
   *
   * @param options The URL or client, the outage limit and the clock.
   */
  constructor(options: RedisConnectionOptions) {
    this.#url = redactUrl(options.url);
    this.#timeoutMs = options.timeoutMs;
    this.#clock = options.clock ?? systemClock;
    if (options.client) {
      this.#client = options.client;
    } else {
      const owned = createClient({
        url: options.url,
        disableOfflineQueue: true,
        socket: {
          connectTimeout: 5_000,
          reconnectStrategy: (retries: number) =>
            Math.min(20 * 2 ** retries, 500),
        },
      });
      // Errors surface through the commands; the listener keeps the emitter
      // from throwing.
      owned.on("error", () => {});
      this.#owned = owned;
      this.#client = {
        sendCommand: (args) => owned.sendCommand(args),
      };
    }
  }

  /** The server's URL, credentials removed. */
  get url(): string {
    return this.#url;
  }

  /** Whether the last command found Redis unreachable. */
  get down(): boolean {
    return this.#downSince !== undefined;
  }

  /**
   * Sends a command, retrying while Redis is unreachable.
   *
   * @param args The command and its arguments.
   * @param signal Aborts the retries.
   * @returns The reply.
   */
  command(args: RedisArg[], signal?: AbortSignal): Promise<unknown> {
    return this.#retrying(() => this.#client.sendCommand(args), signal);
  }

  /**
   * Runs a script (EVALSHA, falling back to EVAL when the server does not
   * have it, e.g. after a restart), retrying while Redis is unreachable.
   *
   * @param s The script.
   * @param args Its ARGV (no KEYS).
   * @param signal Aborts the retries.
   * @returns The script's reply.
   */
  run(s: Script, args: RedisArg[], signal?: AbortSignal): Promise<unknown> {
    return this.#retrying(async () => {
      try {
        return await this.#client.sendCommand(["EVALSHA", s.sha, "0", ...args]);
      } catch (err) {
        if (err instanceof ErrorReply && err.message.startsWith("NOSCRIPT")) {
          return await this.#client.sendCommand([
            "EVAL",
            s.source,
            "0",
            ...args,
          ]);
        }
        throw err;
      }
    }, signal);
  }

  async #retrying<T>(fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    for (let attempt = 0;; attempt++) {
      signal?.throwIfAborted();
      if (this.#closed) throw new Error("The Redis connection is closed");
      if (this.#owned && !this.#connecting) {
        this.#connecting = this.#owned.connect().catch(() => {});
      }
      try {
        const reply = await fn();
        if (this.#downSince !== undefined) {
          this.#downSince = undefined;
          this.#log("info", `Redis at ${this.#url} is reachable again`);
        }
        return reply;
      } catch (err) {
        if (err instanceof ErrorReply && !TRANSIENT.test(err.message)) {
          throw err;
        }
        if (this.#closed) throw err;
        const now = this.#clock.now();
        if (this.#downSince === undefined) {
          this.#downSince = now;
          this.#log(
            "warn",
            `Redis at ${this.#url} is unreachable (${
              (err as Error)?.message
            }): pausing and retrying for up to ${this.#timeoutMs} ms`,
          );
        }
        const left = this.#downSince + this.#timeoutMs - now;
        if (left <= 0) {
          throw new RedisUnavailableError(this.#url, this.#timeoutMs, {
            cause: err,
          });
        }
        await this.#clock.sleep(
          Math.min(10 * 2 ** Math.min(attempt, 10), 1_000, left),
          signal,
        );
      }
    }
  }

  #log(level: "info" | "warn", message: string): void {
    this.onLog?.({ level, message, time: Date.now(), url: this.#url });
  }

  /** Closes the client it made (a given client is left open). */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#owned) {
      try {
        if (this.#owned.isReady) await this.#owned.close();
        else this.#owned.destroy();
      } catch {
        this.#owned.destroy();
      }
      await this.#connecting;
    }
  }
}
