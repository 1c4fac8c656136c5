/**
 * The crawler's domain errors. Each carries the URL it concerns. A network
 * failure is named by its cause (`connection refused`, `DNS name not found`,
 * …), dug out of the runtime's `TypeError: fetch failed` by
 * `network_cause.ts`.
 *
 * @module
 */
import type { NetworkFailure } from "./network_cause.ts";

export type { NetworkFailure } from "./network_cause.ts";

/**
 * A request failed: network error, reset, DNS failure.
 *
 * @example Usage
 * ```ts
 * import { FetchError } from "@trawl/trawl";
 *
 * const err = new FetchError("https://example.com/", "connection reset");
 * console.log(err.name, err.url);
 * ```
 */
export class FetchError extends Error {
  /** The URL requested. */
  readonly url: string;
  /** What went wrong, without the URL (`"connection refused"`). */
  readonly reason: string;
  /** The kind of network failure, when it is known. */
  readonly kind?: NetworkFailure;
  /**
   * Creates the error.
   *
   * @param url The URL requested.
   * @param message What went wrong.
   * @param options The underlying error, and the kind of failure if known.
   */
  constructor(
    url: string,
    message: string,
    options?: ErrorOptions & { kind?: NetworkFailure },
  ) {
    super(`${message} (${url})`, options);
    this.name = "FetchError";
    this.url = url;
    this.reason = message;
    if (options?.kind !== undefined) this.kind = options.kind;
  }
}

/**
 * The request took longer than `timeoutMs` in total.
 *
 * @example Usage
 * ```ts
 * import { RequestTimeoutError } from "@trawl/trawl";
 *
 * const err = new RequestTimeoutError("https://example.com/", 30000);
 * console.log(err.name, err.timeoutMs);
 * ```
 */
export class RequestTimeoutError extends Error {
  /** The URL requested. */
  readonly url: string;
  /** The limit that was passed, ms. */
  readonly timeoutMs: number;
  /**
   * Creates the error.
   *
   * @param url The URL requested.
   * @param timeoutMs The limit, ms.
   * @param options The underlying error.
   */
  constructor(url: string, timeoutMs: number, options?: ErrorOptions) {
    super(`Request took longer than ${timeoutMs} ms (${url})`, options);
    this.name = "RequestTimeoutError";
    this.url = url;
    this.timeoutMs = timeoutMs;
  }
}

/**
 * No bytes arrived for `idleTimeoutMs`.
 *
 * @example Usage
 * ```ts
 * import { IdleTimeoutError } from "@trawl/trawl";
 *
 * const err = new IdleTimeoutError("https://example.com/", 10000);
 * console.log(err.name, err.idleTimeoutMs);
 * ```
 */
export class IdleTimeoutError extends Error {
  /** The URL requested. */
  readonly url: string;
  /** The idle limit that was passed, ms. */
  readonly idleTimeoutMs: number;
  /**
   * Creates the error.
   *
   * @param url The URL requested.
   * @param idleTimeoutMs The limit, ms.
   * @param options The underlying error.
   */
  constructor(url: string, idleTimeoutMs: number, options?: ErrorOptions) {
    super(`No bytes received for ${idleTimeoutMs} ms (${url})`, options);
    this.name = "IdleTimeoutError";
    this.url = url;
    this.idleTimeoutMs = idleTimeoutMs;
  }
}

/** Why a redirect chain was not followed to its end. */
export type RedirectProblem = "loop" | "too-many" | "scheme" | "bad-location";

/**
 * A redirect chain looped, ran too long, or pointed somewhere uncrawlable.
 *
 * @example Usage
 * ```ts
 * import { RedirectError } from "@trawl/trawl";
 *
 * const err = new RedirectError("https://example.com/a", "loop", ["https://example.com/a"]);
 * console.log(err.name, err.problem, err.chain);
 * ```
 */
export class RedirectError extends Error {
  /** The URL first requested. */
  readonly url: string;
  /** What was wrong. */
  readonly problem: RedirectProblem;
  /** The URLs visited, in order. */
  readonly chain: string[];
  /**
   * Creates the error.
   *
   * @param url The URL first requested.
   * @param problem What was wrong.
   * @param chain The URLs visited.
   * @param options The underlying error.
   */
  constructor(
    url: string,
    problem: RedirectProblem,
    chain: string[],
    options?: ErrorOptions,
  ) {
    super(`Redirect ${problem} after ${chain.length} hop(s) (${url})`, options);
    this.name = "RedirectError";
    this.url = url;
    this.problem = problem;
    this.chain = chain;
  }
}

/**
 * An HTTP status that is an error for the caller (e.g. robots.txt 5xx).
 *
 * @example Usage
 * ```ts
 * import { HttpError } from "@trawl/trawl";
 *
 * const err = new HttpError("https://example.com/robots.txt", 503);
 * console.log(err.name, err.status);
 * ```
 */
export class HttpError extends Error {
  /** The URL requested. */
  readonly url: string;
  /** The HTTP status. */
  readonly status: number;
  /**
   * Creates the error.
   *
   * @param url The URL requested.
   * @param status The HTTP status.
   * @param options The underlying error.
   */
  constructor(url: string, status: number, options?: ErrorOptions) {
    super(`HTTP ${status} (${url})`, options);
    this.name = "HttpError";
    this.url = url;
    this.status = status;
  }
}
