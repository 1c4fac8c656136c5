/**
 * The asyncio-style concurrency toolkit trawl is built on, usable on its own.
 *
 * - Structured concurrency: {@linkcode TaskGroup}; context that follows
 *   async work: {@linkcode ContextVar}.
 * - Flow control: {@linkcode BoundedQueue}, {@linkcode PriorityQueue},
 *   {@linkcode Semaphore}, {@linkcode KeyedSemaphore}, {@linkcode Lock},
 *   {@linkcode Event}, {@linkcode Condition}.
 * - Sharing and bounded memory: {@linkcode SingleFlight} (one call in
 *   flight per key), {@linkcode LruMap} (a bounded LRU map with expiry).
 * - Rates and failures: {@linkcode TokenBucket}, {@linkcode KeyedTokenBucket},
 *   {@linkcode CircuitBreaker}, {@linkcode KeyedCircuitBreaker}.
 * - Combinators: {@linkcode asCompleted}, {@linkcode gather}, {@linkcode wait}.
 * - Threads: {@linkcode WorkerPool} and {@linkcode serveWorker}.
 * - Fairness: {@linkcode LoopYield} (gives the event loop a turn in a loop
 *   whose awaits may all resolve at once).
 * - Diagnostics: {@linkcode LoopMonitor}.
 *
 * Every async API takes `{ signal }` and rejects with `signal.reason` when it
 * aborts. Time comes from a {@linkcode Clock}; `FakeClock` from
 * `@trawl/trawl/testing` moves it by hand in tests.
 *
 * @example A task group with a bounded queue
 * ```ts
 * import { BoundedQueue, TaskGroup } from "@trawl/trawl/concurrency";
 *
 * const queue = new BoundedQueue<number>(2);
 * await using group = new TaskGroup();
 * group.spawn(async () => {
 *   for (let i = 0; i < 5; i++) await queue.put(i);
 *   queue.close();
 * });
 * let sum = 0;
 * for await (const n of queue) sum += n;
 * console.log(sum); // 10
 * ```
 *
 * @module
 */
export * from "./as_completed.ts";
export * from "./bounded_queue.ts";
export * from "./circuit_breaker.ts";
export * from "./circuit_open_error.ts";
export * from "./clock.ts";
export * from "./condition.ts";
export * from "./context_var.ts";
export * from "./event.ts";
export * from "./gather.ts";
export * from "./keyed_circuit_breaker.ts";
export * from "./keyed_semaphore.ts";
export * from "./keyed_token_bucket.ts";
export * from "./lock.ts";
export * from "./loop_monitor.ts";
export * from "./loop_yield.ts";
export * from "./lru_map.ts";
export * from "./priority_queue.ts";
export * from "./queue_closed_error.ts";
export * from "./semaphore.ts";
export * from "./serve_worker.ts";
export * from "./single_flight.ts";
export * from "./task_group.ts";
export * from "./timeout_error.ts";
export * from "./token_bucket.ts";
export * from "./wait.ts";
export * from "./worker_error.ts";
export * from "./worker_pool.ts";
