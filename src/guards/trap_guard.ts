/**
 * A spider-trap guard: cheap per-link checks that stop a crawl from
 * following infinite URL spaces (calendars, session ids, ever-deepening
 * relative paths, huge generated sites).
 *
 * @module
 */
import { LruMap } from "../concurrency/lru_map.ts";
import { check, LIMIT, POSITIVE_INT, type Rule } from "../options/validate.ts";

/**
 * The limits a {@linkcode TrapGuard} enforces.
 *
 * @example Tighter limits for a small crawl
 * ```ts
 * import { TrapGuard, type TrapLimits } from "./trap_guard.ts";
 *
 * const limits: Partial<TrapLimits> = { maxPathDepth: 8, maxPagesPerHost: 500 };
 * const guard = new TrapGuard(limits);
 * console.log(guard.limits.maxUrlLength); // 2048
 * ```
 */
export interface TrapLimits {
  /**
   * The longest URL admitted, in UTF-16 code units of its `href` (and, for a
   * string given to {@linkcode TrapGuard.check}, of the string itself).
   *
   * @default {2048}
   */
  maxUrlLength: number;
  /**
   * How often one path segment may appear in a path. A segment that appears
   * more often rejects the URL (`/a/b/a/b/a/b/a` with 3: `a` appears 4
   * times). This catches repeated cycles of any period (`a/a/a/a`,
   * `a/b/a/b/a/b/a/b`, `x/y/z/x/y/z/...`) once they repeat more than this
   * many times, whatever lies between the repetitions. Empty segments
   * (`//`) count too; a trailing `/` does not.
   *
   * @default {3}
   */
  maxRepeatedSegments: number;
  /**
   * The most path segments a URL may have (`/a/b/` and `/a/b` have 2).
   *
   * @default {32}
   */
  maxPathDepth: number;
  /**
   * The most distinct non-empty query strings admitted per host and path,
   * after session ids are stripped (the infinite calendar `/cal?month=N`).
   * The bare path (no query) is not a variant and is always admitted by
   * this check.
   *
   * @default {100}
   */
  maxQueryVariants: number;
  /**
   * The most URLs admitted per host (hostname and port). `Infinity` means no
   * limit, and then nothing is tracked per host.
   *
   * @default {Infinity}
   */
  maxPagesPerHost: number;
  /**
   * Query parameter names (case-insensitive) that are session ids: they are
   * stripped from the query, and `;name=value` path parameters with these
   * names are stripped from the path, before query variants are counted
   * (see {@linkcode stripSessionIds}).
   *
   * @default {["jsessionid", "phpsessid", "sid", "sessionid", "session_id", "aspsessionid"]}
   */
  sessionParams: readonly string[];
  /**
   * How many host+path keys the query-variant counter remembers (and,
   * separately, how many hosts the page budget remembers). Both are LRU
   * maps: when one is full, admitting a URL of a new key forgets the key
   * least recently admitted. A forgotten key that comes back starts
   * counting again from zero. That can let a trap through for another
   * `maxQueryVariants` (or `maxPagesPerHost`) URLs per eviction, which is
   * the price of bounded memory.
   *
   * @default {100000}
   */
  maxTrackedPaths: number;
}

/** Why a {@linkcode TrapGuard} rejected a URL. */
export type TrapReason =
  | "url-too-long"
  | "repeated-segments"
  | "too-deep"
  | "query-variants"
  | "host-budget";

/** How many URLs {@linkcode TrapGuard.admit} rejected, by reason. */
export type TrapStats = Record<TrapReason, number>;

/**
 * The default {@linkcode TrapLimits.sessionParams}: common session-id
 * parameter names (Java, PHP, ASP and generic ones).
 *
 * @example Usage
 * ```ts
 * import { DEFAULT_SESSION_PARAMS } from "@trawl/trawl";
 *
 * console.log(DEFAULT_SESSION_PARAMS.includes("jsessionid")); // true
 * ```
 */
export const DEFAULT_SESSION_PARAMS: readonly string[] = Object.freeze([
  "jsessionid",
  "phpsessid",
  "sid",
  "sessionid",
  "session_id",
  "aspsessionid",
]);

const DEFAULT_LIMITS: Readonly<TrapLimits> = Object.freeze({
  maxUrlLength: 2048,
  maxRepeatedSegments: 3,
  maxPathDepth: 32,
  maxQueryVariants: 100,
  maxPagesPerHost: Infinity,
  sessionParams: DEFAULT_SESSION_PARAMS,
  maxTrackedPaths: 100_000,
});

/** Lowercased session parameter names, with their lengths for a fast miss. */
class NameSet {
  readonly #names: Set<string>;
  readonly #lengths: Set<number>;

  constructor(names: readonly string[]) {
    this.#names = new Set(names.map((n) => n.toLowerCase()));
    this.#lengths = new Set([...this.#names].map((n) => n.length));
  }

  /** Whether `param` (`name`, `name=value`) has one of the names. */
  matches(param: string): boolean {
    const eq = param.indexOf("=");
    const length = eq < 0 ? param.length : eq;
    return this.#lengths.has(length) &&
      this.#names.has(param.slice(0, length).toLowerCase());
  }
}

const DEFAULT_SESSION_SET = new NameSet(DEFAULT_SESSION_PARAMS);

/** `scheme://` at the start of a string (no backtracking: one char class). */
const SCHEME_PREFIX = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//;

/** The path with `;name=value` session parameters removed from each segment. */
function stripPathParams(path: string, names: NameSet): string {
  if (path.indexOf(";") < 0) return path;
  const segments = path.split("/");
  let changed = false;
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i];
    if (segment.indexOf(";") < 0) continue;
    const pieces = segment.split(";");
    const kept = [pieces[0]];
    for (let j = 1; j < pieces.length; j++) {
      if (!names.matches(pieces[j])) kept.push(pieces[j]);
    }
    if (kept.length !== pieces.length) {
      segments[i] = kept.join(";");
      changed = true;
    }
  }
  return changed ? segments.join("/") : path;
}

/** The query (without `?`) with session parameters removed. */
function stripQueryParams(query: string, names: NameSet): string {
  const params = query.split("&");
  const kept = params.filter((p) => !names.matches(p));
  return kept.length === params.length ? query : kept.join("&");
}

function stripWith(url: string, names: NameSet): string {
  const hashAt = url.indexOf("#");
  const fragment = hashAt < 0 ? "" : url.slice(hashAt);
  const beforeHash = hashAt < 0 ? url : url.slice(0, hashAt);
  const queryAt = beforeHash.indexOf("?");
  const beforeQuery = queryAt < 0 ? beforeHash : beforeHash.slice(0, queryAt);
  // The authority (if any) is left alone: path parameters start after it.
  let pathAt = 0;
  const scheme = SCHEME_PREFIX.exec(beforeQuery);
  if (scheme || beforeQuery.startsWith("//")) {
    const from = scheme ? scheme[0].length : 2;
    const slash = beforeQuery.indexOf("/", from);
    pathAt = slash < 0 ? beforeQuery.length : slash;
  }
  const path = stripPathParams(beforeQuery.slice(pathAt), names);
  let query = "";
  if (queryAt >= 0) {
    const stripped = stripQueryParams(beforeHash.slice(queryAt + 1), names);
    const before = beforeHash.length - queryAt - 1;
    // Drop the "?" only when parameters were removed and none are left.
    query = stripped === "" && before !== 0 ? "" : "?" + stripped;
  }
  return beforeQuery.slice(0, pathAt) + path + query + fragment;
}

/**
 * Removes session-id parameters from a URL: query parameters whose name is
 * one of `names` (case-insensitive) and `;name=value` path parameters
 * (`/shop;jsessionid=A1B2/cart`). Everything else stays byte-identical
 * (order, encoding, fragment); the `?` goes when no query parameter is left.
 * The result is idempotent: stripping it again changes nothing.
 *
 * Names are compared as written, so a percent-encoded name (`%73id`) is not
 * recognised.
 *
 * @example Two session ids, one page
 * ```ts
 * import { stripSessionIds } from "./trap_guard.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(
 *   stripSessionIds("https://a.test/p;jsessionid=X1?b=2&SID=9&a=1#top"),
 *   "https://a.test/p?b=2&a=1#top",
 * );
 * assert.equal(stripSessionIds("https://a.test/p?sid=1"), "https://a.test/p");
 * ```
 *
 * @param url An absolute or relative URL string.
 * @param names The session parameter names (case-insensitive); defaults to
 * {@linkcode DEFAULT_SESSION_PARAMS}.
 * @returns The URL without its session ids.
 */
export function stripSessionIds(
  url: string,
  names: readonly string[] = DEFAULT_SESSION_PARAMS,
): string {
  const set = names === DEFAULT_SESSION_PARAMS
    ? DEFAULT_SESSION_SET
    : new NameSet(names);
  return stripWith(url, set);
}

/** Two 32-bit string hashes folded into a 53-bit number. */
function hash53(s: string): number {
  let h1 = 0x811c9dc5;
  let h2 = 0x9747b28c;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193);
    h2 = Math.imul(h2 ^ c, 0x5bd1e995);
    h2 ^= h2 >>> 15;
  }
  return (h1 >>> 0) * 0x200000 + (h2 >>> 11);
}

/** Session parameter names: an array of strings. */
const SESSION_PARAMS: Rule<readonly string[]> = {
  text: "an array of strings",
  error: TypeError,
  test: (v): v is readonly string[] =>
    Array.isArray(v) && v.every((p) => typeof p === "string"),
};

/** The rule each limit must follow, in the order they are checked. */
const RULES: Record<keyof TrapLimits, Rule<unknown>> = {
  maxUrlLength: POSITIVE_INT,
  maxRepeatedSegments: POSITIVE_INT,
  maxPathDepth: POSITIVE_INT,
  maxQueryVariants: POSITIVE_INT,
  maxTrackedPaths: POSITIVE_INT,
  maxPagesPerHost: LIMIT,
  sessionParams: SESSION_PARAMS,
};

/**
 * Rejects URLs that look like spider traps, before they reach the frontier.
 *
 * {@linkcode TrapGuard.check} is pure: URL length, path depth and repeated
 * path segments. {@linkcode TrapGuard.admit} adds two counted limits: the
 * distinct query strings per host and path (session ids stripped first) and
 * the URLs per host. Only admitted URLs are counted, so call `admit` once per
 * new URL, after deduplication: a URL admitted twice counts twice against
 * its host's budget (though never twice as a query variant).
 *
 * Memory is bounded: only paths that carry a query are tracked, in an LRU
 * map of at most {@linkcode TrapLimits.maxTrackedPaths} keys, each holding at most {@linkcode TrapLimits.maxQueryVariants} 53-bit
 * hashes; hosts are tracked only when {@linkcode TrapLimits.maxPagesPerHost}
 * is finite, in a map of the same kind and size. Evicted keys start counting
 * again from zero. `admit` is O(path segments + query length).
 *
 * @example Stop an infinite calendar
 * ```ts
 * import { TrapGuard } from "./trap_guard.ts";
 * import assert from "node:assert/strict";
 *
 * const guard = new TrapGuard({ maxQueryVariants: 12 });
 * const reasons = [];
 * for (let month = 1; month <= 20; month++) {
 *   reasons.push(guard.admit(new URL(`https://a.test/cal?month=${month}`)));
 * }
 * assert.equal(reasons.filter((r) => r === undefined).length, 12);
 * assert.equal(guard.stats["query-variants"], 8);
 * ```
 *
 * @example Pure checks
 * ```ts
 * import { TrapGuard } from "./trap_guard.ts";
 * import assert from "node:assert/strict";
 *
 * const guard = new TrapGuard();
 * assert.equal(guard.check("https://a.test/a/b/a/b/a/b/a"), "repeated-segments");
 * assert.equal(guard.check("https://a.test/" + "x".repeat(3000)), "url-too-long");
 * assert.equal(guard.check("https://a.test/docs/guide/"), undefined);
 * ```
 */
export class TrapGuard {
  readonly #limits: Readonly<TrapLimits>;
  readonly #sessionNames: NameSet;
  /** host+path → the hash of its one query variant, or a set of them. */
  readonly #variants: LruMap<string, number | Set<number>>;
  /** host → URLs admitted (only when the budget is finite). */
  readonly #hosts: LruMap<string, number>;
  #stats: TrapStats = emptyStats();

  /**
   * Creates a guard.
   *
   * @param limits Limits to override; the rest take their defaults.
   * @throws {RangeError} When a numeric limit is not a positive integer
   * (`maxPagesPerHost` may also be `Infinity`).
   * @throws {TypeError} When `sessionParams` is not an array of strings.
   */
  constructor(limits: Partial<TrapLimits> = {}) {
    const resolved: Record<string, unknown> = { ...DEFAULT_LIMITS };
    for (const key of Object.keys(DEFAULT_LIMITS) as (keyof TrapLimits)[]) {
      const value = limits?.[key];
      if (value !== undefined) resolved[key] = value;
    }
    for (const key of Object.keys(RULES) as (keyof TrapLimits)[]) {
      check("create TrapGuard", key, resolved[key], RULES[key]);
    }
    const checked = resolved as unknown as TrapLimits;
    checked.sessionParams = Object.freeze([...checked.sessionParams]);
    this.#limits = Object.freeze(checked);
    this.#sessionNames = new NameSet(checked.sessionParams);
    this.#variants = new LruMap(checked.maxTrackedPaths);
    this.#hosts = new LruMap(checked.maxTrackedPaths);
  }

  /**
   * Strips this guard's session-id parameters from a URL, as
   * {@linkcode stripSessionIds} does (without rebuilding the name set on
   * each call: the crawler runs it on every link).
   *
   * @example Usage
   * ```ts
   * import { TrapGuard } from "./trap_guard.ts";
   * import assert from "node:assert/strict";
   *
   * const guard = new TrapGuard();
   * assert.equal(guard.stripSessionIds("https://a.test/p?sid=42&x=1"), "https://a.test/p?x=1");
   * ```
   *
   * @param url A URL string.
   * @returns The URL without its session ids.
   */
  stripSessionIds(url: string): string {
    // Session ids live in a query or in `;name=` path parameters.
    if (url.indexOf("?") < 0 && url.indexOf(";") < 0) return url;
    return stripWith(url, this.#sessionNames);
  }

  /**
   * The limits in force, defaults filled in.
   *
   * @returns The frozen limits.
   */
  get limits(): Readonly<TrapLimits> {
    return this.#limits;
  }

  /**
   * How many host+path keys the query-variant counter holds now (at most
   * {@linkcode TrapLimits.maxTrackedPaths}).
   *
   * @returns The number of tracked keys.
   */
  get size(): number {
    return this.#variants.size;
  }

  /**
   * URLs {@linkcode TrapGuard.admit} rejected so far, by reason (a copy).
   * {@linkcode TrapGuard.check} is not counted.
   *
   * @returns The rejection counts.
   */
  get stats(): TrapStats {
    return { ...this.#stats };
  }

  /**
   * The pure checks: URL length, path depth and repeated path segments, in
   * that order. Nothing is counted or remembered.
   *
   * A string longer than `maxUrlLength` is rejected before parsing; a string
   * the URL parser rejects is not a trap (`undefined`): dropping it is the
   * caller's business.
   *
   * @example Ever-deepening relative links
   * ```ts
   * import { TrapGuard } from "./trap_guard.ts";
   * import assert from "node:assert/strict";
   *
   * const guard = new TrapGuard();
   * let page = new URL("https://a.test/a/b/");
   * while (guard.check(page) === undefined) page = new URL("a/b/", page);
   * assert.equal(page.pathname, "/a/b/a/b/a/b/a/b/");
   * ```
   *
   * @param url The URL to check.
   * @returns Why the URL is a trap, or `undefined` when it passes.
   */
  check(url: URL | string): TrapReason | undefined {
    const max = this.#limits.maxUrlLength;
    let u: URL;
    if (typeof url === "string") {
      if (url.length > max) return "url-too-long";
      const parsed = URL.parse(url);
      if (parsed === null) return undefined;
      u = parsed;
    } else {
      u = url;
    }
    if (u.href.length > max) return "url-too-long";
    return this.#checkPath(u.pathname);
  }

  /**
   * {@linkcode TrapGuard.check}, then the counted limits: the host's page
   * budget and the distinct query strings of the URL's host and path. When
   * the URL is admitted it is counted; when it is rejected nothing changes
   * but {@linkcode TrapGuard.stats}. A query string already admitted for
   * its path is not a new variant.
   *
   * @example A per-host budget
   * ```ts
   * import { TrapGuard } from "./trap_guard.ts";
   * import assert from "node:assert/strict";
   *
   * const guard = new TrapGuard({ maxPagesPerHost: 2 });
   * assert.equal(guard.admit(new URL("https://a.test/1")), undefined);
   * assert.equal(guard.admit(new URL("https://a.test/2")), undefined);
   * assert.equal(guard.admit(new URL("https://a.test/3")), "host-budget");
   * assert.equal(guard.admit(new URL("https://b.test/1")), undefined);
   * ```
   *
   * @param url The URL to admit.
   * @returns Why the URL is rejected, or `undefined` when it is admitted.
   */
  admit(url: URL): TrapReason | undefined {
    const pure = this.check(url);
    if (pure !== undefined) return this.#reject(pure);
    const { maxPagesPerHost, maxQueryVariants } = this.#limits;
    const host = url.host;
    let pages = 0;
    if (maxPagesPerHost !== Infinity) {
      pages = this.#hosts.peek(host) ?? 0;
      if (pages >= maxPagesPerHost) return this.#reject("host-budget");
    }

    // Query variants: only URLs that still have a query after stripping.
    let key: string | undefined;
    let seen: number | Set<number> | undefined;
    let hash = 0;
    const search = url.search;
    if (search.length > 1) {
      const query = stripQueryParams(search.slice(1), this.#sessionNames);
      if (query !== "") {
        key = host + stripPathParams(url.pathname, this.#sessionNames);
        hash = hash53(query);
        seen = this.#variants.peek(key);
        const count = seen === undefined
          ? 0
          : typeof seen === "number"
          ? 1
          : seen.size;
        const known = seen === hash ||
          (typeof seen === "object" && seen.has(hash));
        if (!known && count >= maxQueryVariants) {
          return this.#reject("query-variants");
        }
      }
    }

    // Admitted: count it.
    if (maxPagesPerHost !== Infinity) {
      this.#hosts.set(host, pages + 1);
    }
    if (key !== undefined) {
      let next: number | Set<number>;
      if (seen === undefined || seen === hash) next = hash;
      else if (typeof seen === "number") next = new Set([seen, hash]);
      else next = seen.add(hash);
      this.#variants.set(key, next);
    }
    return undefined;
  }

  /** Forgets every count and resets {@linkcode TrapGuard.stats}. */
  clear(): void {
    this.#variants.clear();
    this.#hosts.clear();
    this.#stats = emptyStats();
  }

  #reject(reason: TrapReason): TrapReason {
    this.#stats[reason]++;
    return reason;
  }

  #checkPath(pathname: string): TrapReason | undefined {
    // "/a/b/" → ["a", "b", ""]: the trailing empty segment is not one.
    const segments = pathname.split("/");
    let end = segments.length;
    if (end > 0 && segments[end - 1] === "") end--;
    const start = end > 0 && segments[0] === "" ? 1 : 0;
    if (end - start > this.#limits.maxPathDepth) return "too-deep";
    // At most maxPathDepth segments here: a quadratic scan beats a Map.
    const max = this.#limits.maxRepeatedSegments;
    if (end - start <= max) return undefined;
    for (let i = start; i < end; i++) {
      const segment = segments[i];
      let count = 1;
      let repeatedEarlier = false;
      for (let j = start; j < i; j++) {
        if (segments[j] === segment) {
          repeatedEarlier = true;
          break;
        }
      }
      if (repeatedEarlier) continue;
      for (let j = i + 1; j < end; j++) {
        if (segments[j] === segment && ++count > max) {
          return "repeated-segments";
        }
      }
    }
    return undefined;
  }
}

function emptyStats(): TrapStats {
  return {
    "url-too-long": 0,
    "repeated-segments": 0,
    "too-deep": 0,
    "query-variants": 0,
    "host-budget": 0,
  };
}
