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
import type { Exchange } from "../archive/exchange.ts";
import type { SkipReason } from "../crawler/result.ts";
import { attemptOnce, type AttemptOutcome, isFailure } from "./attempt.ts";
import { IdleTimeoutError, RequestTimeoutError } from "./errors.ts";
import type { BodyRule, Validators } from "./body_rule.ts";
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
  /**
   * An attempt on `host` is over: its final status (0 when no response
   * arrived), the time to its headers (or to the failure) in ms, and
   * whether it timed out. Reported after `onThrottle`.
   */
  onAnswer?(host: string, answer: AttemptAnswer): void;
}

/** How one attempt went, as {@linkcode FetchEvents.onAnswer} reports it. */
export interface AttemptAnswer {
  /** The final status, or 0. */
  status: number;
  /** Time to the response's headers, or to the failure, ms. */
  ms: number;
  /** The attempt ran out of time (total or idle). */
  timedOut: boolean;
}

/** Everything the fetcher needs, resolved from the crawl options. */
export interface FetcherConfig {
  fetch: typeof fetch;
  /** The request method (a link check asks `HEAD` first); `GET` if absent. */
  method?: "GET" | "HEAD";
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
  /**
   * Runs each attempt (a span and a timer around it, with OpenTelemetry on);
   * absent, attempts run as they are.
   */
  aroundAttempt?: AroundAttempt;
}

/**
 * Wraps one attempt: must call `run` once and resolve to what it resolves
 * to.
 *
 * @param url The URL asked for.
 * @param attempt The attempt's number, from 1.
 * @param run The attempt.
 */
export type AroundAttempt = (
  url: string,
  attempt: number,
  run: () => Promise<AttemptOutcome>,
) => Promise<AttemptOutcome>;

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
  /**
   * Which responses have their body read, and how much of it.
   *
   * @default {HTML_BODY} (HTML within `maxBodyBytes`)
   */
  body?: BodyRule;
  /**
   * The validators of the copy the caller has: sent with the URL asked for
   * (not with redirect hops), so an unchanged resource answers `304`.
   *
   * @default {undefined}
   */
  conditional?: Validators;
  /**
   * Receives every exchange of the fetch (each redirect hop and retry), for
   * an archive: each body is then read, up to the body rule's cap,
   * whatever its type or status (the outcome keeps the body only when the
   * rule accepts it).
   *
   * @default {undefined}
   */
  onExchange?: (exchange: Exchange) => void;
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
  /** The body, for a 2xx response the body rule accepts, within the cap. */
  body?: Uint8Array;
  /** The body is only the first bytes of a longer one (`keepTruncated`). */
  truncated?: boolean;
  /** The final response's `ETag`. */
  etag?: string;
  /** The final response's `Last-Modified`. */
  lastModified?: string;
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
  const once = () =>
    attemptOnce(url, config, signal, started, admitted, options);
  const around = config.aroundAttempt;
  let outcome: AttemptOutcome | undefined;
  let circuitWaits = 0;
  for (let n = 1; n <= config.retries + 1;) {
    signal.throwIfAborted();
    const t = config.clock.now();
    const attempt = around ? () => around(url, n, once) : once;
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
    if (!isFailure(outcome) || n > config.retries) {
      answered(config, host, outcome, t, started);
      return outcome;
    }
    const delay = retryDelay(n, outcome, config.backoff);
    if (outcome.retryAfterMs !== undefined) {
      config.events?.onThrottle?.(host, delay, outcome.status);
    }
    answered(config, host, outcome, t, started);
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

/** Tells `events.onAnswer` how an attempt started at `t` went. */
function answered(
  config: FetcherConfig,
  host: string,
  outcome: AttemptOutcome,
  t: number,
  started: number,
): void {
  if (!config.events?.onAnswer || outcome.skipped) return;
  const error = outcome.error;
  const timedOut = error instanceof RequestTimeoutError ||
    error instanceof IdleTimeoutError;
  // ttfb counts from the first attempt; this attempt began at t.
  const ms = outcome.ttfb > 0 && !error
    ? outcome.ttfb - (t - started)
    : config.clock.now() - t;
  config.events.onAnswer(host, { status: outcome.status, ms, timedOut });
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
