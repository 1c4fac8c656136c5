/**
 * Fetching one URL politely and safely: redirects followed by hand with each
 * new hop admitted by the caller, total and idle timeouts, a byte cap on the
 * decoded body, retries with back-off that honour `Retry-After`, and a
 * per-host circuit breaker. What happens on the way (a host asking to slow
 * down, a retry) is reported through {@linkcode FetchEvents}; the fetcher
 * decides nothing about other requests.
 *
 * @module
 */
import type { Clock } from "../concurrency/clock.ts";
import type { KeyedCircuitBreaker } from "../concurrency/keyed_circuit_breaker.ts";
import { CircuitOpenError } from "../concurrency/circuit_open_error.ts";
import type { SkipReason } from "../crawler/result.ts";
import { attemptOnce, type AttemptOutcome, isFailure } from "./attempt.ts";
import { backoffDelay } from "./retry_after.ts";

/** Circuit-breaker cooldowns waited for one URL before it is given up. */
const MAX_CIRCUIT_WAITS = 5;

/**
 * Decides whether a URL may be requested: resolves to why not, or to
 * `undefined` to request it. Rejecting counts as a failed attempt (retried,
 * and the URL asked again next time).
 *
 * @param url The URL about to be requested.
 * @param hop Its place in the redirect chain: 0 for the URL asked for.
 * @param signal Cancels the check.
 */
export type Admit = (
  url: URL,
  hop: number,
  signal: AbortSignal,
) => Promise<SkipReason | undefined>;

/**
 * What the fetcher reports while it works; its owner decides what to do
 * about it (pause the host, count the retry, log).
 */
export interface FetchEvents {
  /**
   * A host asked to be left alone (429/503 with `Retry-After`): the fetcher
   * waits `ms` before its next attempt.
   */
  onThrottle?(host: string, ms: number, status: number): void;
  /** Attempt `attempt` of `url` failed (`why`); the next starts in `delayMs`. */
  onRetry?(url: string, attempt: number, delayMs: number, why: string): void;
}

/** Everything the fetcher needs, resolved from the crawl options. */
export interface FetcherConfig {
  fetch: typeof fetch;
  clock: Clock;
  userAgent: string;
  headers: Record<string, string>;
  /** Origins that may receive sensitive headers (the seeds'). */
  trustedOrigins: ReadonlySet<string>;
  timeoutMs: number;
  idleTimeoutMs: number;
  maxRedirects: number;
  maxBodyBytes: number;
  retries: number;
  backoff: { baseMs: number; maxMs: number };
  breaker?: KeyedCircuitBreaker<string>;
  /**
   * Admits each URL before its first request: every redirect target, and
   * the URL asked for unless the caller admitted it (see
   * {@linkcode FetchOptions.admitted}). Each URL is admitted once per
   * fetch, retries included.
   */
  admit?: Admit;
  /** Told about throttling and retries. */
  events?: FetchEvents;
}

/** Options of one {@linkcode fetchUrl} call. */
export interface FetchOptions {
  /** Cancels the fetch. */
  signal: AbortSignal;
  /**
   * Whether the caller already admitted the URL asked for; when `false`,
   * `config.admit` is asked before each attempt until it passes.
   *
   * @default {true}
   */
  admitted?: boolean;
}

/** What fetching one URL produced. */
export interface FetchOutcome {
  /** The final status (0 when no response was received). */
  status: number;
  /** The last URL requested. */
  finalUrl: string;
  /** The media type, lowercased, without parameters. */
  contentType?: string;
  /** The full `Content-Type` header (for the charset). */
  contentTypeHeader?: string | null;
  /** The `X-Robots-Tag` header. */
  robotsTag?: string | null;
  /** The final response's headers. */
  headers?: Headers;
  /** The body, for a 2xx HTML response within the cap. */
  body?: Uint8Array;
  /** Decoded bytes read. */
  bytes: number;
  /** Attempts made. */
  attempts: number;
  /** Milliseconds to the last response's headers, from the start. */
  ttfb: number;
  /** Why the page was not fetched or parsed. */
  skipped?: SkipReason;
  /** What failed. */
  error?: Error;
}

/** A failure outcome, thrown inside the circuit breaker so it counts. */
class FailedAttempt extends Error {
  constructor(readonly outcome: FetchOutcome) {
    super("failed attempt");
  }
}

/**
 * Fetches `url` with redirects, retries, timeouts and caps as configured.
 * Never throws for what the server or network did (that becomes the
 * outcome's `error`); rejects only with `signal.reason` when the crawl is
 * cancelled.
 *
 * @example Fetch a page
 * ```ts
 * import { fetchUrl } from "./fetcher.ts";
 * import { systemClock } from "../concurrency/clock.ts";
 * import assert from "node:assert/strict";
 *
 * const out = await fetchUrl("http://a.test/", {
 *   fetch: () => Promise.resolve(new Response("<title>a</title>")),
 *   clock: systemClock,
 *   userAgent: "example",
 *   headers: {},
 *   trustedOrigins: new Set(["http://a.test"]),
 *   timeoutMs: 1000,
 *   idleTimeoutMs: 1000,
 *   maxRedirects: 3,
 *   maxBodyBytes: 1024,
 *   retries: 0,
 *   backoff: { baseMs: 100, maxMs: 1000 },
 * }, { signal: new AbortController().signal });
 * assert.equal(out.status, 200);
 * ```
 *
 * @param url The URL to fetch, in normal form.
 * @param config The fetcher configuration.
 * @param options The signal, and whether `url` is admitted.
 * @returns What happened.
 */
export async function fetchUrl(
  url: string,
  config: FetcherConfig,
  options: FetchOptions,
): Promise<FetchOutcome> {
  const { signal } = options;
  const host = new URL(url).host;
  const started = config.clock.now();
  const admitted = new Set<string>(options.admitted === false ? [] : [url]);
  const attempt = () => attemptOnce(url, config, signal, started, admitted);
  let outcome: AttemptOutcome | undefined;
  let circuitWaits = 0;
  for (let n = 1; n <= config.retries + 1;) {
    signal.throwIfAborted();
    try {
      outcome = config.breaker
        ? await config.breaker.run(host, async () => {
          const o = await attempt();
          if (isFailure(o)) throw new FailedAttempt(o);
          return o;
        })
        : await attempt();
    } catch (err) {
      if (err instanceof FailedAttempt) {
        outcome = err.outcome;
      } else if (err instanceof CircuitOpenError) {
        // The host is paused: wait for the breaker's cooldown, not counted as an attempt.
        if (++circuitWaits > MAX_CIRCUIT_WAITS) {
          return {
            status: 0,
            finalUrl: url,
            bytes: 0,
            attempts: n - 1,
            ttfb: 0,
            skipped: "circuit-open",
          };
        }
        const wait = Math.max(50, err.retryAt - config.clock.now());
        await config.clock.sleep(wait, signal);
        continue;
      } else {
        throw err; // cancellation
      }
    }
    outcome.attempts = n;
    if (!isFailure(outcome) || n > config.retries) return outcome;
    const delay = retryDelay(n, outcome, config.backoff);
    if (outcome.retryAfterMs !== undefined) {
      config.events?.onThrottle?.(host, delay, outcome.status);
    }
    config.events?.onRetry?.(
      url,
      n,
      delay,
      outcome.error?.name ?? `HTTP ${outcome.status}`,
    );
    await config.clock.sleep(delay, signal);
    n++;
  }
  return outcome!;
}

/**
 * The wait before attempt `n + 1`: the back-off, or the server's
 * `Retry-After` when longer, capped at `backoff.maxMs` either way.
 */
function retryDelay(
  n: number,
  outcome: AttemptOutcome,
  backoff: { baseMs: number; maxMs: number },
): number {
  const delay = backoffDelay(n, backoff);
  const retryAfter = outcome.retryAfterMs;
  if (retryAfter === undefined) return delay;
  return Math.min(backoff.maxMs, Math.max(delay, retryAfter));
}
