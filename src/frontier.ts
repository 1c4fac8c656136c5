/**
 * The frontier: accepts each URL once, keeps a queue per host, and hands
 * URLs to the fetchers through a bounded queue only when their host is ready
 * (a per-host concurrency permit and a per-host rate token).
 *
 * @module
 */
import type { Clock } from "./concurrency/clock.ts";
import { BoundedQueue } from "./concurrency/bounded_queue.ts";
import { KeyedSemaphore } from "./concurrency/keyed_semaphore.ts";
import { KeyedTokenBucket } from "./concurrency/keyed_token_bucket.ts";
import { FingerprintSet } from "./fingerprint_set.ts";

/** A URL waiting in the frontier. */
export interface FrontierEntry {
  /** The URL, in normal form. */
  url: string;
  /** Its `host` (hostname and port): the politeness key. */
  host: string;
  /** Link distance from the seeds. */
  depth: number;
  /** The page that linked here. */
  referrer?: string;
  /** The span of the page that linked here. */
  parentSpanId?: string;
}

/** A URL handed to a fetcher, with its host's concurrency permit. */
export interface ReadyEntry extends FrontierEntry {
  /** Release when the request (and its retries) is over. */
  permit: { release(): void };
}

/** Options of {@linkcode Frontier}. */
export interface FrontierOptions {
  /** Requests in flight to one host. */
  perHostConcurrency: number;
  /** Requests per second to one host (`Infinity` for no limit). */
  perHostRate: number;
  /** URLs accepted at most (the page budget). */
  maxAccepted: number;
  /** Capacity of the hand-off queue to the fetchers. */
  readySize: number;
  /** Time source for the rate limits. */
  clock: Clock;
  /** Runs a per-host pump as a child of the crawl's task group. */
  spawn: (fn: (signal: AbortSignal) => Promise<void>) => void;
}

interface HostQueue {
  entries: FrontierEntry[];
  head: number;
  pumping: boolean;
}

/**
 * Accepts URLs once and releases them host by host as politeness allows.
 *
 * Each host with waiting URLs has one pump task: it takes a permit from the
 * host's semaphore and a token from its bucket, then puts the next URL into
 * {@linkcode Frontier.ready}. A slow or throttled host blocks only its own
 * pump, so other hosts go on at full speed; the bounded `ready` queue makes
 * the pumps wait when the fetchers are busy.
 */
export class Frontier {
  /** URLs ready to fetch, each holding its host's permit. */
  readonly ready: BoundedQueue<ReadyEntry>;
  /** Every URL accepted, as 64-bit fingerprints (see `FingerprintSet`). */
  readonly #seen = new FingerprintSet();
  readonly #hosts = new Map<string, HostQueue>();
  readonly #semaphores: KeyedSemaphore<string>;
  readonly #buckets: KeyedTokenBucket<string>;
  /** Hosts whose rate is limited (by option, Crawl-delay or Retry-After). */
  readonly #limited = new Set<string>();
  /** Hosts paused by `throttle`, until when. */
  readonly #pausedUntil = new Map<string, number>();
  readonly #options: FrontierOptions;
  #waiting = 0;
  #skippedSeen = 0;

  /**
   * Creates an empty frontier.
   *
   * @param options Limits and the spawner for pumps.
   */
  constructor(options: FrontierOptions) {
    this.#options = options;
    this.ready = new BoundedQueue<ReadyEntry>(options.readySize);
    this.#semaphores = new KeyedSemaphore<string>(options.perHostConcurrency);
    this.#buckets = new KeyedTokenBucket<string>({
      rate: Number.isFinite(options.perHostRate) ? options.perHostRate : 1,
      clock: options.clock,
    });
  }

  /** URLs accepted so far. */
  get accepted(): number {
    return this.#seen.size;
  }

  /** Accepted URLs not yet handed to a fetcher. */
  get queued(): number {
    return this.#waiting + this.ready.size;
  }

  /**
   * Whether `url` was already accepted.
   *
   * @param url A URL in normal form.
   * @returns `true` when seen.
   */
  has(url: string): boolean {
    return this.#seen.has(url);
  }

  /**
   * Records `url` as seen without queueing it (for URLs settled without a
   * request); not counted against the budget.
   *
   * @param url A URL in normal form.
   * @returns `true` when it was not seen before.
   */
  markSeen(url: string): boolean {
    if (this.#seen.has(url)) return false;
    this.#seen.add(url);
    this.#skippedSeen++;
    return true;
  }

  /**
   * Accepts `entry` unless its URL was seen or the budget is spent.
   *
   * @param entry The URL and its provenance.
   * @returns `true` when accepted (it will be handed out exactly once).
   */
  add(entry: FrontierEntry): boolean {
    if (this.#seen.has(entry.url)) return false;
    if (this.#seen.size - this.#skippedSeen >= this.#options.maxAccepted) {
      return false;
    }
    this.#seen.add(entry.url);
    let q = this.#hosts.get(entry.host);
    if (!q) {
      q = { entries: [], head: 0, pumping: false };
      this.#hosts.set(entry.host, q);
    }
    q.entries.push(entry);
    this.#waiting++;
    if (!q.pumping) {
      q.pumping = true;
      const host = entry.host;
      const queue = q;
      this.#options.spawn((signal) => this.#pump(host, queue, signal));
    }
    return true;
  }

  /**
   * Lowers a host's request rate (never raises it above the configured rate).
   *
   * @param host The host.
   * @param rate Requests per second.
   */
  limitHost(host: string, rate: number): void {
    const current = this.#rateOf(host);
    if (rate < current) {
      this.#limited.add(host);
      this.#buckets.setRate(host, rate);
    }
  }

  /**
   * Backs off from a host that asked for it (429/503 with `Retry-After`):
   * hands out none of its URLs before clock time `until` and halves its rate
   * (an unlimited host drops to 4 requests per second). A burst of such
   * answers while the host is already paused only extends the pause: it
   * counts once.
   *
   * @param host The host.
   * @param until A clock reading.
   * @param now The current clock reading.
   * @returns The host's new rate when this call lowered it, else `undefined`.
   */
  throttle(host: string, until: number, now: number): number | undefined {
    const paused = this.#pausedUntil.get(host) ?? -Infinity;
    if (paused > now) {
      if (until > paused) {
        this.#pausedUntil.set(host, until);
        this.#buckets.pauseUntil(host, until);
      }
      return undefined;
    }
    if (this.#pausedUntil.size >= 10_000) {
      for (const [h, t] of this.#pausedUntil) {
        if (t <= now) this.#pausedUntil.delete(h);
      }
    }
    this.#pausedUntil.set(host, until);
    const current = this.#rateOf(host);
    const rate = Number.isFinite(current) ? Math.max(current / 2, 0.1) : 4;
    this.#limited.add(host);
    this.#buckets.setRate(host, rate);
    this.#buckets.pauseUntil(host, until);
    return rate;
  }

  /** The host's current rate: its own when limited, else the configured one. */
  #rateOf(host: string): number {
    return this.#limited.has(host)
      ? this.#buckets.rateOf(host)
      : this.#options.perHostRate;
  }

  /** Stops handing out URLs: the fetchers drain `ready` and stop. */
  close(): void {
    this.ready.close();
  }

  async #pump(host: string, q: HostQueue, signal: AbortSignal): Promise<void> {
    try {
      while (q.head < q.entries.length) {
        signal.throwIfAborted();
        const permit = await this.#semaphores.acquire(host, { signal });
        try {
          if (
            this.#limited.has(host) ||
            Number.isFinite(this.#options.perHostRate)
          ) {
            await this.#buckets.take(host, 1, { signal });
          }
          const entry = q.entries[q.head];
          q.entries[q.head++] = undefined!;
          if (q.head > 1024 && q.head * 2 > q.entries.length) {
            q.entries = q.entries.slice(q.head);
            q.head = 0;
          }
          this.#waiting--;
          await this.ready.put({ ...entry, permit }, { signal });
        } catch (err) {
          permit.release();
          throw err;
        }
      }
    } finally {
      q.pumping = false;
      if (q.head >= q.entries.length) this.#hosts.delete(host);
    }
  }
}
