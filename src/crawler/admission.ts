/**
 * The one check a URL passes before it is requested: in scope, not an
 * internal address, allowed by robots.txt. The crawler asks it for each URL
 * taken from the frontier, and the fetcher for each redirect hop, so every
 * URL is checked once.
 *
 * @module
 */
import type { RobotsCache } from "../robots/robots_cache.ts";
import { unreachableError } from "../robots/robots_policy.ts";
import type { ScopeFilter } from "../guards/scope.ts";
import { SsrfError, type SsrfGuard } from "../guards/ssrf_guard.ts";
import type { CrawlTelemetry } from "../telemetry/crawl_telemetry.ts";
import type { CrawlLog } from "./crawl_log.ts";
import type { SkipReason } from "./result.ts";
import type { RobotsHints } from "./robots_hints.ts";

/** What the admission check says about a URL. */
export type Verdict =
  /** It may be requested. */
  | { admitted: true }
  /**
   * It may not: this is why; `why` says what went wrong when it is a
   * failure (robots.txt unreachable: complete disallow).
   */
  | {
    admitted: false;
    skip: SkipReason;
    why?: { name: string; message: string };
  }
  /**
   * Its host could not be resolved for the SSRF check: neither refused nor
   * admitted. It must be checked again before it is requested (the fetcher
   * does so on each attempt, which retries like a failed request).
   */
  | { admitted: false; error: unknown };

/** The verdicts without data, made once (a crawl checks every URL). */
const ADMITTED: Verdict = Object.freeze({ admitted: true });
const SKIP = Object.freeze({
  "out-of-scope": Object.freeze({ admitted: false, skip: "out-of-scope" }),
  "private-address": Object.freeze({
    admitted: false,
    skip: "private-address",
  }),
  robots: Object.freeze({ admitted: false, skip: "robots" }),
}) satisfies Readonly<Record<string, Verdict>>;

/** What the admission check consults. */
export interface AdmissionOptions {
  /** The crawl's scope and include/exclude filters. */
  scope: ScopeFilter;
  /** Refuses internal addresses; absent with `allowPrivateNetworks`. */
  ssrf?: SsrfGuard;
  /** The robots.txt policies; absent when robots.txt is not respected. */
  robots?: RobotsCache;
  /** Takes sitemaps and `Crawl-delay` from the policy of a page's host. */
  hints?: RobotsHints;
  /** The crawl's log (refusals are warnings). */
  log: CrawlLog;
  /** Puts each robots.txt lookup in a span; absent when OpenTelemetry is off. */
  telemetry?: CrawlTelemetry;
}

/**
 * Admits URLs: scope (for redirect targets: a URL taken from the frontier
 * was checked when it was found, and seeds define the scope), then the SSRF
 * guard, then robots.txt.
 *
 * @example A redirect out of scope
 * ```ts
 * import { Admission } from "./admission.ts";
 * import { CrawlLog } from "./crawl_log.ts";
 * import { ScopeFilter } from "../guards/scope.ts";
 * import assert from "node:assert/strict";
 *
 * const admission = new Admission({
 *   scope: new ScopeFilter(["https://a.test/"]),
 *   log: new CrawlLog(undefined, "info"),
 * });
 * const signal = new AbortController().signal;
 * const hop = new URL("https://b.test/");
 * assert.equal(await admission.admit(hop, 1, signal), "out-of-scope");
 * ```
 */
export class Admission {
  readonly #options: AdmissionOptions;

  /**
   * Creates the check.
   *
   * @param options What it consults.
   */
  constructor(options: AdmissionOptions) {
    this.#options = options;
  }

  /**
   * Checks `url`. A robots.txt refusal wins over a failed resolution, as
   * the host's robots.txt is looked at either way.
   *
   * @param url The URL about to be requested.
   * @param hop 0 for a URL taken from the frontier (its host's robots.txt
   * hints are taken), then its place in the redirect chain.
   * @param signal Cancels the check.
   * @returns The verdict.
   */
  async check(url: URL, hop: number, signal: AbortSignal): Promise<Verdict> {
    const { scope, ssrf, robots, hints, log, telemetry } = this.#options;
    if (hop > 0 && !scope.allows(url)) {
      return SKIP["out-of-scope"];
    }
    let unresolved: { error: unknown } | undefined;
    try {
      await ssrf?.check(url, { signal });
    } catch (err) {
      if (err instanceof SsrfError) {
        if (hop === 0) log.write("warn", err.message, { error: err.name });
        else {
          log.write(
            "warn",
            `refused a redirect to an internal address: ${url.href}`,
          );
        }
        return SKIP["private-address"];
      }
      if (signal.aborted) throw signal.reason;
      unresolved = { error: err };
    }
    if (robots) {
      const policy = telemetry
        ? await telemetry.robots(url, () => robots.get(url, { signal }))
        : await robots.get(url, { signal });
      if (hop === 0) hints?.take(policy, url.host, url.origin);
      if (!policy.isAllowed(url)) {
        const why = unreachableError(policy);
        return why ? { admitted: false, skip: "robots", why } : SKIP.robots;
      }
    }
    return unresolved ? { admitted: false, ...unresolved } : ADMITTED;
  }

  /**
   * Whether {@linkcode Admission.check} will refuse `url` for robots.txt,
   * known without waiting: its host's policy is cached, was read (not
   * assumed after a failed fetch) and disallows it. No request is made for
   * such a URL, so a host's `Crawl-delay` need not be spent on it.
   *
   * @param url A URL taken from the frontier, in normal form.
   * @returns `true` when robots.txt refuses it now.
   */
  refusedByRobots(url: string): boolean {
    const policy = this.#options.robots?.cached(url);
    return policy !== undefined && unreachableError(policy) === undefined &&
      !policy.isAllowed(url);
  }

  /**
   * The fetcher's view of {@linkcode Admission.check}: why `url` may not be
   * requested, or `undefined`; rejects when its host could not be resolved.
   *
   * @param url The URL about to be requested.
   * @param hop Its place in the redirect chain.
   * @param signal Cancels the check.
   * @returns The skip reason, if any.
   */
  admit = async (
    url: URL,
    hop: number,
    signal: AbortSignal,
  ): Promise<SkipReason | undefined> => {
    const verdict = await this.check(url, hop, signal);
    if (verdict.admitted) return undefined;
    if ("skip" in verdict) return verdict.skip;
    throw verdict.error;
  };
}
