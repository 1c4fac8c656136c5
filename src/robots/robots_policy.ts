/**
 * The robots.txt verdict for one origin, as the robots cache hands it out.
 *
 * @module
 */
import type { RobotsTxt } from "./robots_txt.ts";

/** How an origin's robots.txt fetch turned out. */
export type RobotsOutcome = "rules" | "allow-all" | "disallow-all";

/** The robots.txt verdict for one origin. */
export interface RobotsPolicy {
  /** The origin, e.g. `https://example.com` (default ports omitted). */
  readonly origin: string;
  /**
   * `rules`: a 2xx body was parsed. `allow-all`: robots.txt is unavailable
   * (4xx other than 429, or too many redirects / a redirect loop).
   * `disallow-all`: it is unreachable (429, 5xx, network error, timeout, a
   * redirect to a non-http(s) or refused URL) and no good copy is kept.
   */
  readonly outcome: RobotsOutcome;
  /** The parsed file when `outcome` is `rules`. */
  readonly rules?: RobotsTxt;
  /** The final HTTP status, when a response was received. */
  readonly status?: number;
  /** Why the latest fetch failed, when it did. */
  readonly error?: { name: string; message: string };
  /**
   * Why the latest fetch failed, in a few words and without the URL
   * (`"connection refused"`, `"HTTP 503"`), when it did.
   */
  readonly reason?: string;
  /**
   * Clock time (see the cache's `clock`) of the next fetch attempt after an
   * unreachable result.
   */
  readonly retryAt?: number;
  /**
   * `true` when the latest fetch failed and this is the last good copy
   * (kept for up to `staleMs`); `error` and `retryAt` describe the failure.
   */
  readonly stale?: boolean;
  /** Clock time this policy was decided. */
  readonly fetchedAt: number;
  /**
   * Whether the cache's user agent may fetch `url` (only its path and query
   * are looked at). `/robots.txt` is always allowed.
   *
   * @param url An absolute URL on this origin, or a path.
   * @returns `true` when the URL may be fetched.
   */
  isAllowed(url: string | URL): boolean;
  /**
   * The cache's user agent's `Crawl-delay`, in seconds.
   *
   * @returns The delay, or `undefined` when none applies.
   */
  crawlDelay(): number | undefined;
  /** The `Sitemap:` URLs of the file (empty unless `outcome` is `rules`). */
  readonly sitemaps: string[];
}

/** The optional facts of a {@linkcode RobotsPolicy}. */
export type RobotsPolicyDetails = Partial<
  Pick<RobotsPolicy, "rules" | "status" | "error" | "reason" | "retryAt">
>;

/**
 * Builds the policy of `origin` for `userAgent`: with `rules` it follows
 * them, else `allow-all` allows everything and `disallow-all` allows only
 * `/robots.txt`. Details left `undefined` are not set.
 *
 * @example A disallow-all policy
 * ```ts
 * import { robotsPolicy } from "./robots_policy.ts";
 * import assert from "node:assert/strict";
 *
 * const policy = robotsPolicy(
 *   "https://a.test",
 *   "disallow-all",
 *   0,
 *   "trawl",
 *   { status: 503 },
 * );
 * assert.equal(policy.isAllowed("/page"), false);
 * assert.equal(policy.isAllowed("/robots.txt"), true);
 * ```
 *
 * @param origin The origin.
 * @param outcome How its robots.txt fetch turned out.
 * @param fetchedAt Clock time of the decision.
 * @param userAgent The user agent whose group applies.
 * @param details The rules, status, error and retry time, if any.
 * @returns The policy.
 */
export function robotsPolicy(
  origin: string,
  outcome: RobotsOutcome,
  fetchedAt: number,
  userAgent: string,
  details: RobotsPolicyDetails,
): RobotsPolicy {
  const rules = details.rules;
  const policy: RobotsPolicy = {
    origin,
    outcome,
    fetchedAt,
    sitemaps: rules ? rules.sitemaps : [],
    isAllowed: (url: string | URL): boolean => {
      if (rules) return rules.isAllowed(url, userAgent);
      if (outcome === "allow-all") return true;
      return isRobotsTxt(url);
    },
    crawlDelay: (): number | undefined => rules?.crawlDelay(userAgent),
  };
  for (const [k, v] of Object.entries(details)) {
    if (v !== undefined) {
      (policy as unknown as Record<string, unknown>)[k] = v;
    }
  }
  return policy;
}

function isRobotsTxt(url: string | URL): boolean {
  try {
    const u = typeof url === "string" ? new URL(url, "http://x") : url;
    return u.pathname === "/robots.txt";
  } catch {
    return false;
  }
}

/**
 * The `error` of a policy: an error's name and message.
 *
 * @example Usage
 * ```ts
 * import { errorSummary } from "./robots_policy.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(errorSummary(new TypeError("bad")), {
 *   name: "TypeError",
 *   message: "bad",
 * });
 * assert.deepEqual(errorSummary("oops"), { name: "Error", message: "oops" });
 * ```
 *
 * @param err What was thrown.
 * @returns Its name and message.
 */
export function errorSummary(err: unknown): { name: string; message: string } {
  return err instanceof Error
    ? { name: err.name, message: err.message }
    : { name: "Error", message: String(err) };
}

/**
 * Why `policy` refuses everything, as a result's `error`, when it does
 * because robots.txt was unreachable (RFC 9309 §2.3.1.4: complete disallow):
 * `robots.txt unreachable: connection refused (127.0.0.1:8399)`.
 *
 * @example
 * ```ts
 * import { robotsPolicy, unreachableError } from "./robots_policy.ts";
 * import assert from "node:assert/strict";
 *
 * const policy = robotsPolicy("http://127.0.0.1:8399", "disallow-all", 0, "trawl", {
 *   error: { name: "FetchError", message: "connection refused (http://127.0.0.1:8399/robots.txt)" },
 *   reason: "connection refused",
 * });
 * assert.deepEqual(unreachableError(policy), {
 *   name: "FetchError",
 *   message: "robots.txt unreachable: connection refused (127.0.0.1:8399)",
 * });
 * ```
 *
 * @param policy The origin's policy.
 * @returns The error, or `undefined` when robots.txt was read.
 */
export function unreachableError(
  policy: RobotsPolicy,
): { name: string; message: string } | undefined {
  if (policy.outcome !== "disallow-all" || !policy.error) return undefined;
  const host = URL.parse(policy.origin)?.host ?? policy.origin;
  const reason = policy.reason ?? policy.error.message;
  return {
    name: policy.error.name,
    message: `robots.txt unreachable: ${reason} (${host})`,
  };
}
