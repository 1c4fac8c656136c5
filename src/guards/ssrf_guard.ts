/**
 * A guard against server-side request forgery: links found on hostile pages
 * must not make the crawler connect to loopback, private, link-local (cloud
 * metadata at `169.254.169.254`), multicast or reserved addresses.
 *
 * {@linkcode isForbiddenAddress} classifies one IP address;
 * {@linkcode SsrfGuard} resolves a URL's host (cached, shared between
 * concurrent checks) and refuses it with an {@linkcode SsrfError} when any of
 * its addresses is forbidden.
 *
 * **Limit: DNS rebinding.** The check runs before each connection, but
 * `fetch` resolves the name again when it connects. A hostile name server can
 * answer the guard with a public address and `fetch` a moment later with a
 * private one. The guard narrows the window (and closes it for IP-literal
 * URLs); to close it for names, also run Deno with `--allow-net` limited to
 * what the crawl needs, or put an egress proxy or firewall in front.
 *
 * @module
 */
import { lookup } from "node:dns/promises";
import { abortable } from "../concurrency/_abortable.ts";
import { type Clock, systemClock } from "../concurrency/clock.ts";
import { LruMap } from "../concurrency/lru_map.ts";
import { SingleFlight } from "../concurrency/single_flight.ts";
import { FetchError } from "../fetch/errors.ts";
import { networkCause } from "../fetch/network_cause.ts";
import {
  FUNCTION,
  numberAtLeast,
  optional,
  POSITIVE_INT,
  type Rule,
} from "../options/validate.ts";
import { isForbiddenAddress } from "./ip_ranges.ts";

export { isForbiddenAddress } from "./ip_ranges.ts";

/**
 * Resolves a hostname to its IP addresses (IPv4 dotted-quad or IPv6 text).
 * Rejects with `signal.reason` when `signal` aborts; any other rejection is a
 * resolution failure.
 */
export type Resolver = (
  hostname: string,
  signal?: AbortSignal,
) => Promise<string[]>;

/**
 * Resolves `hostname` with the system resolver, as `fetch` will when it
 * connects: `node:dns/promises` `lookup(hostname, { all: true, verbatim:
 * true })` (getaddrinfo, so `/etc/hosts` counts). Brackets around an IPv6
 * literal are removed.
 *
 * Permissions: Deno checks `--allow-net` for the hostname being resolved,
 * with any port (`--allow-net` or `--allow-net=example.com`;
 * `--allow-net=example.com:443` is not enough). No `--allow-sys` is needed.
 * Without the permission the lookup fails with code `EPERM`.
 *
 * getaddrinfo cannot be cancelled: when `signal` aborts, the promise rejects
 * with `signal.reason` at once and the lookup's late answer is dropped.
 *
 * @example Resolving an IP literal (no DNS query is sent)
 * ```ts
 * import { defaultResolver } from "@trawl/trawl";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(await defaultResolver("127.0.0.1"), ["127.0.0.1"]);
 * ```
 *
 * @param hostname The name to resolve (a URL's `hostname`).
 * @param signal Stops waiting for the answer.
 * @returns The addresses, in the resolver's order.
 */
export function defaultResolver(
  hostname: string,
  signal?: AbortSignal,
): Promise<string[]> {
  if (signal?.aborted) return Promise.reject(signal.reason);
  const host = hostname.startsWith("[") && hostname.endsWith("]")
    ? hostname.slice(1, -1)
    : hostname;
  const answer = lookup(host, { all: true, verbatim: true }).then((found) =>
    found.map((a) => a.address)
  );
  return abortable(answer, signal);
}

/**
 * The crawler refused to connect to a URL because its host is, or resolves
 * to, a forbidden address (or its scheme is not http(s)). Not worth a retry.
 *
 * @example Usage
 * ```ts
 * import { SsrfError } from "@trawl/trawl";
 *
 * const err = new SsrfError(
 *   "http://evil.test/",
 *   "evil.test",
 *   "169.254.169.254",
 * );
 * console.log(err.name, err.hostname, err.address);
 * ```
 */
export class SsrfError extends Error {
  /** The URL that was refused. */
  readonly url: string;
  /** Its hostname (IPv6 literals in brackets, as in `URL.hostname`). */
  readonly hostname: string;
  /**
   * The forbidden address the host is or resolved to; `""` when the URL was
   * refused for its scheme.
   */
  readonly address: string;
  /**
   * Creates the error.
   *
   * @param url The URL refused.
   * @param hostname Its hostname.
   * @param address The forbidden address (`""` for a refused scheme).
   * @param options The underlying error.
   */
  constructor(
    url: string,
    hostname: string,
    address: string,
    options?: ErrorOptions,
  ) {
    super(
      address === ""
        ? `Refused to connect: only http: and https: URLs are checked (${url})`
        : `Refused to connect to ${hostname} at forbidden address ${address} (${url})`,
      options,
    );
    this.name = "SsrfError";
    this.url = url;
    this.hostname = hostname;
    this.address = address;
  }
}

/** Options of {@linkcode SsrfGuard}. */
export interface SsrfGuardOptions {
  /**
   * Resolves hostnames. Tests pass their own so nothing real is resolved.
   *
   * @default {defaultResolver}
   */
  resolver?: Resolver;
  /**
   * Hostnames that are never checked (the crawl's seed hosts, so a crawl of
   * `http://127.0.0.1:8000/` works). A port, if given, is ignored.
   *
   * @default {[]}
   */
  allowHosts?: Iterable<string>;
  /**
   * Decides whether one resolved address is forbidden.
   *
   * @default {isForbiddenAddress}
   */
  isForbidden?: (ip: string) => boolean;
  /**
   * How long a successful resolution is reused, in ms (`0`: never cached,
   * though concurrent checks still share one lookup). Failures are not
   * cached, so a retry resolves again.
   *
   * @default {60000}
   */
  cacheTtlMs?: number;
  /**
   * The clock that ages cache entries.
   *
   * @default {systemClock}
   */
  clock?: Clock;
  /**
   * The most hostnames kept in the cache; the least recently used goes first.
   *
   * @default {10000}
   */
  maxEntries?: number;
}

/** Counters of an {@linkcode SsrfGuard}. */
export interface SsrfGuardStats {
  /** Resolver calls made. */
  lookups: number;
  /** Checks answered from the cache. */
  hits: number;
  /** Checks that joined a lookup already in flight. */
  joined: number;
  /** Checks that threw {@linkcode SsrfError}. */
  refused: number;
}

/** What a lookup found out about a hostname. */
interface Entry {
  /** The first forbidden address, if any. */
  forbidden?: string;
}

/**
 * Refuses URLs whose host is, or resolves to, an address the crawler must
 * not connect to. Call {@linkcode SsrfGuard.check} before every request:
 * each redirect hop, robots.txt and sitemap fetches included.
 *
 * A hostname is refused when **any** of its addresses is forbidden (a name
 * with one public and one private address is refused, since `fetch` may pick
 * either). IP-literal hosts are classified without resolving. Answers are
 * cached per hostname for `cacheTtlMs` in a bounded LRU, and concurrent
 * checks of one hostname share one lookup. A failed resolution throws a
 * {@linkcode FetchError} (a network error: retried and reported).
 *
 * **Limit: DNS rebinding.** `fetch` resolves the name again when it
 * connects, so a hostile name server can answer the guard with a public
 * address and `fetch` with a private one. The guard does not close that
 * window for names; restrict `--allow-net` or use an egress proxy or
 * firewall as well.
 *
 * @example Refusing a name that resolves to a private address
 * ```ts
 * import { SsrfError, SsrfGuard } from "./ssrf_guard.ts";
 * import assert from "node:assert/strict";
 *
 * const dns = new Map([
 *   ["public.test", ["93.184.216.34"]],
 *   ["evil.test", ["93.184.216.34", "10.0.0.1"]],
 * ]);
 * const guard = new SsrfGuard({
 *   resolver: (host) => Promise.resolve(dns.get(host) ?? []),
 *   allowHosts: ["127.0.0.1"],
 * });
 * await guard.check(new URL("https://public.test/"));
 * await guard.check(new URL("http://127.0.0.1:8000/")); // a seed host
 * await assert.rejects(guard.check(new URL("https://evil.test/")), SsrfError);
 * // 2852039166 is how 169.254.169.254 may be spelled in a link.
 * await assert.rejects(guard.check(new URL("http://2852039166/")), SsrfError);
 * ```
 */
export class SsrfGuard {
  readonly #resolver: Resolver;
  readonly #isForbidden: (ip: string) => boolean;
  readonly #ttl: number;
  readonly #allowed = new Set<string>();
  /** Hostname → answer, for `cacheTtlMs`. */
  readonly #cache: LruMap<string, Entry>;
  readonly #flights = new SingleFlight<string, Entry>();
  readonly #stats: SsrfGuardStats = {
    lookups: 0,
    hits: 0,
    joined: 0,
    refused: 0,
  };

  /**
   * Creates a guard.
   *
   * @param options The resolver, allowed hosts, classifier and cache bounds.
   * @throws {TypeError} When `resolver` or `isForbidden` is not a function,
   * or a host of `allowHosts` is not a hostname.
   * @throws {RangeError} When `cacheTtlMs` is not a finite number of at
   * least 0 or `maxEntries` is not a positive integer.
   */
  constructor(options: SsrfGuardOptions = {}) {
    const o = options;
    const opt = <T>(
      name: keyof SsrfGuardOptions,
      rule: Rule<unknown>,
      fallback: T,
    ): T =>
      optional("create SsrfGuard", name, o[name], rule as Rule<T>, fallback);
    this.#resolver = opt("resolver", FUNCTION, defaultResolver);
    this.#isForbidden = opt("isForbidden", FUNCTION, isForbiddenAddress);
    this.#ttl = opt("cacheTtlMs", numberAtLeast(0), 60_000);
    this.#cache = new LruMap(opt("maxEntries", POSITIVE_INT, 10_000), {
      ttlMs: this.#ttl,
      clock: o.clock ?? systemClock,
    });
    for (const host of o.allowHosts ?? []) this.addAllowedHost(host);
  }

  /**
   * A snapshot of the guard's counters.
   *
   * @example Counting cache hits
   * ```ts
   * import { SsrfGuard } from "./ssrf_guard.ts";
   * import assert from "node:assert/strict";
   *
   * const guard = new SsrfGuard({ resolver: () => Promise.resolve(["8.8.8.8"]) });
   * await guard.check(new URL("https://a.test/1"));
   * await guard.check(new URL("https://a.test/2"));
   * assert.equal(guard.stats.lookups, 1);
   * assert.equal(guard.stats.hits, 1);
   * ```
   */
  get stats(): SsrfGuardStats {
    return { ...this.#stats };
  }

  /**
   * Always allows `host` from now on (e.g. a seed added during the crawl).
   *
   * @example Allowing a loopback test server
   * ```ts
   * import { SsrfGuard } from "./ssrf_guard.ts";
   *
   * const guard = new SsrfGuard();
   * guard.addAllowedHost("127.0.0.1");
   * await guard.check(new URL("http://127.0.0.1:8000/"));
   * ```
   *
   * @param host A hostname or IP address (IPv6 with or without brackets); a
   * port is ignored.
   */
  addAllowedHost(host: string): void {
    this.#allowed.add(normalizeHostname(host));
  }

  /**
   * Resolves when `url` may be fetched. Throws {@linkcode SsrfError} when its
   * scheme is not http(s) or its host is, or resolves to, a forbidden
   * address; throws {@linkcode FetchError} (with the resolver's error as
   * `cause`) when resolution fails or finds no address; rejects with
   * `signal.reason` when `signal` aborts.
   *
   * @example Checking each redirect hop
   * ```ts
   * import { SsrfError, SsrfGuard } from "./ssrf_guard.ts";
   * import assert from "node:assert/strict";
   *
   * const guard = new SsrfGuard({
   *   resolver: () => Promise.resolve(["169.254.169.254"]),
   * });
   * const hop = new URL("/latest/meta-data/", "http://metadata.test/");
   * await assert.rejects(guard.check(hop), SsrfError);
   * ```
   *
   * @param url The URL about to be requested.
   * @param options `signal` cancels the check.
   * @returns A promise that resolves when the URL is allowed.
   */
  async check(
    url: URL,
    options: { signal?: AbortSignal } = {},
  ): Promise<void> {
    const { signal } = options;
    signal?.throwIfAborted();
    if (!(url instanceof URL)) {
      throw new TypeError(
        `Cannot check URL as 'url' must be a URL: current value is ${url}`,
      );
    }
    const { hostname, href } = url;
    if (url.protocol !== "http:" && url.protocol !== "https:") {
      this.#stats.refused++;
      throw new SsrfError(href, hostname, "");
    }
    if (this.#allowed.has(hostname)) return;
    const literal = ipLiteral(hostname);
    let forbidden: string | undefined;
    if (literal !== undefined) {
      if (this.#forbids(literal)) forbidden = literal;
    } else {
      forbidden = (await this.#resolve(hostname, href, signal)).forbidden;
    }
    if (forbidden !== undefined) {
      this.#stats.refused++;
      throw new SsrfError(href, hostname, forbidden);
    }
  }

  #forbids(ip: string): boolean {
    try {
      return this.#isForbidden(ip) !== false;
    } catch {
      return true; // fail closed
    }
  }

  async #resolve(
    hostname: string,
    href: string,
    signal: AbortSignal | undefined,
  ): Promise<Entry> {
    const cached = this.#cache.get(hostname);
    if (cached) {
      this.#stats.hits++;
      return cached;
    }
    if (this.#flights.has(hostname)) this.#stats.joined++;
    try {
      return await this.#flights.run(
        hostname,
        (shared) => this.#lookup(hostname, shared),
        { signal },
      );
    } catch (err) {
      if (signal?.aborted && err === signal.reason) throw err;
      const message = err instanceof Error ? err.message : String(err);
      const named = networkCause(err);
      const code = (err as { code?: unknown }).code;
      throw new FetchError(
        href,
        named
          ? `${named.message}: ${hostname} (${
            typeof code === "string" ? code : message
          })`
          : `DNS resolution of ${hostname} failed: ${message}`,
        { cause: err, kind: named?.kind },
      );
    }
  }

  /** Resolves `hostname` and caches the answer (failures are not cached). */
  async #lookup(hostname: string, signal: AbortSignal): Promise<Entry> {
    this.#stats.lookups++;
    const addresses = await this.#resolver(hostname, signal);
    if (!Array.isArray(addresses) || addresses.length === 0) {
      throw new Error("no addresses found");
    }
    const entry: Entry = { forbidden: addresses.find((a) => this.#forbids(a)) };
    if (!signal.aborted && this.#ttl > 0) this.#cache.set(hostname, entry);
    return entry;
  }
}

/** The address of an IP-literal `URL.hostname`, or `undefined` for a name. */
function ipLiteral(hostname: string): string | undefined {
  if (hostname.startsWith("[")) return hostname;
  // An http(s) host ending in a number was parsed as IPv4 by the URL parser
  // and is in dotted-decimal form (anything else is refused: fail closed).
  const labels = hostname.split(".");
  if (labels.length > 1 && labels.at(-1) === "") labels.pop();
  const last = labels.at(-1)!;
  return /^(0[xX][0-9a-fA-F]*|[0-9]+)$/.test(last) ? hostname : undefined;
}

/** A hostname as `URL.hostname` spells it. */
function normalizeHostname(host: string): string {
  if (typeof host !== "string" || host === "") {
    throw new TypeError(
      `Cannot allow host as 'host' must be a non-empty hostname: current value is ${host}`,
    );
  }
  const text = !host.startsWith("[") && host.split(":").length > 2
    ? `[${host}]`
    : host;
  let url: URL | undefined;
  try {
    url = new URL(`http://${text}/`);
  } catch {
    url = undefined;
  }
  if (
    !url || url.pathname !== "/" || url.search !== "" || url.hash !== "" ||
    url.username !== "" || url.password !== ""
  ) {
    throw new TypeError(
      `Cannot allow host as 'host' must be a hostname: current value is ${host}`,
    );
  }
  return url.hostname;
}
