/**
 * The claim loop of the Redis frontier: while fetchers wait in `next`, one
 * task claims ready URLs from Redis for them (as many as wait, a few dozen a
 * round trip at most), and polls when every host with work is busy or
 * paused, sleeping as long as Redis says nothing can be claimed, or backing
 * off while others may add work. A commit or a freed slot wakes it at once.
 *
 * @module
 */
import type { Clock } from "../../concurrency/clock.ts";
import { Waiters } from "../../concurrency/_waiters.ts";
import type { ReadyEntry } from "../store.ts";

/** Entries claimed per round trip, at most. */
const MAX_CLAIM = 32;
/** The longest wait between two claims while others may add work, ms. */
const MAX_POLL_MS = 100;
/** The first wait when every host with work is busy, ms. */
const MIN_POLL_MS = 2;

/** What one claim round trip brought. */
export interface Claimed {
  /** The entries claimed, each holding its host's slot. */
  entries: ReadyEntry[];
  /** Whether work moved (entries claimed or expired leases returned). */
  progress: boolean;
  /** Whether nothing is queued or leased anywhere: the crawl is over. */
  over: boolean;
  /** Ms until something may become claimable, or -1 when unknown. */
  hint: number;
}

/** Claims up to `want` ready entries. */
export type Claim = (want: number, signal: AbortSignal) => Promise<Claimed>;

/**
 * Hands claimed entries to the callers of {@linkcode ClaimLoop.next}, first
 * come first served, keeping the extra ones for the next callers.
 */
export class ClaimLoop {
  readonly #claim: Claim;
  readonly #clock: Clock;
  readonly #waiters = new Waiters<ReadyEntry | undefined>();
  readonly #buffer: ReadyEntry[] = [];
  readonly #stop = new AbortController();
  #started = false;
  #closed = false;
  #over = false;
  #failure: unknown;
  #pump?: Promise<void>;
  #wake?: AbortController;

  /**
   * Creates the loop; it claims nothing before `start`.
   *
   * @param claim One claim round trip.
   * @param clock Paces the polls.
   */
  constructor(claim: Claim, clock: Clock) {
    this.#claim = claim;
    this.#clock = clock;
  }

  /** Entries claimed and not yet handed out. */
  get buffered(): number {
    return this.#buffer.length;
  }

  /** The error that stopped the loop, if any. */
  get failure(): unknown {
    return this.#failure;
  }

  /** Lets claiming start (once the seeds are in). */
  start(): void {
    this.#started = true;
    this.kick();
  }

  /**
   * The next claimed entry, or `undefined` when the crawl is over or the loop
   * closed.
   *
   * @param signal Aborts the wait.
   * @returns The entry.
   */
  next(signal: AbortSignal): Promise<ReadyEntry | undefined> {
    if (signal.aborted) return Promise.reject(signal.reason);
    if (this.#failure !== undefined) return Promise.reject(this.#failure);
    const ready = this.#buffer.shift();
    if (ready) return Promise.resolve(ready);
    if (this.#over || this.#closed) return Promise.resolve(undefined);
    const waiting = this.#waiters.add(undefined, signal);
    this.kick();
    return waiting;
  }

  /** Claims now: starts the loop, or wakes it from its poll. */
  kick(): void {
    if (this.#closed || !this.#started || this.#waiters.size === 0) return;
    if (this.#pump) {
      this.#wake?.abort();
      return;
    }
    this.#pump = this.#run().finally(() => {
      this.#pump = undefined;
      // A waiter may have come while the loop was ending.
      if (this.#waiters.size > 0 && !this.#closed && !this.#over) this.kick();
    });
  }

  /**
   * Fails every waiter and every later `next` with `err` (the first error
   * is kept).
   *
   * @param err The reason.
   */
  fail(err: unknown): void {
    if (this.#failure === undefined) this.#failure = err;
    this.#waiters.rejectAll(() => err);
  }

  /** Stops claiming: waiters get `undefined`, claimed entries are dropped. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#stop.abort();
    this.#waiters.resolveAll(undefined);
    await this.#pump;
    this.#buffer.length = 0;
  }

  #deliver(entry: ReadyEntry | undefined): boolean {
    const waiter = this.#waiters.shift();
    if (!waiter) return false;
    waiter.resolve(entry);
    return true;
  }

  async #run(): Promise<void> {
    let idle = 0;
    try {
      while (this.#waiters.size > 0 && !this.#closed) {
        const want = Math.min(this.#waiters.size, MAX_CLAIM);
        const claimed = await this.#claim(want, this.#stop.signal);
        for (const entry of claimed.entries) {
          if (!this.#deliver(entry)) this.#buffer.push(entry);
        }
        if (claimed.progress) {
          idle = 0;
          continue;
        }
        if (claimed.over) {
          this.#over = true;
          this.#waiters.resolveAll(undefined);
          return;
        }
        const backoff = Math.min(MIN_POLL_MS * 2 ** idle++, MAX_POLL_MS);
        await this.#poll(
          claimed.hint >= 0
            ? Math.min(Math.max(claimed.hint, 1), MAX_POLL_MS)
            : backoff,
        );
      }
    } catch (err) {
      if (this.#closed) return;
      this.fail(err);
    }
  }

  /** Sleeps `ms`, or until `kick` or `close`. */
  async #poll(ms: number): Promise<void> {
    const wake = new AbortController();
    this.#wake = wake;
    try {
      await this.#clock.sleep(
        ms,
        AbortSignal.any([this.#stop.signal, wake.signal]),
      );
    } catch {
      // Woken up, or closed (checked by the loop).
    } finally {
      this.#wake = undefined;
    }
  }
}
