/**
 * One request for a reference the crawl does not fetch (an image, a page of
 * another site, a link the crawl does not follow): `HEAD`, then `GET` when
 * the server refuses `HEAD` (405, 501, or a dropped connection), through the
 * crawl's fetcher (redirects checked hop by hop, timeouts, retries that
 * honour `Retry-After`), the host's politeness slot and its robots.txt.
 * A host that cannot be reached at all (refused, name not found, timeout,
 * TLS) is remembered: each later reference to it is broken with the same
 * cause, without another request.
 *
 * @module
 */
import { FetchError } from "../fetch/errors.ts";
import {
  type FetcherConfig,
  type FetchOutcome,
  fetchUrl,
} from "../fetch/fetcher.ts";
import { failureReason, isHostUnreachable } from "../fetch/network_cause.ts";
import type { RobotsCache } from "../robots/robots_cache.ts";
import { unreachableError } from "../robots/robots_policy.ts";
import type { ErrorSummary, LinkVerdict } from "./link_book.ts";
import { accepts, type StatusRange } from "./status_ranges.ts";

/** What a {@linkcode ReferenceProbe} works with. */
export interface ReferenceProbeOptions {
  /**
   * The crawl's fetcher configuration; its `admit` must run the SSRF guard
   * (and robots.txt) on every redirect hop.
   */
  fetcher: FetcherConfig;
  /** Takes the host's politeness slot for one request. */
  slot: (host: string, signal: AbortSignal) => Promise<{ release(): void }>;
  /** The statuses that count as fine. */
  accept: readonly StatusRange[];
  /** robots.txt, when it is respected. */
  robots?: RobotsCache;
}

/**
 * Checks references one request each (two when `HEAD` is refused).
 *
 * @example Usage
 * ```ts ignore
 * const probe = new ReferenceProbe({ fetcher, slot, accept: [{ from: 200, to: 299 }] });
 * const verdict = await probe.check("https://other.test/logo.png", signal);
 * ```
 */
export class ReferenceProbe {
  readonly #o: ReferenceProbeOptions;
  /** Hosts that cannot be reached: why. */
  readonly #down = new Map<string, { name: string; reason: string }>();
  #requests = 0;

  /**
   * Creates the probe.
   *
   * @param options The fetcher, the politeness slot, the accepted statuses
   * and robots.txt.
   */
  constructor(options: ReferenceProbeOptions) {
    this.#o = options;
  }

  /** Requests sent (`HEAD` and `GET`, not counting retries). */
  get requests(): number {
    return this.#requests;
  }

  /**
   * Checks `url`.
   *
   * @param url An http(s) URL in normal form.
   * @param signal Cancels the check (it then rejects with the reason).
   * @returns The verdict.
   */
  async check(url: string, signal: AbortSignal): Promise<LinkVerdict> {
    const host = new URL(url).host;
    const down = this.#down.get(host);
    if (down) return this.#hostDown(url, down);
    const refusal = await this.#robots(url, host, signal);
    if (refusal) return refusal;
    let out = await this.#request(url, host, "HEAD", signal);
    if (headRefused(out)) out = await this.#request(url, host, "GET", signal);
    return this.#verdict(url, host, out);
  }

  /** robots.txt's verdict, when it refuses `url` or its host is down. */
  async #robots(
    url: string,
    host: string,
    signal: AbortSignal,
  ): Promise<LinkVerdict | undefined> {
    const robots = this.#o.robots;
    if (!robots) return undefined;
    const policy = await robots.get(url, { signal });
    if (policy.isAllowed(url)) return undefined;
    const why = unreachableError(policy);
    if (why && policy.reason && isHostUnreachable(policy.reason)) {
      // robots.txt could not be fetched because the host is down.
      const down = { name: policy.error!.name, reason: policy.reason };
      this.#down.set(host, down);
      return this.#hostDown(url, down);
    }
    return {
      kind: "skipped",
      reason: "robots",
      ...(why ? { error: why } : {}),
    };
  }

  async #request(
    url: string,
    host: string,
    method: "HEAD" | "GET",
    signal: AbortSignal,
  ): Promise<FetchOutcome> {
    using _slot = toDisposable(await this.#o.slot(host, signal));
    this.#requests++;
    return await fetchUrl(url, { ...this.#o.fetcher, method }, {
      signal,
      admitted: false,
    });
  }

  #verdict(url: string, host: string, out: FetchOutcome): LinkVerdict {
    if (out.skipped === "robots" || out.skipped === "private-address") {
      return { kind: "skipped", reason: out.skipped };
    }
    if (out.skipped === "circuit-open") {
      return {
        kind: "broken",
        status: out.status,
        error: {
          name: "CircuitOpenError",
          message: `host kept failing (${url})`,
        },
      };
    }
    if (out.error) {
      const error = out.error;
      if (isHostDown(error)) {
        this.#down.set(host, {
          name: error.name,
          reason: failureReason(error),
        });
      }
      return { kind: "broken", status: out.status, error: summary(error) };
    }
    return accepts(this.#o.accept, out.status)
      ? { kind: "ok" }
      : { kind: "broken", status: out.status };
  }

  #hostDown(url: string, down: { name: string; reason: string }): LinkVerdict {
    return {
      kind: "broken",
      status: 0,
      error: { name: down.name, message: `${down.reason} (${url})` },
    };
  }
}

/** Whether a `HEAD` answer means "ask again with `GET`". */
function headRefused(out: FetchOutcome): boolean {
  if (out.status === 405 || out.status === 501) return true;
  const kind = out.error instanceof FetchError ? out.error.kind : undefined;
  return kind === "connection-closed" || kind === "connection-reset";
}

/** Whether an error says the whole host cannot be reached. */
function isHostDown(error: Error): boolean {
  return (error instanceof FetchError ||
    error.name === "RequestTimeoutError") &&
    isHostUnreachable(failureReason(error));
}

function summary(error: Error): ErrorSummary {
  return { name: error.name, message: error.message };
}

function toDisposable(permit: { release(): void }): Disposable {
  return { [Symbol.dispose]: () => permit.release() };
}
