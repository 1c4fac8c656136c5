/**
 * One robots.txt fetch with RFC 9309 semantics: redirects followed by hand
 * and checked hop by hop, the body read up to a size limit, and the answer
 * classified as rules, allow-all or unreachable.
 *
 * @module
 */
import { abortable } from "../concurrency/_abortable.ts";
import { STOP } from "../concurrency/_stop.ts";
import type { Clock } from "../concurrency/clock.ts";
import {
  FetchError,
  HttpError,
  IdleTimeoutError,
  RedirectError,
  RequestTimeoutError,
} from "../fetch/errors.ts";
import { failureText, networkCause } from "../fetch/network_cause.ts";
import { readBody } from "../fetch/read_body.ts";
import { parseRetryAfter } from "../fetch/retry_after.ts";

/** How a robots.txt fetch turned out. */
export type RobotsFetchOutcome =
  /** A 2xx: the (possibly cut) body. */
  | { kind: "rules"; status: number; text: string }
  /** A 4xx other than 429, too many redirects or a redirect loop. */
  | { kind: "allow-all"; status?: number; error?: Error }
  /**
   * A 429, a 5xx, a network error, a timeout, a refused hop or a bad
   * redirect; `retryAfterMs` is a 429 or 503's `Retry-After`.
   */
  | {
    kind: "unreachable";
    status?: number;
    error: Error;
    retryAfterMs?: number;
  };

/** What {@linkcode fetchRobots} needs. */
export interface FetchRobotsOptions {
  /** The `fetch` to use. */
  fetch: typeof fetch;
  /** The request headers, from {@linkcode robotsHeaders}. */
  headers: Headers;
  /** Time source for the timeouts. */
  clock: Clock;
  /** Total time for the fetch, redirects and body included, ms. */
  timeoutMs: number;
  /** The body is abandoned when no bytes arrive for this long, ms. */
  idleTimeoutMs: number;
  /** How much of the decoded body is read. */
  maxBytes: number;
  /** Redirects followed; one more means allow-all. */
  maxRedirects: number;
  /**
   * Called with every URL before it is requested (the first and each
   * redirect target); throwing refuses it, which counts as unreachable.
   *
   * @default {undefined}
   */
  checkUrl?: (url: URL) => void | Promise<void>;
  /**
   * Called before each request is sent (each redirect hop counts).
   *
   * @default {undefined}
   */
  onRequest?: () => void;
  /** Aborts the fetch: the promise rejects with `signal.reason`. */
  signal: AbortSignal;
}

const CREDENTIAL_HEADERS = ["authorization", "proxy-authorization", "cookie"];

/**
 * The headers of a robots.txt request: `headers` without credentials
 * (`Authorization`, `Proxy-Authorization`, `Cookie`), with `userAgent` as
 * `User-Agent` and a plain-text `Accept` unless one is given.
 *
 * @example Usage
 * ```ts
 * import { robotsHeaders } from "./fetch_robots.ts";
 * import assert from "node:assert/strict";
 *
 * const headers = robotsHeaders("trawl/0.1", { cookie: "id=1" });
 * assert.equal(headers.get("user-agent"), "trawl/0.1");
 * assert.equal(headers.has("cookie"), false);
 * ```
 *
 * @param userAgent The User-Agent to send.
 * @param headers Extra request headers.
 * @returns The headers.
 * @throws {TypeError} When `headers` is not valid.
 */
export function robotsHeaders(
  userAgent: string,
  headers?: HeadersInit,
): Headers {
  const result = new Headers(headers);
  for (const name of CREDENTIAL_HEADERS) result.delete(name);
  result.set("user-agent", userAgent);
  if (!result.has("accept")) result.set("accept", "text/plain,*/*;q=0.8");
  return result;
}

/** The state of one fetch: where it is in the redirect chain. */
interface Hops {
  /** The URL first asked for, `/robots.txt` of the origin. */
  readonly first: URL;
  /** The URL being fetched. */
  url: URL;
  /** Every URL asked for so far. */
  readonly chain: string[];
  /** The latest response. */
  response?: Response;
  /** Aborts on the total or the idle timeout. */
  readonly limit: AbortController;
  /** The caller's signal and `limit` together. */
  readonly signal: AbortSignal;
}

/**
 * Fetches `/robots.txt` of `origin`, following redirects by hand (each hop
 * checked with `checkUrl`), and classifies the answer. Failures are
 * outcomes, not rejections.
 *
 * @example Usage
 * ```ts
 * import { fetchRobots, robotsHeaders } from "./fetch_robots.ts";
 * import { systemClock } from "../concurrency/clock.ts";
 * import assert from "node:assert/strict";
 *
 * const outcome = await fetchRobots("https://a.test", {
 *   fetch: () => Promise.resolve(new Response("User-agent: *\nDisallow: /x\n")),
 *   headers: robotsHeaders("trawl/0.1"),
 *   clock: systemClock,
 *   timeoutMs: 30_000,
 *   idleTimeoutMs: 10_000,
 *   maxBytes: 512_000,
 *   maxRedirects: 5,
 *   signal: new AbortController().signal,
 * });
 * assert.equal(outcome.kind, "rules");
 * ```
 *
 * @param origin The origin, e.g. `https://example.com`.
 * @param options The fetch, limits, hop check and signal.
 * @returns How the fetch turned out.
 */
export async function fetchRobots(
  origin: string,
  options: FetchRobotsOptions,
): Promise<RobotsFetchOutcome> {
  const first = new URL("/robots.txt", origin);
  const limit = new AbortController();
  const timer = new AbortController();
  options.clock.sleep(options.timeoutMs, timer.signal).then(
    () => limit.abort(new RequestTimeoutError(first.href, options.timeoutMs)),
    () => {},
  );
  const hops: Hops = {
    first,
    url: first,
    chain: [],
    limit,
    signal: AbortSignal.any([options.signal, limit.signal]),
  };
  try {
    for (;;) {
      const outcome = await fetchHop(hops, options);
      if (outcome !== undefined) return outcome;
    }
  } catch (err) {
    await hops.response?.body?.cancel().catch(() => {});
    if (options.signal.aborted) throw options.signal.reason;
    return failure(err, hops);
  } finally {
    timer.abort(STOP);
  }
}

/** One request of the chain: its outcome, or `undefined` to follow on. */
async function fetchHop(
  hops: Hops,
  options: FetchRobotsOptions,
): Promise<RobotsFetchOutcome | undefined> {
  const { first, url, chain, signal } = hops;
  signal.throwIfAborted();
  if (chain.includes(url.href)) {
    chain.push(url.href);
    return {
      kind: "allow-all",
      error: new RedirectError(first.href, "loop", chain),
    };
  }
  chain.push(url.href);
  try {
    if (options.checkUrl) {
      await abortable(Promise.resolve(options.checkUrl(url)), signal);
    }
  } catch (err) {
    if (options.signal.aborted) throw options.signal.reason;
    return {
      kind: "unreachable",
      error: err instanceof Error
        ? err
        : new FetchError(url.href, `refused: ${String(err)}`),
    };
  }
  signal.throwIfAborted();
  options.onRequest?.();
  const response = hops.response = await request(url, options, signal);
  const status = response.status;
  if (status >= 300 && status < 400) {
    return await redirect(hops, response, options.maxRedirects);
  }
  if (status >= 200 && status < 300) {
    const { bytes, truncated } = await readBody(response.body, {
      maxBytes: options.maxBytes,
      idleTimeoutMs: options.idleTimeoutMs,
      clock: options.clock,
      signal,
      url: url.href,
      onTimeout: () => hops.limit.abort(),
    });
    return { kind: "rules", status, text: decode(bytes, truncated) };
  }
  await response.body?.cancel().catch(() => {});
  if (status >= 400 && status < 500 && status !== 429) {
    return { kind: "allow-all", status };
  }
  return {
    kind: "unreachable",
    status,
    error: new HttpError(url.href, status),
    retryAfterMs: status === 429 || status === 503
      ? retryAfter(response.headers)
      : undefined,
  };
}

/** Sends one request; a late answer after an abort has its body released. */
function request(
  url: URL,
  options: FetchRobotsOptions,
  signal: AbortSignal,
): Promise<Response> {
  const pending = options.fetch(url, {
    method: "GET",
    headers: options.headers,
    redirect: "manual",
    credentials: "omit",
    signal,
  });
  // A fetch that ignores its signal must not outlast the timeout.
  pending.then((r) => {
    if (signal.aborted) r.body?.cancel().catch(() => {});
  }, () => {});
  return abortable(pending, signal);
}

/** Moves `hops` to a redirect's target, or ends the chain with an outcome. */
async function redirect(
  hops: Hops,
  response: Response,
  maxRedirects: number,
): Promise<RobotsFetchOutcome | undefined> {
  const { first, url, chain } = hops;
  const status = response.status;
  await response.body?.cancel().catch(() => {});
  const location = response.headers.get("location");
  if (chain.length > maxRedirects) {
    return {
      kind: "allow-all",
      status,
      error: new RedirectError(first.href, "too-many", chain),
    };
  }
  let next: URL | undefined;
  try {
    if (location !== null) next = new URL(location, url);
  } catch { /* unparseable */ }
  if (!next) {
    return {
      kind: "unreachable",
      status,
      error: new RedirectError(first.href, "bad-location", chain),
    };
  }
  if (next.protocol !== "http:" && next.protocol !== "https:") {
    chain.push(next.href);
    return {
      kind: "unreachable",
      status,
      error: new RedirectError(first.href, "scheme", chain),
    };
  }
  hops.url = next;
  return undefined;
}

/** The outcome of a fetch that threw: a timeout or a network error. */
function failure(err: unknown, hops: Hops): RobotsFetchOutcome {
  const { limit, url } = hops;
  const reason = err instanceof IdleTimeoutError || !limit.signal.aborted
    ? err
    : limit.signal.reason;
  return {
    kind: "unreachable",
    error: reason instanceof Error && reason.name !== "TypeError"
      ? reason
      : networkError(url, reason),
  };
}

/** A failed request's `FetchError`, naming the network failure. */
function networkError(url: URL, reason: unknown): FetchError {
  const named = networkCause(reason);
  return new FetchError(url.href, named?.message ?? failureText(reason), {
    cause: reason,
    kind: named?.kind,
  });
}

/** `Retry-After` in ms, HTTP-dates counted from the response's `Date`. */
function retryAfter(headers: Headers): number | undefined {
  const date = Date.parse(headers.get("date") ?? "");
  return parseRetryAfter(
    headers.get("retry-after"),
    Number.isNaN(date) ? Date.now() : date,
  );
}

/** Decodes UTF-8 (dropping a BOM); a cut body loses its partial last line. */
function decode(bytes: Uint8Array, truncated: boolean): string {
  if (truncated) {
    let end = bytes.length;
    while (end > 0 && bytes[end - 1] !== 0x0a && bytes[end - 1] !== 0x0d) end--;
    bytes = bytes.subarray(0, end);
  }
  return new TextDecoder().decode(bytes);
}
