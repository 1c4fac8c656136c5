/**
 * Batches pages for the parse workers, so one message (and one thread
 * wake-up each way) carries several pages when the workers are busy.
 *
 * @module
 */
import type { WorkerPool } from "../concurrency/worker_pool.ts";
import type { Trace } from "../telemetry/trace.ts";
import type { PackedPage, ParseInput } from "./parse_html.ts";
import type { BatchItem, BatchResult } from "./parse_worker.ts";

interface Pending {
  item: BatchItem;
  resolve: (page: PackedPage) => void;
  reject: (reason: unknown) => void;
  signal?: AbortSignal;
  onAbort?: () => void;
}

/**
 * Sends pages to a parse {@linkcode WorkerPool} in batches, without delay:
 * while fewer than `inFlight` batches are out, a page goes at once (alone);
 * while the workers are busy, pages wait here and leave together as soon as
 * a batch comes back. Under load batches grow by themselves; when idle no
 * page waits.
 */
export class ParseBatcher {
  readonly #pool: WorkerPool<BatchItem[], BatchResult[]>;
  readonly #inFlight: number;
  readonly #maxBatch: number;
  #waiting: Pending[] = [];
  #out = 0;

  /**
   * Creates a batcher over a pool running `parse_worker.ts`.
   *
   * @param pool The parse worker pool.
   * @param inFlight Batches out at once (workers × pipeline).
   * @param maxBatch Pages in one batch at most.
   */
  constructor(
    pool: WorkerPool<BatchItem[], BatchResult[]>,
    inFlight: number,
    maxBatch = 16,
  ) {
    this.#pool = pool;
    this.#inFlight = inFlight;
    this.#maxBatch = maxBatch;
  }

  /**
   * Parses one page in a worker; its body is transferred.
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
      const pending: Pending = {
        item: { ...input, trace },
        resolve,
        reject,
        signal,
      };
      if (signal) {
        pending.onAbort = () => {
          const i = this.#waiting.indexOf(pending);
          if (i >= 0) {
            this.#waiting.splice(i, 1);
            reject(signal.reason);
          }
        };
        signal.addEventListener("abort", pending.onAbort, { once: true });
      }
      this.#waiting.push(pending);
      this.#flush();
    });
  }

  #flush(): void {
    while (this.#out < this.#inFlight && this.#waiting.length > 0) {
      const batch = this.#waiting.splice(0, this.#maxBatch);
      this.#out++;
      for (const p of batch) {
        if (p.onAbort) p.signal!.removeEventListener("abort", p.onAbort);
      }
      const items = batch.map((p) => p.item);
      this.#pool.run(items, { transfer: items.map((i) => i.body) }).then(
        (results) => {
          batch.forEach((p, i) => {
            const r = results[i];
            if ("error" in r) {
              const err = new Error(r.error.message);
              err.name = r.error.name;
              p.reject(err);
            } else {
              p.resolve(r);
            }
          });
        },
        (reason) => {
          for (const p of batch) p.reject(reason);
        },
      ).finally(() => {
        this.#out--;
        this.#flush();
      });
    }
  }
}
