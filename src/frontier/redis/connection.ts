/**
 * A Redis connection that rides out outages. Every command has a deadline:
 * a server that takes the connection but does not answer (a stopped
 * process, a network black hole) is treated like one that is gone. While
 * Redis is unreachable or silent, commands pause and retry with backoff (the
 * connection is dropped and made again), saying so once; once Redis has
 * been away longer than a limit they fail with a
 * {@linkcode RedisUnavailableError}. Wrong settings (password, database,
 * TLS, a port that is not Redis) fail at once with a `RedisConfigError`, and
 * a crawl the server lost with a `CrawlLostError`.
 *
 * Retrying is safe because every command and script the store sends is
 * idempotent or carries a token (see `scripts.ts`).
 *
 * @module
 */
import { createHash } from "node:crypto";
import { isErrorReply } from "./redis_module.ts";
import { type Clock, systemClock } from "../../concurrency/clock.ts";
import type { LogHandler } from "../../telemetry/log.ts";
import { classify, NoAnswerError, probeError } from "./classify.ts";
import type { RedisEndpoint } from "./endpoint.ts";
import { formatWait, RedisUnavailableError } from "./errors.ts";
import {
  givenLink,
  type Link,
  openLink,
  type RedisArg,
  type RedisCommandClient,
  type RedisTlsOptions,
} from "./link.ts";
import { probeServer } from "./probe.ts";

export type { RedisArg, RedisCommandClient, RedisTlsOptions };
export { RedisUnavailableError };

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
  /** The server or cluster. */
  endpoint: RedisEndpoint;
  /** A client to use instead of connecting (left open, never dropped). */
  client?: RedisCommandClient;
  /** TLS settings, with `rediss://`. */
  tls?: RedisTlsOptions;
  /** How long Redis may be unreachable before calls fail, ms. */
  timeoutMs: number;
  /** How long one attempt (connecting, or a command) may take, ms. */
  commandTimeoutMs: number;
  /** A key of the crawl: a cluster routes every command by it. */
  key: string;
  /** The crawl's name, for messages. */
  crawl: string;
  /** Measures the outage, paces the retries and times the deadlines. */
  clock?: Clock;
}

/**
 * A connection plus the retry policy. Internal to the Redis store.
 */
export class RedisConnection {
  readonly #endpoint: RedisEndpoint;
  readonly #given?: Link;
  readonly #tls: RedisTlsOptions;
  readonly #timeoutMs: number;
  readonly #deadlineMs: number;
  readonly #key: string;
  readonly #crawl: string;
  readonly #clock: Clock;
  /** The link being made or in use. */
  #link?: Promise<Link>;
  /** Links dropped because Redis did not answer. */
  readonly #silenced = new WeakSet<Link>();
  /** Whether Redis ever answered. */
  #answered = false;
  #probe?: Promise<void>;
  #downSince?: number;
  #silent = false;
  #closed = false;
  /** Receives the outage log records. */
  onLog?: LogHandler;

  /**
   * Creates the connection (connecting lazily on first use).
   *
   * @param options The server or client, the limits and the clock.
   */
  constructor(options: RedisConnectionOptions) {
    this.#endpoint = options.endpoint;
    this.#given = options.client && givenLink(options.client);
    this.#tls = options.tls ?? {};
    this.#timeoutMs = options.timeoutMs;
    this.#deadlineMs = options.commandTimeoutMs;
    this.#key = options.key;
    this.#crawl = options.crawl;
    this.#clock = options.clock ?? systemClock;
  }

  /** The server's URL, credentials removed. */
  get url(): string {
    return this.#endpoint.redacted;
  }

  /** The server as `host:port` (a cluster: its nodes). */
  get address(): string {
    return this.#endpoint.address;
  }

  /** Whether the last command found Redis unreachable. */
  get down(): boolean {
    return this.#downSince !== undefined;
  }

  /**
   * Sends a command, retrying while Redis is unreachable or silent.
   *
   * @param args The command and its arguments.
   * @param signal Stops the retries (an attempt under way runs to its
   * deadline).
   * @param key A key of the command's slot, when not the crawl's own: a
   * cluster routes the command by it.
   * @returns The reply.
   */
  command(
    args: RedisArg[],
    signal?: AbortSignal,
    key: string = this.#key,
  ): Promise<unknown> {
    return this.#retrying((link) => link.send(key, args), signal);
  }

  /**
   * Runs a script (EVALSHA, falling back to EVAL when the server does not
   * have it, e.g. after a restart), with one key (the crawl's, or a slot's:
   * a cluster routes the script by it), retrying while Redis is unreachable
   * or silent.
   *
   * @param s The script.
   * @param args Its ARGV.
   * @param signal Stops the retries.
   * @param key The key of the slot the script works in.
   * @returns The script's reply.
   */
  run(
    s: Script,
    args: RedisArg[],
    signal?: AbortSignal,
    key: string = this.#key,
  ): Promise<unknown> {
    return this.#retrying(async (link) => {
      try {
        return await link.send(key, ["EVALSHA", s.sha, "1", key, ...args]);
      } catch (err) {
        if (isErrorReply(err) && err.message.startsWith("NOSCRIPT")) {
          return await link.send(key, ["EVAL", s.source, "1", key, ...args]);
        }
        throw err;
      }
    }, signal);
  }

  async #retrying<T>(
    fn: (link: Link) => Promise<T>,
    signal?: AbortSignal,
  ): Promise<T> {
    for (let attempt = 0;; attempt++) {
      signal?.throwIfAborted();
      if (this.#closed) throw new Error("The Redis connection is closed");
      let link: Link | undefined;
      try {
        link = await this.#connected();
        const reply = await this.#deadline(fn(link), link);
        this.#recovered();
        return reply;
      } catch (err) {
        if (this.#closed) throw err;
        const failure = classify(err, this.#endpoint, this.#crawl);
        const silent = failure.silent ||
          (link !== undefined && this.#silenced.has(link));
        if (failure.connection && !failure.refused && !this.#answered) {
          await this.#diagnose(err);
        }
        if (failure.connection && link) this.#drop(link);
        const left = this.#outage(err, silent);
        if (left <= 0) {
          throw new RedisUnavailableError(this.url, this.#timeoutMs, {
            cause: err,
            address: this.address,
            silent: this.#silent,
          });
        }
        await this.#clock.sleep(
          Math.min(10 * 2 ** Math.min(attempt, 10), 1_000, left),
          signal,
        );
      }
    }
  }

  /** The link in use, made when there is none. */
  #connected(): Promise<Link> {
    if (this.#given) return Promise.resolve(this.#given);
    if (this.#link) return this.#link;
    const { link, ready } = openLink(
      this.#endpoint,
      this.#tls,
      this.#deadlineMs,
    );
    const made = this.#deadline(ready, link).then(() => link, (err) => {
      if (this.#link === made) this.#link = undefined;
      link.destroy();
      throw err;
    });
    this.#link = made;
    return made;
  }

  /**
   * `work`, unless the deadline passes first: then Redis counts as silent
   * (said before the link is dropped, which fails the other commands on it)
   * and the link is dropped.
   */
  async #deadline<T>(work: Promise<T>, link: Link): Promise<T> {
    const timer = new AbortController();
    let late = false;
    const deadline = this.#clock.sleep(this.#deadlineMs, timer.signal).then(
      () => {
        late = true;
      },
      () => {},
    );
    try {
      const reply = await Promise.race([work, deadline]);
      if (!late) return reply as T;
    } finally {
      timer.abort();
    }
    work.catch(() => {});
    const err = new NoAnswerError(this.#deadlineMs);
    this.#outage(err, true);
    this.#silenced.add(link);
    this.#drop(link);
    throw err;
  }

  /** Drops `link` if it is the one in use. */
  #drop(link: Link): void {
    if (link === this.#given) return;
    const current = this.#link;
    if (current) {
      current.then((l) => {
        if (l === link && this.#link === current) this.#link = undefined;
      }, () => {});
    }
    link.destroy();
  }

  /**
   * Probes the server once, before it ever answered, to tell a wrong
   * setting (TLS against a plain port, a port that is not Redis) from an
   * outage; throws the setting's error.
   */
  async #diagnose(err: unknown): Promise<void> {
    if (this.#given) return;
    this.#probe ??= probeServer(
      this.#endpoint.nodes[0],
      Math.min(this.#deadlineMs, 2_000),
    ).then((probe) => {
      const wrong = probeError(probe, this.#endpoint, err);
      if (wrong) throw wrong;
    });
    await this.#probe;
  }

  /**
   * Records a failed attempt: the first of an outage is logged. Returns how
   * long the outage may last yet, ms.
   */
  #outage(err: unknown, silent: boolean): number {
    const now = this.#clock.now();
    if (this.#downSince === undefined) {
      this.#downSince = now;
      this.#silent = silent;
      const limit = formatWait(this.#timeoutMs);
      this.#log(
        "warn",
        silent
          ? `Redis at ${this.address} did not answer within ${
            formatWait(this.#deadlineMs)
          }: pausing and retrying for up to ${limit}`
          : `Redis at ${this.address} is unreachable (${
            (err as Error)?.message
          }): pausing and retrying for up to ${limit}`,
      );
    } else if (silent) {
      this.#silent = true;
    }
    return this.#downSince + this.#timeoutMs - now;
  }

  #recovered(): void {
    this.#answered = true;
    if (this.#downSince === undefined) return;
    const away = this.#clock.now() - this.#downSince;
    this.#downSince = undefined;
    this.#silent = false;
    this.#log(
      "info",
      `Redis at ${this.address} is reachable again after ${formatWait(away)}`,
    );
  }

  #log(level: "info" | "warn", message: string): void {
    this.onLog?.({ level, message, time: Date.now() });
  }

  /**
   * Closes the link it made (a given client is left open): at once when
   * Redis is away, else once the commands in flight are answered (at most a
   * deadline).
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const made = this.#link;
    this.#link = undefined;
    if (!made) return;
    let link: Link;
    try {
      link = await made;
    } catch {
      return;
    }
    if (this.down) return link.destroy();
    const timer = new AbortController();
    try {
      await Promise.race([
        link.close().catch(() => {}),
        this.#clock.sleep(this.#deadlineMs, timer.signal).catch(() => {}),
      ]);
    } finally {
      timer.abort();
      link.destroy();
    }
  }
}
