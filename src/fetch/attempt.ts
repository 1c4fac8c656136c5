/**
 * One fetch attempt: the redirect chain followed by hand, each new hop
 * admitted before it is requested, and the body read under the caps, all
 * within one deadline.
 *
 * @module
 */
import { type Exchange, exchangeOf } from "../archive/exchange.ts";
import {
  FetchError,
  IdleTimeoutError,
  RedirectError,
  RequestTimeoutError,
} from "./errors.ts";
import type { FetcherConfig, FetchOptions, FetchOutcome } from "./fetcher.ts";
import { failureText, networkCause } from "./network_cause.ts";
import {
  type BodyRule,
  HTML_BODY,
  setConditional,
  type Validators,
} from "./body_rule.ts";
import { readBody } from "./read_body.ts";
import { parseRetryAfter } from "./retry_after.ts";
import { requestHeaders } from "./request_headers.ts";
import { type Watch, Watchdogs } from "./watchdog.ts";

/** Declared body sizes read in one call rather than streamed, bytes. */
const SMALL_BODY = 64 * 1024;

/**
 * How an attempt reports its exchanges: the headers sent and when, and
 * where each exchange goes.
 */
interface Capture {
  headers: Headers;
  method: string;
  sentAt: number;
  onExchange: (exchange: Exchange) => void;
}

/** What one attempt produced: a fetch outcome and the server's wish to wait. */
export interface AttemptOutcome extends FetchOutcome {
  /** The `Retry-After` of a retryable status, in ms. */
  retryAfterMs?: number;
}

/**
 * Whether a status is worth another attempt.
 *
 * @example
 * ```ts
 * import { isRetryableStatus } from "./attempt.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(isRetryableStatus(503), true);
 * assert.equal(isRetryableStatus(404), false);
 * ```
 *
 * @param status An HTTP status.
 * @returns `true` for 408, 429 and 5xx.
 */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

/**
 * Whether an attempt failed in a way worth retrying (and counted by the
 * circuit breaker): a network error, a timeout, or a retryable status.
 *
 * @example
 * ```ts
 * import { isFailure } from "./attempt.ts";
 * import assert from "node:assert/strict";
 *
 * const base = { finalUrl: "https://a.test/", bytes: 0, attempts: 1, ttfb: 0 };
 * assert.equal(isFailure({ ...base, status: 503 }), true);
 * assert.equal(isFailure({ ...base, status: 200 }), false);
 * ```
 *
 * @param o The attempt's outcome.
 * @returns `true` when it should be retried.
 */
export function isFailure(o: AttemptOutcome): boolean {
  if (o.error) {
    return o.error instanceof FetchError ||
      o.error instanceof RequestTimeoutError ||
      o.error instanceof IdleTimeoutError;
  }
  return isRetryableStatus(o.status);
}

/**
 * One attempt: the whole redirect chain and the body, under one deadline.
 * A URL not in `admitted` is admitted (`config.admit`) before it is
 * requested, and remembered there once it passes, so a retry does not
 * check it again.
 *
 * @example Fetch a page once
 * ```ts
 * import { attemptOnce } from "./attempt.ts";
 * import { FakeClock } from "../concurrency/fake_clock.ts";
 * import assert from "node:assert/strict";
 *
 * const out = await attemptOnce("http://a.test/", {
 *   fetch: () => Promise.resolve(new Response("<p>hi</p>")),
 *   clock: new FakeClock(),
 *   userAgent: "example",
 *   headers: {},
 *   trustedOrigins: new Set(),
 *   timeoutMs: 1000,
 *   idleTimeoutMs: 1000,
 *   maxRedirects: 3,
 *   maxBodyBytes: 1024,
 *   retries: 0,
 *   backoff: { baseMs: 100, maxMs: 1000 },
 * }, new AbortController().signal, 0, new Set(["http://a.test/"]));
 * assert.equal(out.status, 200);
 * ```
 *
 * @param url The URL to fetch.
 * @param config The fetcher configuration.
 * @param parent Cancels the attempt (its reason is rethrown).
 * @param started Clock time the fetch started (for `ttfb`).
 * @param admitted URLs already admitted for this fetch.
 * @param shape The body rule, the validators to send and where exchanges
 * go (see `FetchOptions`).
 * @returns What the attempt produced; rejects only with `parent.reason`.
 */
export async function attemptOnce(
  url: string,
  config: FetcherConfig,
  parent: AbortSignal,
  started: number,
  admitted: Set<string>,
  shape: Pick<FetchOptions, "body" | "conditional" | "onExchange"> = {},
): Promise<AttemptOutcome> {
  // One controller for the attempt, aborted by the crawl or by the watchdog.
  const ctl = new AbortController();
  const signal = ctl.signal;
  const onParent = () => ctl.abort(parent.reason);
  parent.addEventListener("abort", onParent, { once: true });
  const chain: string[] = [url];
  let current = new URL(url);
  const watchdog = Watchdogs.for(config.clock).watch(
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
      if (!admitted.has(current.href)) {
        const refusal = await config.admit?.(current, hop, signal);
        if (refusal) {
          return { ...base, finalUrl: current.href, skipped: refusal };
        }
        admitted.add(current.href);
      }
      signal.throwIfAborted();
      const conditional = hop === 0 ? shape.conditional : undefined;
      const headers = headersFor(current, config, conditional);
      const capture = shape.onExchange && {
        headers,
        method: config.method ?? "GET",
        sentAt: Date.now(),
        onExchange: shape.onExchange,
      };
      const res = await request(current, config, signal, headers);
      watchdog.touch();
      base.ttfb = config.clock.now() - started;
      base.status = res.status;
      base.finalUrl = current.href;
      const reading = {
        config,
        watchdog,
        signal,
        rule: shape.body ?? HTML_BODY,
        capture,
      };
      if (!isRedirect(res)) {
        return await readResponse(res, current, base, reading);
      }
      if (capture) await captured(res, current, reading, capture);
      const next = await nextHop(res, current, chain, config.maxRedirects);
      if (next instanceof RedirectError) return { ...base, error: next };
      chain.push(next.href);
      current = next;
    }
  } catch (err) {
    if (parent.aborted) throw parent.reason;
    return { ...base, error: attemptError(err, signal, current) };
  } finally {
    watchdog.stop();
    parent.removeEventListener("abort", onParent);
  }
}

function isRedirect(res: Response): boolean {
  return res.status >= 300 && res.status < 400 && res.headers.has("location");
}

/**
 * Where a redirect leads, or why it may not be followed: a bad location, a
 * non-http(s) scheme, a loop, or one hop past `maxRedirects`.
 */
async function nextHop(
  res: Response,
  current: URL,
  chain: string[],
  maxRedirects: number,
): Promise<URL | RedirectError> {
  await res.body?.cancel().catch(() => {});
  const first = chain[0];
  let next: URL;
  try {
    next = new URL(res.headers.get("location")!, current);
  } catch {
    return new RedirectError(first, "bad-location", chain);
  }
  next.hash = "";
  if (next.protocol !== "http:" && next.protocol !== "https:") {
    return new RedirectError(first, "scheme", chain);
  }
  if (chain.includes(next.href)) {
    return new RedirectError(first, "loop", [...chain, next.href]);
  }
  if (chain.length > maxRedirects) {
    return new RedirectError(first, "too-many", chain);
  }
  return next;
}

/** How a final response is read. */
interface Reading {
  config: FetcherConfig;
  watchdog: Watch;
  signal: AbortSignal;
  rule: BodyRule;
  /** Reports the exchange, every body read (see `FetchOptions.onExchange`). */
  capture?: Capture;
}

/**
 * The outcome of a final (non-redirect) response: its headers, and its body
 * when it is 2xx, of a type the body rule accepts, within its cap. With a
 * capture, every body is read (up to the cap) and reported.
 */
async function readResponse(
  res: Response,
  current: URL,
  base: AttemptOutcome,
  reading: Reading,
): Promise<AttemptOutcome> {
  const { config, watchdog, signal, rule } = reading;
  const maxBytes = rule.maxBytes ?? config.maxBodyBytes;
  const typeHeader = res.headers.get("content-type");
  const contentType = typeHeader?.split(";")[0].trim().toLowerCase() ||
    undefined;
  const outcome: AttemptOutcome = {
    ...base,
    contentType,
    contentTypeHeader: typeHeader,
    robotsTag: res.headers.get("x-robots-tag"),
    headers: res.headers,
    ...validatorsOf(res.headers),
  };
  if (isRetryableStatus(res.status)) {
    outcome.retryAfterMs = parseRetryAfter(res.headers.get("retry-after"));
  }
  if (reading.capture) {
    const read = await captured(res, current, reading, reading.capture);
    return judged(outcome, read, rule);
  }
  /** The outcome without the body, which is not read. */
  const unread = async (skipped?: "content-type" | "too-large") => {
    await res.body?.cancel().catch(() => {});
    if (skipped) outcome.skipped = skipped;
    return outcome;
  };
  if (res.status < 200 || res.status >= 300) return await unread();
  if (!rule.accepts(contentType)) return await unread("content-type");
  // A declared length past the cap of an unencoded body: refuse before
  // reading a byte (an encoded body is judged by its decoded bytes).
  const declared = Number(res.headers.get("content-length") ?? NaN);
  const encoding = res.headers.get("content-encoding");
  if (
    declared > maxBytes && !rule.keepTruncated &&
    (encoding === null || encoding.trim().toLowerCase() === "identity")
  ) {
    return await unread("too-large");
  }
  // Small declared bodies (most pages) are read in one call, which skips
  // the stream machinery; the watchdog then sees no progress until the
  // end, so such a body must arrive within idleTimeoutMs of the headers.
  if (declared <= SMALL_BODY && declared <= maxBytes && encoding === null) {
    const bytes = await res.bytes();
    watchdog.touch();
    outcome.bytes = bytes.byteLength;
    outcome.body = bytes;
    return outcome;
  }
  const { bytes, truncated } = await readBody(res.body, {
    maxBytes,
    signal,
    clock: config.clock,
    url: current.href,
    onChunk: watchdog.touch,
  });
  outcome.bytes = bytes.byteLength;
  if (truncated && !rule.keepTruncated) {
    outcome.skipped = "too-large";
    return outcome;
  }
  if (truncated) outcome.truncated = true;
  outcome.body = bytes;
  return outcome;
}

/**
 * Reads a body up to the cap and reports the exchange. A small declared
 * body is read in one call, as `readResponse` does.
 *
 * @returns The body read, and whether it was cut.
 */
async function captured(
  res: Response,
  current: URL,
  reading: Reading,
  capture: Capture,
): Promise<{ bytes: Uint8Array; truncated: boolean }> {
  const { config, watchdog, signal, rule } = reading;
  const maxBytes = rule.maxBytes ?? config.maxBodyBytes;
  const declared = Number(res.headers.get("content-length") ?? NaN);
  let read: { bytes: Uint8Array; truncated: boolean };
  if (
    declared <= SMALL_BODY && declared <= maxBytes &&
    res.headers.get("content-encoding") === null
  ) {
    const bytes = await res.bytes();
    watchdog.touch();
    read = bytes.byteLength <= maxBytes
      ? { bytes, truncated: false }
      : { bytes: bytes.subarray(0, maxBytes), truncated: true };
  } else {
    read = await readBody(res.body, {
      maxBytes,
      signal,
      clock: config.clock,
      url: current.href,
      onChunk: watchdog.touch,
    });
  }
  capture.onExchange(exchangeOf({
    url: current,
    headers: capture.headers,
    method: capture.method,
    date: capture.sentAt,
    response: res,
    body: read.bytes,
    truncated: read.truncated,
  }));
  return read;
}

/**
 * The outcome of a body read whole (up to the cap): kept when it is 2xx and
 * of a type the rule accepts. A body past the cap is `too-large` whatever
 * its type (unless the rule keeps cut bodies), since it was read.
 */
function judged(
  outcome: AttemptOutcome,
  read: { bytes: Uint8Array; truncated: boolean },
  rule: BodyRule,
): AttemptOutcome {
  const { bytes, truncated } = read;
  outcome.bytes = bytes.byteLength;
  if (outcome.status < 200 || outcome.status >= 300) return outcome;
  if (truncated && !rule.keepTruncated) {
    outcome.skipped = "too-large";
  } else if (!rule.accepts(outcome.contentType)) {
    outcome.skipped = "content-type";
  } else {
    if (truncated) outcome.truncated = true;
    outcome.body = bytes;
  }
  return outcome;
}

/** A response's `ETag` and `Last-Modified`, the ones it has. */
function validatorsOf(headers: Headers): Validators {
  const etag = headers.get("etag");
  const lastModified = headers.get("last-modified");
  const out: Validators = {};
  if (etag) out.etag = etag;
  if (lastModified) out.lastModified = lastModified;
  return out;
}

/**
 * What a failed attempt reports: its timeout, or a `FetchError` that names
 * the network failure (`connection refused`, `DNS name not found`, …).
 */
function attemptError(err: unknown, signal: AbortSignal, current: URL): Error {
  const reason = signal.aborted ? signal.reason : err;
  if (
    reason instanceof RequestTimeoutError ||
    reason instanceof IdleTimeoutError
  ) {
    return reason;
  }
  if (reason instanceof FetchError) return reason; // from the admission
  const named = networkCause(reason);
  return new FetchError(current.href, named?.message ?? failureText(reason), {
    cause: reason,
    kind: named?.kind,
  });
}

/** The headers of a request to `url`, conditional when validators are given. */
function headersFor(
  url: URL,
  config: FetcherConfig,
  conditional: Validators | undefined,
): Headers {
  const shared = requestHeaders(config, config.trustedOrigins.has(url.origin));
  // A conditional request (a recrawl) adds its validators to a copy.
  const headers = conditional ? new Headers(shared) : shared;
  if (conditional) setConditional(headers, conditional);
  return headers;
}

/** One HTTP request (the attempt's watchdog covers the wait for headers). */
function request(
  url: URL,
  config: FetcherConfig,
  signal: AbortSignal,
  headers: Headers,
): Promise<Response> {
  const method = config.method ?? "GET";
  return config.fetch(url, { method, headers, redirect: "manual", signal });
}
