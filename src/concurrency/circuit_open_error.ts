/**
 * The error a circuit breaker throws instead of calling through while open.
 *
 * @module
 */

/**
 * Thrown by {@linkcode CircuitBreaker.prototype.run} (and the keyed breaker)
 * while the circuit is open, or half-open with its single trial call already
 * in flight. The call was not made.
 *
 * @example Usage
 * ```ts
 * import { CircuitOpenError } from "@trawl/trawl/concurrency";
 * import assert from "node:assert/strict";
 *
 * const err = new CircuitOpenError(30_000, { key: "example.com" });
 * assert.equal(err.name, "CircuitOpenError");
 * assert.equal(err.retryAt, 30_000);
 * assert.equal(err.key, "example.com");
 * ```
 *
 * @typeParam K The key type of a keyed breaker.
 */
export class CircuitOpenError<K = unknown> extends Error {
  /** Clock time (on the breaker's clock) from which a call may be let through. */
  readonly retryAt: number;
  /** The key (host) whose circuit is open, for a keyed breaker. */
  readonly key: K | undefined;

  /**
   * Creates the error.
   *
   * @param retryAt Clock time from which a call may be let through.
   * @param options The key, and the failure that opened the circuit as `cause`.
   */
  constructor(retryAt: number, options?: { key?: K; cause?: unknown }) {
    const key = options?.key;
    super(
      `Circuit is open${
        key === undefined ? "" : ` for ${String(key)}`
      }: retry at ${retryAt}`,
      options && "cause" in options ? { cause: options.cause } : undefined,
    );
    this.name = "CircuitOpenError";
    this.retryAt = retryAt;
    this.key = key;
  }
}
