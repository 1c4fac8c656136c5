/**
 * One fetch attempt: the redirect chain followed by hand, each new hop
 * admitted before it is requested, and the body read under the caps, all
 * within one deadline.
 *
 * @module
 */
import {
  FetchError,
  IdleTimeoutError,
  RedirectError,
  RequestTimeoutError,
} from "./errors.ts";
import type { FetcherConfig, FetchOutcome } from "./fetcher.ts";
import { readBody } from "./read_body.ts";
import { parseRetryAfter } from "./retry_after.ts";
import { Watchdog } from "./watchdog.ts";

/** Declared body sizes read in one call rather than streamed, bytes. */
const SMALL_BODY = 64 * 1024;
/** Headers never sent to an origin other than the seeds'. */
const SENSITIVE_HEADERS = ["authorization", "cookie", "proxy-authorization"];
/** Media types that are parsed for links. */
const HTML_TYPES = new Set(["text/html", "application/xhtml+xml"]);

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
 * @returns What the attempt produced; rejects only with `parent.reason`.
 */
export async function attemptOnce(
  url: string,
  config: FetcherConfig,
  parent: AbortSignal,
  started: number,
  admitted: Set<string>,
): Promise<AttemptOutcome> {
  // One controller for the attempt, aborted by the crawl or by the watchdog.
  const ctl = new AbortController();
  const signal = ctl.signal;
  const onParent = () => ctl.abort(parent.reason);
  parent.addEventListener("abort", onParent, { once: true });
  const chain: string[] = [url];
  let current = new URL(url);
  const watchdog = new Watchdog(
    config.clock,
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
      const res = await request(current, config, signal);
      watchdog.touch();
      base.ttfb = config.clock.now() - started;
      base.status = res.status;
      base.finalUrl = current.href;
      if (!isRedirect(res)) {
        return await readResponse(res, current, base, config, watchdog, signal);
      }
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

/**
 * The outcome of a final (non-redirect) response: its headers, and its body
 * when it is 2xx HTML within `maxBodyBytes`.
 */
async function readResponse(
  res: Response,
  current: URL,
  base: AttemptOutcome,
  config: FetcherConfig,
  watchdog: Watchdog,
  signal: AbortSignal,
): Promise<AttemptOutcome> {
  const typeHeader = res.headers.get("content-type");
  const contentType = typeHeader?.split(";")[0].trim().toLowerCase() ||
    undefined;
  const outcome: AttemptOutcome = {
    ...base,
    contentType,
    contentTypeHeader: typeHeader,
    robotsTag: res.headers.get("x-robots-tag"),
    headers: res.headers,
  };
  if (isRetryableStatus(res.status)) {
    outcome.retryAfterMs = parseRetryAfter(res.headers.get("retry-after"));
  }
  /** The outcome without the body, which is not read. */
  const unread = async (skipped?: "content-type" | "too-large") => {
    await res.body?.cancel().catch(() => {});
    if (skipped) outcome.skipped = skipped;
    return outcome;
  };
  if (res.status < 200 || res.status >= 300) return await unread();
  // A missing Content-Type is sniffed as HTML, as browsers mostly would.
  if (contentType !== undefined && !HTML_TYPES.has(contentType)) {
    return await unread("content-type");
  }
  // A declared length past the cap of an unencoded body: refuse before
  // reading a byte (an encoded body is judged by its decoded bytes).
  const declared = Number(res.headers.get("content-length") ?? NaN);
  const encoding = res.headers.get("content-encoding");
  if (
    declared > config.maxBodyBytes &&
    (encoding === null || encoding.trim().toLowerCase() === "identity")
  ) {
    return await unread("too-large");
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
    clock: config.clock,
    url: current.href,
    onChunk: watchdog.touch,
  });
  outcome.bytes = bytes.byteLength;
  if (truncated) {
    outcome.skipped = "too-large";
    return outcome;
  }
  outcome.body = bytes;
  return outcome;
}

/** What a failed attempt reports: its timeout, or a `FetchError`. */
function attemptError(err: unknown, signal: AbortSignal, current: URL): Error {
  const reason = signal.aborted ? signal.reason : err;
  if (
    reason instanceof RequestTimeoutError ||
    reason instanceof IdleTimeoutError
  ) {
    return reason;
  }
  const message = reason instanceof Error ? reason.message : String(reason);
  return new FetchError(current.href, message, { cause: reason });
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
