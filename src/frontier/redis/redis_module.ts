/**
 * The `redis` npm package, loaded the first time a shared crawl connects.
 *
 * The specifier is built at run time, so no module graph of trawl's holds
 * the package: a crawl that never uses Redis never downloads it (Deno
 * downloads every npm package a graph names, literal dynamic imports
 * included). The range is the one in `deno.json`'s `imports` (a test holds
 * them equal).
 *
 * @module
 */

/** The `redis` package's range: the same as `deno.json`'s `imports.redis`. */
export const REDIS_PACKAGE = "npm:redis@^5.12.1";

/** A client of one server: the little of it trawl uses. */
export interface RedisClientLike {
  /** Connects (and authenticates). */
  connect(): Promise<unknown>;
  /** Sends one command with raw arguments. */
  sendCommand(args: unknown[]): Promise<unknown>;
  /** Drops the connection at once. */
  destroy(): void;
  /** Closes once the commands in flight are answered. */
  close(): Promise<unknown>;
  /** Connected and ready for commands. */
  readonly isReady: boolean;
  /** Listens to the client's events. */
  on(event: "error", listener: (err: unknown) => void): unknown;
}

/** A cluster client: the little of it trawl uses. */
export interface RedisClusterLike {
  /** Connects to the root nodes and reads the slot map. */
  connect(): Promise<unknown>;
  /** Sends one command, routed by `key`, following `MOVED`/`ASK`. */
  sendCommand(
    key: string,
    readonly: boolean,
    args: unknown[],
  ): Promise<unknown>;
  /** Drops every connection at once. */
  destroy(): void;
  /** Closes once the commands in flight are answered. */
  close(): Promise<unknown>;
  /** Listens to the client's events. */
  on(event: "error", listener: (err: unknown) => void): unknown;
}

/** What trawl uses of the `redis` package. */
export interface RedisModule {
  /** Makes a client of one server. */
  createClient(options: Record<string, unknown>): RedisClientLike;
  /** Makes a cluster client. */
  createCluster(options: Record<string, unknown>): RedisClusterLike;
  /** The class of error replies (`-ERR …`, `-NOSCRIPT …`, `-WRONGPASS …`). */
  ErrorReply: abstract new (...args: never[]) => Error;
}

let loading: Promise<RedisModule> | undefined;
let loaded: RedisModule | undefined;

/**
 * Loads the `redis` package (once).
 *
 * @example
 * ```ts ignore
 * const { createClient } = await loadRedis();
 * ```
 *
 * @returns The package.
 */
export function loadRedis(): Promise<RedisModule> {
  loading ??= import(String(REDIS_PACKAGE)).then((m: RedisModule) => {
    loaded = m;
    return m;
  });
  return loading;
}

/**
 * Whether `err` is an error reply of the server (false before the package
 * is loaded: nothing could have replied then).
 *
 * @example
 * ```ts
 * import { isErrorReply } from "./redis_module.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(isErrorReply(new Error("x")), false);
 * ```
 *
 * @param err What a command failed with.
 * @returns Whether Redis answered with an error.
 */
export function isErrorReply(err: unknown): err is Error {
  return loaded !== undefined && err instanceof loaded.ErrorReply;
}
