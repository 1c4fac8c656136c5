/**
 * The frontier: accepts each URL once, keeps a queue per host, and hands
 * URLs to the fetchers through a bounded queue only when their host is ready
 * (a per-host concurrency permit and a per-host rate token). With a
 * `FrontierJournal` (see `journal.ts`) it is durable and keeps only a window of its
 * queue in memory.
 *
 * @module
 */
import { BoundedQueue } from "../concurrency/bounded_queue.ts";
import { KeyedSemaphore } from "../concurrency/keyed_semaphore.ts";
import { KeyedTokenBucket } from "../concurrency/keyed_token_bucket.ts";
import { QueueClosedError } from "../concurrency/queue_closed_error.ts";
import type { CrawlResult } from "../crawler/result.ts";
import type { FrontierJournal, JournalEntry } from "./journal.ts";
import { optional, POSITIVE_INT } from "../options/validate.ts";
import { STORE_DEFAULTS } from "./defaults.ts";
import { FingerprintSet } from "./fingerprint_set.ts";
import { AutoThrottle } from "./auto_throttle.ts";
import { HostQueue, sameRun } from "./host_queue.ts";
import { HostThrottle, type ThrottleCause } from "./host_throttle.ts";
import type {
  Checkpoints,
  CrawlFrontier,
  FrontierBatch,
  FrontierContext,
  FrontierEntry,
  HostAnswer,
  ReadyEntry,
  RobotsStore,
} from "./store.ts";

export type { FrontierEntry, ReadyEntry } from "./store.ts";
export type { FrontierJournal, JournalEntry, JournalState } from "./journal.ts";

/** Options of {@linkcode Frontier} beyond its context. */
export interface FrontierOptions {
  /** The durable log; without it the frontier lives in memory only. */
  journal?: FrontierJournal;
  /**
   * Queued URLs kept in memory at most when there is a journal (the rest
   * wait on disk and are loaded as the window drains).
   *
   * @default {10000}
   */
  window?: number;
}

/**
 * Accepts URLs once and releases them host by host as politeness allows.
 *
 * Each host with waiting URLs has one pump task: it takes a permit from the
 * host's semaphore and a token from its bucket (none for a URL that
 * `context.requestless` says will be skipped without a request), then puts
 * the next URL into the hand-off queue that `next` reads. A slow or throttled host blocks only
 * its own pump, so other hosts go on at full speed; the bounded hand-off
 * queue makes the pumps wait when the fetchers are busy. The crawl is over
 * when every accepted URL has been committed.
 *
 * @example Hand out the seeds of a crawl
 * ```ts
 * import { Frontier } from "./frontier.ts";
 * import { systemClock } from "@trawl/trawl/concurrency";
 * import type { CrawlStats } from "@trawl/trawl";
 * import assert from "node:assert/strict";
 *
 * const stats = { accepted: 0 } as CrawlStats;
 * const tasks: Promise<void>[] = [];
 * const frontier = new Frontier({
 *   seeds: ["https://example.com/"], settings: {}, mode: "auto",
 *   perHostConcurrency: 1, perHostRate: Infinity, maxAccepted: Infinity,
 *   readySize: 4, clock: systemClock, stats, onLog: () => {},
 *   spawn: (fn) => void tasks.push(fn(new AbortController().signal)),
 * });
 * const signal = new AbortController().signal;
 * const url = "https://example.com/";
 * await frontier.open({ found: [{ url, host: "example.com", depth: 0 }], settled: [] }, signal);
 * const entry = await frontier.next(signal);
 * assert.equal(entry?.url, url);
 * ```
 */
export class Frontier implements CrawlFrontier {
  readonly #ready: BoundedQueue<ReadyEntry>;
  /** Every URL accepted, as 64-bit fingerprints (see `FingerprintSet`). */
  readonly #seen = new FingerprintSet();
  readonly #hosts = new Map<string, HostQueue>();
  readonly #semaphores: KeyedSemaphore<string>;
  readonly #buckets: KeyedTokenBucket<string>;
  /** Hosts whose rate was lowered (Crawl-delay, Retry-After) or paused. */
  readonly #throttle: HostThrottle;
  /** Per-host delays from latency, with `autoThrottle`. */
  readonly #auto?: AutoThrottle;
  readonly #context: FrontierContext;
  readonly #journal?: FrontierJournal;
  readonly #window: number;
  /** URLs accepted against the budget. */
  #accepted = 0;
  /** Accepted URLs not yet committed as done. */
  #outstanding = 0;
  /** Queued URLs in memory, not yet handed out. */
  #waiting = 0;
  /** Queued URLs only on disk (ids above `#loadedThrough`). */
  #spilled = 0;
  #loadedThrough = 0;
  /** The recrawl results are marked with (0: the first crawl). */
  #generation = 0;
  #opened = false;
  #closed = false;

  /**
   * Creates an empty frontier.
   *
   * @param context Limits, the spawner for pumps and the live stats.
   * @param options A journal to make it durable, and its memory window.
   */
  constructor(context: FrontierContext, options: FrontierOptions = {}) {
    if (context.recrawl && !options.journal) {
      throw new TypeError(
        "Cannot recrawl in memory: a recrawl needs a durable store (a SqliteStore)",
      );
    }
    this.#context = context;
    this.#journal = options.journal;
    this.#window = options.journal
      ? optional(
        "create Frontier",
        "window",
        options.window,
        POSITIVE_INT,
        STORE_DEFAULTS.window,
      )
      : Infinity;
    this.#ready = new BoundedQueue<ReadyEntry>(context.readySize);
    this.#semaphores = new KeyedSemaphore<string>(context.perHostConcurrency);
    this.#buckets = new KeyedTokenBucket<string>({
      rate: Number.isFinite(context.perHostRate) ? context.perHostRate : 1,
      clock: context.clock,
    });
    this.#throttle = new HostThrottle(context.perHostRate);
    if (context.autoThrottle) {
      // Never faster than the configured rate.
      this.#auto = new AutoThrottle(
        context.autoThrottle,
        Number.isFinite(context.perHostRate) ? 1000 / context.perHostRate : 0,
      );
    }
  }

  /** URLs accepted so far (against the budget, across runs). */
  get accepted(): number {
    return this.#accepted;
  }

  /** Accepted URLs not yet handed to a fetcher (in memory and on disk). */
  get queued(): number {
    return this.#waiting + this.#spilled + this.#ready.size;
  }

  /** The journal's robots.txt records, if it keeps them. */
  get robots(): RobotsStore | undefined {
    return this.#journal?.robots;
  }

  /** The journal's checkpoints, if it keeps them. */
  get checkpoints(): Checkpoints | undefined {
    return this.#journal?.checkpoints;
  }

  /**
   * Loads the journal's state (if any) and takes the seeds.
   *
   * @param seeds The seeds to queue and the seeds settled without a request.
   * @param _signal Unused: opening is synchronous.
   * @returns The settled seeds not seen before.
   */
  open(seeds: FrontierBatch, _signal: AbortSignal): Promise<CrawlResult[]> {
    if (this.#opened) throw new Error("Cannot open a Frontier twice");
    this.#opened = true;
    if (this.#journal) {
      const state = this.#journal.open(this.#context);
      const restore = this.#context.restore;
      for (const url of state.seen) {
        this.#seen.add(url);
        restore?.(url);
      }
      this.#accepted = state.accepted;
      this.#generation = state.generation ?? 0;
      this.#outstanding = state.pending;
      this.#spilled = state.pending;
      this.#refill();
    }
    const out = this.commit(seeds);
    if (this.#outstanding === 0) this.#ready.close();
    return Promise.resolve(out);
  }

  /**
   * The next URL whose host is ready, holding its host's permit.
   *
   * @param signal Aborts the wait.
   * @returns The entry, or `undefined` when the crawl is over.
   */
  async next(signal: AbortSignal): Promise<ReadyEntry | undefined> {
    try {
      return await this.#ready.get({ signal });
    } catch (err) {
      if (err instanceof QueueClosedError) return undefined;
      throw err;
    }
  }

  /**
   * Whether `url` was already accepted or settled.
   *
   * @param url A URL in normal form.
   * @returns `true` when seen.
   */
  has(url: string): boolean {
    return this.#seen.has(url);
  }

  /**
   * Whether the URL with this fingerprint was seen (see `has`).
   *
   * @param hi The fingerprint's high word (`fingerprint64`).
   * @param lo Its low word.
   * @returns `true` when seen.
   */
  hasFingerprint(hi: number, lo: number): boolean {
    return this.#seen.hasFingerprint(hi, lo);
  }

  /**
   * Records a finished page with what it found; the crawl ends when the last
   * accepted URL is committed. In a recrawl, each result is marked with it
   * (`recrawl`) before it is recorded.
   *
   * @param batch The page's result, the URLs it found, and URLs settled
   * without a request.
   * @returns The results to yield.
   */
  commit(batch: FrontierBatch): CrawlResult[] {
    const out: CrawlResult[] = [];
    this.#acceptAll(batch.found);
    const generation = this.#generation;
    for (const result of batch.settled) {
      if (!this.#seen.add(result.url)) continue;
      this.#context.stats.accepted++;
      if (generation > 0) result.recrawl = generation;
      this.#journal?.done(result);
      out.push(result);
    }
    if (batch.page) {
      const { entry, result } = batch.page;
      if (generation > 0) result.recrawl = generation;
      this.#journal?.done(result, (entry as Partial<JournalEntry>).id);
      out.push(result);
      if (--this.#outstanding === 0) this.#ready.close();
    }
    return out;
  }

  /** Makes every commit so far durable (a no-op in memory). */
  flush(): void {
    this.#journal?.flush();
  }

  /**
   * Lowers a host's request rate (never raises it above the configured rate).
   *
   * @param host The host.
   * @param rate Requests per second.
   */
  limitHost(host: string, rate: number): void {
    if (this.#throttle.limit(host, rate)) this.#applyRate(host);
  }

  /**
   * Takes a host's permit and rate token, as its pump does for a URL, for
   * a request the crawl makes besides its pages (a link check).
   *
   * @param host The host.
   * @param signal Aborts the wait.
   * @returns The permit: release it when the request is over.
   */
  async acquireHost(
    host: string,
    signal: AbortSignal,
  ): Promise<{ release(): void }> {
    const permit = await this.#semaphores.acquire(host, { signal });
    try {
      if (Number.isFinite(this.#rateOf(host))) {
        await this.#buckets.take(host, 1, { signal });
      }
    } catch (err) {
      permit.release();
      throw err;
    }
    return permit;
  }

  /**
   * Counts how a host answered one request: good answers let a throttled
   * host's rate climb back (see `HostThrottle.answered`), and with
   * auto-throttle its latency sets its delay (see `AutoThrottle`).
   *
   * @param host The host.
   * @param answer Whether it answered well, its status and latency (ms).
   * @param now The current clock reading.
   * @returns The host's new rate when it changed, else `undefined`.
   */
  answered(host: string, answer: HostAnswer, now: number): number | undefined {
    const raised = this.#throttle.answered(host, answer.good, now) !==
      undefined;
    const adjusted = this.#auto?.observe(host, answer.ms, answer.status) ??
      false;
    return raised || adjusted ? this.#applyRate(host) : undefined;
  }

  /**
   * Backs off from a host that asked for it (429/503 with `Retry-After`):
   * hands out none of its URLs before clock time `until` and halves its rate
   * (an unlimited host drops to 4 requests per second). A burst of such
   * answers while the host is already paused only extends the pause: it
   * counts once. The rule is `HostThrottle`'s.
   *
   * @param host The host.
   * @param until A clock reading.
   * @param now The current clock reading.
   * @param cause `"timeout"`: halve no lower than half the ceiling.
   * @returns The host's new rate when this call lowered it, else `undefined`.
   */
  throttle(
    host: string,
    until: number,
    now: number,
    cause?: ThrottleCause,
  ): number | undefined {
    const decision = this.#throttle.throttle(host, until, now, cause);
    if (decision.action === "extend") {
      this.#buckets.pauseUntil(host, until);
    } else if (decision.action === "pause") {
      this.#applyRate(host);
      this.#buckets.pauseUntil(host, until);
      return decision.rate;
    }
    return undefined;
  }

  /** The rate a host's pump takes tokens at: the throttle's, or lower. */
  #rateOf(host: string): number {
    const rate = this.#throttle.rateOf(host);
    return this.#auto ? Math.min(rate, this.#auto.rateOf(host)) : rate;
  }

  /** Sets a host's bucket to its rate; returns the rate. */
  #applyRate(host: string): number {
    const rate = this.#rateOf(host);
    if (Number.isFinite(rate)) this.#buckets.setRate(host, rate);
    return rate;
  }

  /** Stops handing out URLs, then flushes and closes the journal. */
  close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      this.#ready.close();
      this.#journal?.close();
    }
    return Promise.resolve();
  }

  /**
   * Accepts what is new of `found`; the URLs that wait in memory go to
   * their hosts' queues in runs (consecutive entries of one host, depth,
   * referrer and span), which are kept compact.
   */
  #acceptAll(found: readonly FrontierEntry[]): void {
    let run: FrontierEntry[] = [];
    for (const entry of found) {
      if (!this.#accept(entry)) continue;
      if (run.length > 0 && !sameRun(run[0], entry)) {
        this.#enqueue(run);
        run = [];
      }
      run.push(entry);
    }
    if (run.length > 0) this.#enqueue(run);
  }

  /** Accepts `entry` if new; `true` when it is to wait in memory. */
  #accept(entry: FrontierEntry): boolean {
    if (this.#seen.has(entry.url)) return false;
    if (this.#accepted >= this.#context.maxAccepted) return false;
    this.#seen.add(entry.url);
    this.#accepted++;
    this.#outstanding++;
    this.#context.stats.accepted++;
    if (this.#journal) {
      const id = this.#journal.queued(entry);
      if (this.#spilled > 0 || this.#waiting >= this.#window) {
        this.#spilled++; // on disk only, loaded in id order later
        return false;
      }
      this.#loadedThrough = id;
      (entry as JournalEntry).id = id;
    }
    return true;
  }

  /** Queues entries of one host (see `sameRun`) and starts its pump. */
  #enqueue(run: FrontierEntry[]): void {
    const host = run[0].host;
    let q = this.#hosts.get(host);
    if (!q) {
      q = new HostQueue();
      this.#hosts.set(host, q);
    }
    q.pushRun(run);
    this.#waiting += run.length;
    if (!q.pumping) {
      q.pumping = true;
      const queue = q;
      this.#context.spawn((signal) => this.#pump(host, queue, signal));
    }
  }

  /** Loads queued URLs from the journal while the window has room. */
  #refill(): void {
    const journal = this.#journal;
    if (!journal || this.#spilled === 0) return;
    if (this.#waiting > this.#window / 2) return;
    const rows = journal.pendingAfter(
      this.#loadedThrough,
      Math.min(this.#spilled, this.#window - this.#waiting),
    );
    if (rows.length === 0) {
      // The journal holds fewer pending URLs than counted: nothing to load.
      this.#outstanding -= this.#spilled;
      this.#spilled = 0;
      if (this.#outstanding === 0) this.#ready.close();
      return;
    }
    for (const row of rows) {
      this.#loadedThrough = row.id;
      this.#spilled--;
      this.#enqueue([row]);
    }
  }

  /** Whether the URL at the head of `q` will be settled without a request. */
  #requestless(q: HostQueue): boolean {
    const requestless = this.#context.requestless;
    if (requestless === undefined) return false;
    const url = q.peekUrl();
    return url !== undefined && requestless(url);
  }

  async #pump(host: string, q: HostQueue, signal: AbortSignal): Promise<void> {
    const clock = this.#context.clock;
    try {
      while (q.length > 0) {
        signal.throwIfAborted();
        const since = clock.now();
        const permit = await this.#semaphores.acquire(host, { signal });
        try {
          const granted = clock.now();
          if (Number.isFinite(this.#rateOf(host)) && !this.#requestless(q)) {
            await this.#buckets.take(host, 1, { signal });
          }
          // The politeness wait, for the page's trace.
          const wait = { since, permit: granted, token: clock.now() };
          const entry = q.shift()!;
          this.#waiting--;
          this.#refill();
          // The entry is the frontier's own (a run's, or one it took in).
          const ready = entry as ReadyEntry;
          ready.permit = permit;
          ready.wait = wait;
          await this.#ready.put(ready, { signal });
        } catch (err) {
          permit.release();
          throw err;
        }
      }
    } catch (err) {
      if (!(err instanceof QueueClosedError)) throw err;
    } finally {
      q.pumping = false;
      if (q.length === 0) this.#hosts.delete(host);
    }
  }
}
