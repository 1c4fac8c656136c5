/**
 * Batches pages for the parse workers, so one message (and one thread
 * wake-up each way) carries several pages when the workers are busy.
 *
 * @module
 */
import { STOP } from "../concurrency/_stop.ts";
import type { WorkerPool } from "../concurrency/worker_pool.ts";
import { WorkerPoolClosedError } from "../concurrency/worker_error.ts";
import type { PreparedBlock } from "../archive/prepared_block.ts";
import type { Trace } from "../telemetry/trace.ts";
import { type HookGuard, HookHangError, watchHooks } from "./hook_watchdog.ts";
import type { PackedPage, ParseInput } from "./parse_html.ts";
import type { BatchItem, BatchResult, HookBatch } from "./parse_worker.ts";

/** Times a page is sent again after the worker of its batch died. */
const MAX_RESENDS = 3;

interface Pending {
  item: BatchItem;
  resolve: (page: PackedPage) => void;
  reject: (reason: unknown) => void;
  signal?: AbortSignal;
  onAbort?: () => void;
  resends: number;
}

/** What a batch's worker pool takes. */
export type ParsePool = WorkerPool<BatchItem[] | HookBatch, BatchResult[]>;

/**
 * Why a page failed to parse in the worker, with the page's WARC block when
 * one was asked for: it is made before the parse, so the archive has it
 * even when the body went to the worker.
 */
export type ParseFailure = Error & { warc?: PreparedBlock };

function describe(reason: unknown): string {
  return reason instanceof Error ? reason.message : String(reason);
}

/**
 * Sends pages to a parse {@linkcode WorkerPool} in batches, without delay:
 * while fewer than `inFlight` batches are out, a page goes at once (alone);
 * while the workers are busy, pages wait here and leave together as soon as
 * a batch comes back. Under load batches grow by themselves; when idle no
 * page waits.
 *
 * With a {@linkcode HookGuard} (the crawl has an extraction hook), bodies
 * are copied rather than moved, each batch is watched (see
 * {@linkcode watchHooks}), and when a batch's worker dies or is ended the
 * page whose hook was running gets an `ExtractError` and is parsed again
 * without its hook, while the batch's other pages are parsed again: each
 * page is still answered once.
 */
export class ParseBatcher {
  readonly #pool: ParsePool;
  readonly #inFlight: number;
  readonly #maxBatch: number;
  readonly #guard: HookGuard | undefined;
  #waiting: Pending[] = [];
  #out = 0;

  /**
   * Creates a batcher over a pool running `parse_worker.ts`.
   *
   * @param pool The parse worker pool.
   * @param inFlight Batches out at once (workers × pipeline).
   * @param maxBatch Pages in one batch at most.
   * @param guard With an extraction hook: its time limit and clock.
   */
  constructor(
    pool: ParsePool,
    inFlight: number,
    maxBatch = 16,
    guard?: HookGuard,
  ) {
    this.#pool = pool;
    this.#inFlight = inFlight;
    this.#maxBatch = maxBatch;
    this.#guard = guard;
  }

  /**
   * Parses one page in a worker; its body is transferred (copied with a
   * hook guard).
   *
   * @param input The page.
   * @param trace The request's trace, restored in the worker.
   * @param signal Drops the page if it is still waiting here.
   * @returns The packed page.
   */
  parse(
    input: ParseInput,
    trace: Trace | undefined,
    signal?: AbortSignal,
  ): Promise<PackedPage> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<PackedPage>((resolve, reject) => {
      this.#wait({
        item: { ...input, trace },
        resolve,
        reject,
        signal,
        resends: 0,
      }, false);
      this.#flush();
    });
  }

  /** Puts a page in the waiting line (at its head when sent again). */
  #wait(pending: Pending, first: boolean): void {
    const { signal } = pending;
    if (signal) {
      if (signal.aborted) {
        pending.reject(signal.reason);
        return;
      }
      pending.onAbort = () => {
        const i = this.#waiting.indexOf(pending);
        if (i >= 0) {
          this.#waiting.splice(i, 1);
          pending.reject(signal.reason);
        }
      };
      signal.addEventListener("abort", pending.onAbort, { once: true });
    }
    if (first) this.#waiting.unshift(pending);
    else this.#waiting.push(pending);
  }

  #flush(): void {
    while (this.#out < this.#inFlight && this.#waiting.length > 0) {
      const batch = this.#waiting.splice(0, this.#maxBatch);
      this.#out++;
      for (const p of batch) {
        if (p.onAbort) p.signal!.removeEventListener("abort", p.onAbort);
        p.onAbort = undefined;
      }
      const sent = this.#guard
        ? this.#sendWatched(batch, this.#guard)
        : this.#send(batch);
      sent.finally(() => {
        this.#out--;
        this.#flush();
      });
    }
  }

  async #send(batch: Pending[]): Promise<void> {
    const items = batch.map((p) => p.item);
    try {
      const results = await this.#pool.run(items, {
        transfer: items.map((i) => i.body),
      });
      answer(batch, results);
    } catch (reason) {
      for (const p of batch) p.reject(reason);
    }
  }

  async #sendWatched(batch: Pending[], guard: HookGuard): Promise<void> {
    const items = batch.map((p) => p.item);
    const progress = new Int32Array(new SharedArrayBuffer(4));
    const done = new AbortController();
    const kill = watchHooks(progress, guard, done.signal);
    try {
      const results = await this.#pool.run({ items, progress }, {
        signal: kill,
      });
      answer(batch, results);
    } catch (reason) {
      this.#recover(batch, Atomics.load(progress, 0), reason);
    } finally {
      done.abort(STOP);
    }
  }

  /**
   * After a watched batch's worker died: the page whose hook ran is sent
   * again with its hook marked failed, the others as they were; a page
   * whose parse itself ran gets the error.
   */
  #recover(batch: Pending[], step: number, reason: unknown): void {
    if (reason instanceof WorkerPoolClosedError) {
      for (const p of batch) p.reject(reason);
      return;
    }
    const running = step > 0 ? (step - 1) >> 1 : -1;
    const inHook = step > 0 && step % 2 === 0;
    const again: Pending[] = [];
    batch.forEach((p, i) => {
      if (i === running && !inHook) return p.reject(reason);
      if (i === running && p.item.extract) {
        p.item.extract = {
          ...p.item.extract,
          failed: reason instanceof HookHangError
            ? { reason: "timeout", message: reason.message }
            : {
              reason: "crashed",
              message: `the extract hook ended its worker (${
                describe(reason)
              }); the worker was replaced`,
            },
        };
      }
      if (++p.resends > MAX_RESENDS) return p.reject(reason);
      again.push(p);
    });
    for (let i = again.length - 1; i >= 0; i--) this.#wait(again[i], true);
  }
}

/** Settles each page of a batch with its result. */
function answer(batch: Pending[], results: BatchResult[]): void {
  batch.forEach((p, i) => {
    const r = results[i];
    if ("error" in r) {
      const err: ParseFailure = new Error(r.error.message);
      err.name = r.error.name;
      if (r.warc) err.warc = r.warc;
      p.reject(err);
    } else {
      p.resolve(r);
    }
  });
}
