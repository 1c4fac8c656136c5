/**
 * Fetching one URL politely and safely: redirects followed by hand with each
 * hop re-checked, total and idle timeouts, a byte cap on the decoded body,
 * retries with back-off that honour `Retry-After`, and a per-host circuit
 * breaker.
 *
 * @module
 */
import { STOP } from "../concurrency/_stop.ts";
import type { Clock } from "../concurrency/clock.ts";
import type { KeyedCircuitBreaker } from "../concurrency/keyed_circuit_breaker.ts";
import { CircuitOpenError } from "../concurrency/circuit_open_error.ts";
import type { SkipReason } from "../crawler/result.ts";
import {
  FetchError,
  IdleTimeoutError,
  RedirectError,
  RequestTimeoutError,
} from "./errors.ts";
import { readBody } from "./read_body.ts";
import { SsrfError, type SsrfGuard } from "../guards/ssrf_guard.ts";
import { backoffDelay, parseRetryAfter } from "./retry_after.ts";

/** Declared body sizes read in one call rather than streamed, bytes. */
const SMALL_BODY = 64 * 1024;
/** A timer firing later than this (ms) means the event loop was blocked. */
const LATE_MS = 25;
/** Headers never sent to an origin other than the seeds'. */
const SENSITIVE_HEADERS = ["authorization", "cookie", "proxy-authorization"];
/** Media types that are parsed for links. */
const HTML_TYPES = new Set(["text/html", "application/xhtml+xml"]);
/** Statuses worth another attempt. */
function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
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
  /** Refuses connections to internal addresses; checked before every request. */
  ssrf?: SsrfGuard;
  /**
   * Checks a redirect hop (scope, robots); returns why it may not be
   * followed, or `undefined` to follow it.
   */
  checkHop?: (url: URL, signal: AbortSignal) => Promise<SkipReason | undefined>;
  /** Told when a host asks to be left alone (429/503 `Retry-After`). */
  onThrottle?: (host: string, ms: number, status: number) => void;
  /** Told before each retry. */
  onRetry?: (
    url: string,
    attempt: number,
    delayMs: number,
    why: string,
  ) => void;
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
 * @param url The URL to fetch, in normal form.
 * @param config The fetcher configuration.
 * @param signal Cancels the fetch.
 * @returns What happened.
 */
export async function fetchUrl(
  url: string,
  config: FetcherConfig,
  signal: AbortSignal,
): Promise<FetchOutcome> {
  const host = new URL(url).host;
  const started = config.clock.now();
  let outcome: AttemptOutcome | undefined;
  let circuitWaits = 0;
  for (let attempt = 1; attempt <= config.retries + 1;) {
    signal.throwIfAborted();
    try {
      outcome = config.breaker
        ? await config.breaker.run(host, async () => {
          const o = await attemptOnce(url, config, signal, started);
          if (isFailure(o)) throw new FailedAttempt(o);
          return o;
        })
        : await attemptOnce(url, config, signal, started);
    } catch (err) {
      if (err instanceof FailedAttempt) {
        outcome = err.outcome;
      } else if (err instanceof CircuitOpenError) {
        // The host is paused: wait for the breaker's cooldown, not counted as an attempt.
        if (++circuitWaits > 5) {
          return {
            status: 0,
            finalUrl: url,
            bytes: 0,
            attempts: attempt - 1,
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
    outcome.attempts = attempt;
    if (!isFailure(outcome) || attempt > config.retries) return outcome;
    let delay = backoffDelay(attempt, config.backoff);
    const retryAfter = outcome.retryAfterMs;
    if (retryAfter !== undefined) {
      delay = Math.min(config.backoff.maxMs, Math.max(delay, retryAfter));
      config.onThrottle?.(host, delay, outcome.status);
    }
    config.onRetry?.(
      url,
      attempt,
      delay,
      outcome.error?.name ?? `HTTP ${outcome.status}`,
    );
    await config.clock.sleep(delay, signal);
    attempt++;
  }
  return outcome!;
}

interface AttemptOutcome extends FetchOutcome {
  retryAfterMs?: number;
}

function isFailure(o: AttemptOutcome): boolean {
  if (o.error) {
    return o.error instanceof FetchError ||
      o.error instanceof RequestTimeoutError ||
      o.error instanceof IdleTimeoutError;
  }
  return isRetryableStatus(o.status);
}

/** One attempt: the whole redirect chain and the body, under one deadline. */
async function attemptOnce(
  url: string,
  config: FetcherConfig,
  parent: AbortSignal,
  started: number,
): Promise<AttemptOutcome> {
  const { clock } = config;
  // One controller for the attempt, aborted by the crawl or by the watchdog.
  const ctl = new AbortController();
  const signal = ctl.signal;
  const onParent = () => ctl.abort(parent.reason);
  parent.addEventListener("abort", onParent, { once: true });
  const chain: string[] = [url];
  let current = new URL(url);
  const watchdog = new Watchdog(
    clock,
    config.timeoutMs,
    config.idleTimeoutMs,
    (idle) =>
      ctl.abort(
        idle
          ? new IdleTimeoutError(current.href, config.idleTimeoutMs)
          : new RequestTimeoutError(url, config.timeoutMs),
      ),
  );
  const base: AttemptOutcome = {
    status: 0,
    finalUrl: url,
    bytes: 0,
    attempts: 1,
    ttfb: 0,
  };
  try {
    for (let hop = 0;; hop++) {
      if (config.ssrf) await config.ssrf.check(current, { signal });
      signal.throwIfAborted();
      const res = await request(current, config, signal);
      watchdog.touch();
      base.ttfb = clock.now() - started;
      base.status = res.status;
      base.finalUrl = current.href;
      if (
        res.status >= 300 && res.status < 400 && res.headers.has("location")
      ) {
        await res.body?.cancel().catch(() => {});
        const location = res.headers.get("location")!;
        let next: URL;
        try {
          next = new URL(location, current);
        } catch {
          return {
            ...base,
            error: new RedirectError(url, "bad-location", chain),
          };
        }
        next.hash = "";
        if (next.protocol !== "http:" && next.protocol !== "https:") {
          return { ...base, error: new RedirectError(url, "scheme", chain) };
        }
        if (chain.includes(next.href)) {
          return {
            ...base,
            error: new RedirectError(url, "loop", [...chain, next.href]),
          };
        }
        if (hop + 1 > config.maxRedirects) {
          return { ...base, error: new RedirectError(url, "too-many", chain) };
        }
        const refusal = await config.checkHop?.(next, signal);
        if (refusal) return { ...base, finalUrl: next.href, skipped: refusal };
        chain.push(next.href);
        current = next;
        continue;
      }
      const typeHeader = res.headers.get("content-type");
      const contentType = typeHeader?.split(";")[0].trim().toLowerCase() ||
        undefined;
      const outcome: AttemptOutcome = {
        ...base,
        contentType,
        contentTypeHeader: typeHeader,
        robotsTag: res.headers.get("x-robots-tag"),
      };
      if (isRetryableStatus(res.status)) {
        outcome.retryAfterMs = parseRetryAfter(res.headers.get("retry-after"));
      }
      if (res.status < 200 || res.status >= 300) {
        await res.body?.cancel().catch(() => {});
        return outcome;
      }
      // A missing Content-Type is sniffed as HTML, as browsers mostly would.
      if (contentType !== undefined && !HTML_TYPES.has(contentType)) {
        await res.body?.cancel().catch(() => {});
        return { ...outcome, skipped: "content-type" };
      }
      // A declared length past the cap of an unencoded body: refuse before
      // reading a byte (an encoded body is judged by its decoded bytes).
      const declared = Number(res.headers.get("content-length") ?? NaN);
      const encoding = res.headers.get("content-encoding");
      if (
        declared > config.maxBodyBytes &&
        (encoding === null || encoding.trim().toLowerCase() === "identity")
      ) {
        await res.body?.cancel().catch(() => {});
        return { ...outcome, skipped: "too-large" };
      }
      // Small declared bodies (most pages) are read in one call, which skips
      // the stream machinery; the watchdog then sees no progress until the
      // end, so such a body must arrive within idleTimeoutMs of the headers.
      if (
        declared <= SMALL_BODY && declared <= config.maxBodyBytes &&
        encoding === null
      ) {
        const bytes = await res.bytes();
        watchdog.touch();
        outcome.bytes = bytes.byteLength;
        outcome.body = bytes;
        return outcome;
      }
      const { bytes, truncated } = await readBody(res.body, {
        maxBytes: config.maxBodyBytes,
        signal,
        clock,
        url: current.href,
        onChunk: watchdog.touch,
      });
      outcome.bytes = bytes.byteLength;
      if (truncated) return { ...outcome, skipped: "too-large" };
      outcome.body = bytes;
      return outcome;
    }
  } catch (err) {
    if (parent.aborted) throw parent.reason;
    if (err instanceof SsrfError) {
      // A refusal, not a failure: not retried, not counted by the breaker.
      return { ...base, finalUrl: current.href, skipped: "private-address" };
    }
    const reason = ctl.signal.aborted ? ctl.signal.reason : err;
    if (
      reason instanceof RequestTimeoutError ||
      reason instanceof IdleTimeoutError
    ) {
      return { ...base, error: reason };
    }
    const message = reason instanceof Error ? reason.message : String(reason);
    return {
      ...base,
      error: new FetchError(current.href, message, { cause: reason }),
    };
  } finally {
    watchdog.stop();
    parent.removeEventListener("abort", onParent);
  }
}

/** One HTTP request (the attempt's watchdog covers the wait for headers). */
function request(
  url: URL,
  config: FetcherConfig,
  signal: AbortSignal,
): Promise<Response> {
  const headers = new Headers(config.headers);
  headers.set("user-agent", config.userAgent);
  if (!headers.has("accept")) {
    headers.set("accept", "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5");
  }
  if (!config.trustedOrigins.has(url.origin)) {
    for (const h of SENSITIVE_HEADERS) headers.delete(h);
  }
  return config.fetch(url, { headers, redirect: "manual", signal });
}

/**
 * One timer per attempt that enforces both the total deadline and the idle
 * limit (no bytes for `idleMs`): it sleeps until the earlier of the two and
 * re-arms when bytes arrived meanwhile, so a fast request costs one timer.
 */
class Watchdog {
  readonly #clock: Clock;
  readonly #deadline: number;
  readonly #idleMs: number;
  readonly #stop = new AbortController();
  #last: number;

  constructor(
    clock: Clock,
    timeoutMs: number,
    idleMs: number,
    fire: (idle: boolean) => void,
  ) {
    this.#clock = clock;
    this.#last = clock.now();
    this.#deadline = this.#last + timeoutMs;
    this.#idleMs = idleMs;
    this.#run(fire).catch(() => {});
  }

  /** Records progress (bytes or headers arrived). */
  touch = (): void => {
    this.#last = this.#clock.now();
  };

  /** Cancels the timer. */
  stop(): void {
    this.#stop.abort(STOP);
  }

  async #run(fire: (idle: boolean) => void): Promise<void> {
    const signal = this.#stop.signal;
    let graced = false;
    for (;;) {
      const now = this.#clock.now();
      if (now >= this.#deadline) return fire(false);
      const idleAt = this.#last + this.#idleMs;
      if (now >= idleAt) return fire(true);
      const wake = Math.min(this.#deadline, idleAt);
      await this.#clock.sleep(wake - now, signal);
      // Woken late, the event loop itself was blocked (a long parse, a busy
      // callback): bytes that arrived meanwhile are not seen yet. Let I/O
      // run once before judging, so a stall of ours is not blamed on the
      // server.
      if (!graced && this.#clock.now() - wake > LATE_MS) {
        graced = true;
        await this.#clock.sleep(1, signal);
      } else {
        graced = false;
      }
    }
  }
}
