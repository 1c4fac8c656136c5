/**
 * One call in flight per key: concurrent callers of a key share it.
 *
 * @module
 */

/** Options for {@linkcode SingleFlight.run}. */
export interface SingleFlightRunOptions {
  /**
   * Stops this caller's wait: its promise rejects with `signal.reason`. The
   * shared call goes on for the other callers, and is aborted when every
   * caller has gone.
   *
   * @default {undefined}
   */
  signal?: AbortSignal;
}

interface Flight<V> {
  /** The shared call's outcome; rejects as soon as `controller` aborts. */
  promise: Promise<V>;
  controller: AbortController;
  /** Callers still waiting (never decremented for callers without a signal). */
  waiters: number;
}

/**
 * Runs at most one call per key at a time: a caller of a key whose call is
 * in flight joins it and gets its result, instead of starting another
 * (Go's `singleflight`). Once the call settles the key is free again, so
 * the next caller starts a new one; caching results is the caller's
 * business.
 *
 * The call gets an `AbortSignal` of its own. Each caller may give up with
 * its own `signal`, which rejects only that caller; when the last caller
 * has gone the call's signal aborts (with that caller's reason) and the key
 * is freed at once. {@linkcode SingleFlight.abort} aborts every call.
 *
 * @example Sharing one lookup between concurrent callers
 * ```ts
 * import { SingleFlight } from "@trawl/trawl/concurrency";
 * import assert from "node:assert/strict";
 *
 * const flights = new SingleFlight<string, string[]>();
 * let lookups = 0;
 * const resolve = (host: string) =>
 *   flights.run(host, async () => {
 *     lookups++;
 *     await Promise.resolve();
 *     return ["93.184.216.34"];
 *   });
 * const answers = await Promise.all([resolve("a.test"), resolve("a.test")]);
 * assert.deepEqual(answers[0], answers[1]);
 * assert.equal(lookups, 1);
 * ```
 *
 * @example A caller that gives up
 * ```ts
 * import { SingleFlight } from "@trawl/trawl/concurrency";
 * import assert from "node:assert/strict";
 *
 * const flights = new SingleFlight<string, number>();
 * const slow = (signal: AbortSignal) =>
 *   new Promise<number>((resolve, reject) => {
 *     const timer = setTimeout(() => resolve(42), 10);
 *     signal.addEventListener("abort", () => {
 *       clearTimeout(timer);
 *       reject(signal.reason);
 *     });
 *   });
 * const patient = flights.run("k", slow);
 * const hasty = flights.run("k", slow, { signal: AbortSignal.timeout(1) });
 * await assert.rejects(hasty, { name: "TimeoutError" });
 * assert.equal(await patient, 42); // the shared call went on
 * ```
 *
 * @typeParam K The type of the keys.
 * @typeParam V The type of the calls' results.
 */
export class SingleFlight<K, V> {
  readonly #flights = new Map<K, Flight<V>>();

  /** How many calls are in flight. */
  get size(): number {
    return this.#flights.size;
  }

  /**
   * Whether a call for `key` is in flight (a {@linkcode SingleFlight.run}
   * of it now would join it).
   *
   * @example Usage
   * ```ts
   * import { SingleFlight } from "@trawl/trawl/concurrency";
   * import assert from "node:assert/strict";
   *
   * const flights = new SingleFlight<string, number>();
   * const done = flights.run("k", () => Promise.resolve(1));
   * assert.equal(flights.has("k"), true);
   * await done;
   * assert.equal(flights.has("k"), false);
   * ```
   *
   * @param key The key.
   * @returns `true` when a call for it is in flight.
   */
  has(key: K): boolean {
    return this.#flights.has(key);
  }

  /**
   * The result of `fn` for `key`: a call already in flight for `key` is
   * joined, else `fn` is called now (synchronously) with the call's own
   * signal. A synchronous throw of `fn` rejects like a rejection.
   *
   * @example Usage
   * ```ts
   * import { SingleFlight } from "@trawl/trawl/concurrency";
   * import assert from "node:assert/strict";
   *
   * const flights = new SingleFlight<string, string>();
   * const body = await flights.run(
   *   "https://example.com/robots.txt",
   *   (signal) => Promise.resolve(signal.aborted ? "" : "User-agent: *"),
   * );
   * assert.equal(body, "User-agent: *");
   * ```
   *
   * @param key The key.
   * @param fn Starts the call; it should stop when its signal aborts.
   * @param options `signal` stops this caller's wait.
   * @returns The call's result; rejects with its error, or with
   * `signal.reason` when `signal` aborts first.
   */
  run(
    key: K,
    fn: (signal: AbortSignal) => Promise<V>,
    options?: SingleFlightRunOptions,
  ): Promise<V> {
    const signal = options?.signal;
    if (signal?.aborted) return Promise.reject(signal.reason);
    const flight = this.#flights.get(key) ?? this.#start(key, fn);
    flight.waiters++;
    if (signal === undefined) return flight.promise;
    return new Promise<V>((resolve, reject) => {
      const onAbort = () => {
        flight.waiters--;
        reject(signal.reason);
        // The last caller gone: stop the call and free the key.
        if (flight.waiters === 0 && this.#flights.get(key) === flight) {
          this.#flights.delete(key);
          flight.controller.abort(signal.reason);
        }
      };
      signal.addEventListener("abort", onAbort, { once: true });
      flight.promise.then(
        (value) => {
          signal.removeEventListener("abort", onAbort);
          resolve(value);
        },
        (error) => {
          signal.removeEventListener("abort", onAbort);
          reject(error);
        },
      );
    });
  }

  /**
   * Aborts every call in flight with `reason`: their callers reject with it
   * at once, and the keys are free.
   *
   * @example Usage
   * ```ts
   * import { SingleFlight } from "@trawl/trawl/concurrency";
   * import assert from "node:assert/strict";
   *
   * const flights = new SingleFlight<string, number>();
   * const never = flights.run("k", () => new Promise<number>(() => {}));
   * flights.abort(new Error("shutting down"));
   * await assert.rejects(never, { message: "shutting down" });
   * ```
   *
   * @param reason Why; by default an `AbortError` `DOMException`.
   */
  abort(reason?: unknown): void {
    const flights = [...this.#flights.values()];
    this.#flights.clear();
    for (const flight of flights) flight.controller.abort(reason);
  }

  #start(key: K, fn: (signal: AbortSignal) => Promise<V>): Flight<V> {
    const controller = new AbortController();
    const { signal } = controller;
    let work: Promise<V>;
    try {
      work = Promise.resolve(fn(signal));
    } catch (error) {
      work = Promise.reject(error);
    }
    const flight: Flight<V> = {
      controller,
      waiters: 0,
      promise: new Promise<V>((resolve, reject) => {
        const onAbort = () => reject(signal.reason);
        signal.addEventListener("abort", onAbort, { once: true });
        // Free the key before the callers hear of the outcome.
        const done = () => {
          signal.removeEventListener("abort", onAbort);
          if (this.#flights.get(key) === flight) this.#flights.delete(key);
        };
        work.then((value) => {
          done();
          resolve(value);
        }, (error) => {
          done();
          reject(error);
        });
      }),
    };
    // Every caller may have gone before it settles: never unhandled.
    flight.promise.catch(() => {});
    this.#flights.set(key, flight);
    return flight;
  }
}
